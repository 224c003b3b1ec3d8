#include "redo/replay_report.h"

#include <fmt/format.h>

#include <iterator>
#include <utility>
#include <nlohmann/json.hpp>

#include "redo/rmgr.h"
#include "wal/relpath.h"

namespace understudy::redo {

namespace {

std::string rmgr_name(std::uint8_t id) {
    const RmgrInfo* info = find_rmgr(id);
    return info != nullptr ? info->name : fmt::format("custom{:03}", id);
}

}  // namespace

std::uint64_t ReplayReport::total_mismatches() const {
    std::uint64_t n = 0;
    for (const auto& c : rmgrs) n += c.images_mismatched;
    return n;
}

std::uint64_t ReplayReport::total_known_differences() const {
    std::uint64_t n = 0;
    for (const auto& c : rmgrs) n += c.images_known_difference;
    return n;
}

std::uint64_t ReplayReport::total_unsupported() const {
    std::uint64_t n = 0;
    for (const auto& c : rmgrs) n += c.unsupported;
    return n;
}

std::string report_to_json(const ReplayReport& report) {
    using nlohmann::ordered_json;
    ordered_json j;
    j["start_lsn"] = format_lsn(report.start_lsn);
    j["end_lsn"] = format_lsn(report.end_lsn);
    j["records"] = report.records;
    j["bytes"] = report.bytes;
    j["seconds"] = report.seconds;
    j["verify"] = report.verify;
    j["restartpoints"] = report.restartpoints;
    j["stop_reason"] = report.stop_reason;
    j["error"] = report.error;
    ordered_json rm = ordered_json::object();
    for (std::size_t id = 0; id < report.rmgrs.size(); ++id) {
        const RmgrCounters& c = report.rmgrs[id];
        if (c.records == 0) continue;
        ordered_json entry{
            {"records", c.records},
            {"applied", c.applied},
            {"skipped_done", c.skipped_done},
            {"unsupported", c.unsupported},
            {"images_checked", c.images_checked},
            {"images_mismatched", c.images_mismatched},
            {"known_upstream_differences", c.images_known_difference},
            {"images_notfound", c.images_notfound},
            {"images_skipped_newer", c.images_skipped_newer},
            {"missing_pages", c.missing_pages},
            {"bytes", c.bytes},
        };
        if (c.known_difference_reason != nullptr) entry["known_upstream_difference_reason"] = c.known_difference_reason;
        rm[rmgr_name(static_cast<std::uint8_t>(id))] = std::move(entry);
    }
    j["rmgrs"] = rm;
    ordered_json mm = ordered_json::array();
    for (const Mismatch& m : report.mismatches)
        mm.push_back(ordered_json{
            {"lsn", format_lsn(m.lsn)},
            {"rmgr", rmgr_name(m.rmid)},
            {"record", m.record},
            {"rel", storage::format_relfilenode(m.rnode)},
            {"fork", fork_name(m.forknum)},
            {"block", m.blkno},
            {"offset", m.offset},
        });
    j["mismatches"] = mm;
    j["mismatches_total"] = report.total_mismatches();
    j["known_upstream_differences_total"] = report.total_known_differences();
    return j.dump(2) + "\n";
}

std::string report_summary(const ReplayReport& report) {
    std::string out;
    auto it = std::back_inserter(out);
    const double mb = static_cast<double>(report.bytes) / (1024.0 * 1024.0);
    const double secs = report.seconds > 0 ? report.seconds : 1e-9;
    fmt::format_to(it, "replayed {} records ({:.1f} MB) from {} to {} in {:.2f} s ({:.0f} records/s, {:.1f} MB/s); {}\n",
                   report.records, mb, format_lsn(report.start_lsn), format_lsn(report.end_lsn), report.seconds,
                   static_cast<double>(report.records) / secs, mb / secs, report.stop_reason);
    fmt::format_to(it, "{:<18} {:>10} {:>10} {:>8} {:>11} {:>8} {:>9} {:>8}\n", "rmgr", "records", "applied", "done",
                   "unsupported", "checked", "mismatch", "missing");
    for (std::size_t id = 0; id < report.rmgrs.size(); ++id) {
        const RmgrCounters& c = report.rmgrs[id];
        if (c.records == 0) continue;
        fmt::format_to(it, "{:<18} {:>10} {:>10} {:>8} {:>11} {:>8} {:>9} {:>8}\n",
                       rmgr_name(static_cast<std::uint8_t>(id)), c.records, c.applied, c.skipped_done, c.unsupported,
                       c.images_checked, c.images_mismatched, c.missing_pages);
    }
    if (report.verify) {
        fmt::format_to(it, "verify: {} page mismatches\n", report.total_mismatches());
        for (std::size_t id = 0; id < report.rmgrs.size(); ++id) {
            const RmgrCounters& c = report.rmgrs[id];
            if (c.images_known_difference == 0) continue;
            fmt::format_to(it, "  {} known upstream differences ({}, not mismatches): {}\n", c.images_known_difference,
                           rmgr_name(static_cast<std::uint8_t>(id)),
                           c.known_difference_reason != nullptr ? c.known_difference_reason : "");
        }
    }
    for (std::size_t i = 0; i < report.mismatches.size() && i < 10; ++i) {
        const Mismatch& m = report.mismatches[i];
        fmt::format_to(it, "  mismatch at {} {}/{} rel {} fork {} block {} offset {}\n", format_lsn(m.lsn),
                       rmgr_name(m.rmid), m.record, storage::format_relfilenode(m.rnode), fork_name(m.forknum),
                       m.blkno, m.offset);
    }
    return out;
}

std::vector<RmgrTotals> add_rmgr_totals(const std::vector<RmgrTotals>& base, const ReplayReport& run) {
    std::array<RmgrTotals, 256> sum{};
    for (std::size_t id = 0; id < sum.size(); ++id) {
        const RmgrCounters& c = run.rmgrs[id];
        sum[id] = RmgrTotals{static_cast<std::uint8_t>(id), c.records, c.applied, c.images_checked,
                             c.images_mismatched};
    }
    for (const RmgrTotals& b : base) {
        RmgrTotals& t = sum[b.rmgr_id];
        t.records += b.records;
        t.applied += b.applied;
        t.images_checked += b.images_checked;
        t.images_mismatched += b.images_mismatched;
    }
    std::vector<RmgrTotals> out;
    for (const RmgrTotals& t : sum)
        if (t.records != 0) out.push_back(t);
    return out;
}

}  // namespace understudy::redo
