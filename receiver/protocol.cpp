#include "receiver/protocol.h"

#include <chrono>
#include <charconv>

#include <fmt/format.h>

#include "common/bytes.h"

namespace understudy::receiver {

namespace {

// Seconds between the Unix epoch and PostgreSQL's epoch, 2000-01-01 (POSTGRES_EPOCH_JDATE).
constexpr std::int64_t kPostgresEpochUnixSeconds = 946684800;

std::uint64_t get_u64(const std::uint8_t* p) { return load_be64(p); }

Result<std::uint64_t> parse_u64(const std::string& s, const char* what) {
    std::uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size())
        return make_error(fmt::format("invalid {} \"{}\" from the primary", what, s));
    return v;
}

Result<XLogRecPtr> parse_lsn_field(const std::string& s, const char* what) {
    auto lsn = parse_lsn(s);
    if (!lsn) return make_error(fmt::format("invalid {} \"{}\" from the primary", what, s));
    return *lsn;
}

Result<void> expect_shape(const ResultRows& r, std::size_t min_cols, const char* command) {
    if (r.rows.size() != 1 || r.columns.size() < min_cols)
        return make_error(fmt::format("unexpected result from {}: {} rows and {} columns, expected 1 row "
                                      "and at least {} columns",
                                      command, r.rows.size(), r.columns.size(), min_cols));
    return {};
}

std::string quote_ident(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

}  // namespace

TimestampTz current_timestamp() {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
    return us - kPostgresEpochUnixSeconds * 1000000;
}

Result<CopyMessage> decode_copy_message(std::span<const std::uint8_t> buf) {
    if (buf.empty()) return make_error("empty CopyData message from the primary");
    const std::uint8_t* p = buf.data();
    switch (p[0]) {
        case 'w': {
            constexpr std::size_t hdr = 1 + 8 + 8 + 8;
            if (buf.size() < hdr)
                return make_error(fmt::format("streaming header too small: {} bytes", buf.size()));
            XLogDataMessage m;
            m.dataStart = get_u64(p + 1);
            m.walEnd = get_u64(p + 9);
            m.sendTime = static_cast<TimestampTz>(get_u64(p + 17));
            m.data = buf.subspan(hdr);
            return CopyMessage{m};
        }
        case 'k': {
            constexpr std::size_t size = 1 + 8 + 8 + 1;
            if (buf.size() != size)  // walreceiver.c: "invalid keepalive message"
                return make_error(fmt::format("invalid keepalive message from the primary: {} bytes, expected {}",
                                              buf.size(), size));
            KeepaliveMessage m;
            m.walEnd = get_u64(p + 1);
            m.sendTime = static_cast<TimestampTz>(get_u64(p + 9));
            m.replyRequested = p[17] != 0;
            return CopyMessage{m};
        }
        default:
            return make_error(fmt::format("unrecognized streaming header: \"{:c}\" (0x{:02x})",
                                          static_cast<char>(p[0]), p[0]));
    }
}

std::vector<std::uint8_t> encode_xlog_data(const XLogDataMessage& m) {
    std::vector<std::uint8_t> out(25 + m.data.size());
    out[0] = 'w';
    store_be64(out.data() + 1, m.dataStart);
    store_be64(out.data() + 9, m.walEnd);
    store_be64(out.data() + 17, static_cast<std::uint64_t>(m.sendTime));
    std::copy(m.data.begin(), m.data.end(), out.begin() + 25);
    return out;
}

std::array<std::uint8_t, 18> encode_keepalive(const KeepaliveMessage& m) {
    std::array<std::uint8_t, 18> out{};
    out[0] = 'k';
    store_be64(out.data() + 1, m.walEnd);
    store_be64(out.data() + 9, static_cast<std::uint64_t>(m.sendTime));
    out[17] = m.replyRequested ? 1 : 0;
    return out;
}

std::array<std::uint8_t, kStatusUpdateSize> encode_status_update(const StandbyStatusUpdate& m) {
    std::array<std::uint8_t, kStatusUpdateSize> out{};
    out[0] = 'r';
    store_be64(out.data() + 1, m.write);
    store_be64(out.data() + 9, m.flush);
    store_be64(out.data() + 17, m.apply);
    store_be64(out.data() + 25, static_cast<std::uint64_t>(m.sendTime));
    out[33] = m.replyRequested ? 1 : 0;
    return out;
}

Result<StandbyStatusUpdate> decode_status_update(std::span<const std::uint8_t> buf) {
    if (buf.size() != kStatusUpdateSize || buf[0] != 'r')
        return make_error(fmt::format("not a standby status update ({} bytes)", buf.size()));
    StandbyStatusUpdate m;
    m.write = get_u64(buf.data() + 1);
    m.flush = get_u64(buf.data() + 9);
    m.apply = get_u64(buf.data() + 17);
    m.sendTime = static_cast<TimestampTz>(get_u64(buf.data() + 25));
    m.replyRequested = buf[33] != 0;
    return m;
}

std::array<std::uint8_t, kHotStandbyFeedbackSize> encode_hot_standby_feedback(const HotStandbyFeedback& m) {
    std::array<std::uint8_t, kHotStandbyFeedbackSize> out{};
    out[0] = 'h';
    store_be64(out.data() + 1, static_cast<std::uint64_t>(m.sendTime));
    store_be32(out.data() + 9, m.xmin);
    store_be32(out.data() + 13, m.xmin_epoch);
    store_be32(out.data() + 17, m.catalog_xmin);
    store_be32(out.data() + 21, m.catalog_xmin_epoch);
    return out;
}

Result<IdentifySystemResult> parse_identify_system(const ResultRows& r) {
    if (auto ok = expect_shape(r, 3, "IDENTIFY_SYSTEM"); !ok) return ok.error();
    const auto& row = r.rows[0];
    if (!row[0] || !row[1] || !row[2]) return make_error("IDENTIFY_SYSTEM returned NULL fields");
    IdentifySystemResult out;
    auto sysid = parse_u64(*row[0], "system identifier");
    if (!sysid) return sysid.error();
    out.systemid = *sysid;
    auto tli = parse_u64(*row[1], "timeline");
    if (!tli || *tli == 0 || *tli > 0xFFFFFFFFu) return make_error(fmt::format("invalid timeline \"{}\" from the primary", *row[1]));
    out.timeline = static_cast<TimeLineID>(*tli);
    auto pos = parse_lsn_field(*row[2], "WAL position");
    if (!pos) return pos.error();
    out.xlogpos = *pos;
    return out;
}

Result<ReadReplicationSlotResult> parse_read_replication_slot(const ResultRows& r) {
    if (auto ok = expect_shape(r, 3, "READ_REPLICATION_SLOT"); !ok) return ok.error();
    const auto& row = r.rows[0];
    ReadReplicationSlotResult out;
    if (!row[0]) return out;  // no such slot
    if (*row[0] != "physical")
        return make_error(fmt::format("replication slot is of type \"{}\", expected a physical slot", *row[0]));
    out.exists = true;
    if (row[1]) {
        auto lsn = parse_lsn_field(*row[1], "slot restart_lsn");
        if (!lsn) return lsn.error();
        out.restart_lsn = *lsn;
    }
    if (row[2]) {
        auto tli = parse_u64(*row[2], "slot restart_tli");
        if (!tli || *tli == 0 || *tli > 0xFFFFFFFFu) return make_error("invalid slot restart_tli from the primary");
        out.restart_tli = static_cast<TimeLineID>(*tli);
    }
    return out;
}

Result<TimelineHistoryResult> parse_timeline_history(const ResultRows& r, TimeLineID expected_tli) {
    if (auto ok = expect_shape(r, 2, "TIMELINE_HISTORY"); !ok) return ok.error();
    const auto& row = r.rows[0];
    if (!row[0] || !row[1]) return make_error("TIMELINE_HISTORY returned NULL fields");
    TimelineHistoryResult out{*row[0], *row[1]};
    if (out.filename != history_file_name(expected_tli))
        return make_error(fmt::format("primary sent history file \"{}\" for timeline {}, expected \"{}\"",
                                      out.filename, expected_tli, history_file_name(expected_tli)));
    if (auto ok = check_timeline_history_content(out.content, expected_tli); !ok)
        return make_error(fmt::format("the primary's history file \"{}\" does not parse ({}); nothing was stored",
                                      out.filename, ok.message()));
    return out;
}

Result<void> check_timeline_history_content(std::string_view content, TimeLineID tli) {
    TimeLineID last_tli = 0;
    XLogRecPtr last_switch = 0;
    std::size_t line_no = 0;
    while (!content.empty()) {
        const std::size_t nl = content.find('\n');
        std::string_view line = content.substr(0, nl);
        content = nl == std::string_view::npos ? std::string_view{} : content.substr(nl + 1);
        ++line_no;
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string_view::npos || line[first] == '#') continue;
        line = line.substr(first);
        std::uint64_t parent = 0;
        auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), parent);
        if (ec != std::errc() || p == line.data() || p == line.data() + line.size() || (*p != '\t' && *p != ' '))
            return make_error(fmt::format("line {}: expected a timeline ID, a switch point and a reason", line_no));
        std::string_view rest = line.substr(static_cast<std::size_t>(p - line.data()));
        rest = rest.substr(std::min(rest.size(), rest.find_first_not_of(" \t")));
        const std::string_view lsn_text = rest.substr(0, rest.find_first_of(" \t\r"));
        const auto lsn = parse_lsn(lsn_text);
        if (!lsn) return make_error(fmt::format("line {}: invalid switch point \"{}\"", line_no, lsn_text));
        if (parent == 0 || parent <= last_tli || parent >= tli)
            return make_error(fmt::format("line {}: timeline {} is not between {} and {} (timeline IDs must "
                                          "increase, and stay below the history's own timeline)",
                                          line_no, parent, last_tli + 1, tli - 1));
        if (*lsn < last_switch)
            return make_error(fmt::format("line {}: switch point {} is before the previous one {}", line_no,
                                          format_lsn(*lsn), format_lsn(last_switch)));
        last_tli = static_cast<TimeLineID>(parent);
        last_switch = *lsn;
    }
    if (tli > 1 && last_tli == 0) return make_error("no parent timeline listed");
    return {};
}

Result<EndOfTimeline> parse_end_of_timeline(const ResultRows& r) {
    if (r.rows.size() != 1 || r.columns.size() < 2 || !r.rows[0][0] || !r.rows[0][1])
        return make_error("unexpected result set after the end of a timeline: expected next_tli and "
                          "next_tli_startpos");
    EndOfTimeline out;
    auto tli = parse_u64(*r.rows[0][0], "next timeline");
    if (!tli || *tli == 0 || *tli > 0xFFFFFFFFu) return make_error("invalid next timeline from the primary");
    out.next_tli = static_cast<TimeLineID>(*tli);
    auto pos = parse_lsn_field(*r.rows[0][1], "next timeline start position");
    if (!pos) return pos.error();
    out.next_tli_startpos = *pos;
    return out;
}

Result<std::uint32_t> parse_wal_segment_size(const ResultRows& r) {
    if (auto ok = expect_shape(r, 1, "SHOW wal_segment_size"); !ok) return ok.error();
    if (!r.rows[0][0]) return make_error("SHOW wal_segment_size returned NULL");
    const std::string& s = *r.rows[0][0];
    std::uint64_t n = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    std::string unit(ptr, s.data() + s.size());
    std::uint64_t mult = 0;
    if (unit == "kB") mult = 1024;
    else if (unit == "MB") mult = 1024 * 1024;
    else if (unit == "GB") mult = 1024ull * 1024 * 1024;
    else if (unit == "B" || unit.empty()) mult = 1;
    if (ec != std::errc() || mult == 0 || !is_valid_segment_size(n * mult))
        return make_error(fmt::format("invalid WAL segment size \"{}\" from the primary: expected a power "
                                      "of two between 1 MB and 1 GB",
                                      s));
    return static_cast<std::uint32_t>(n * mult);
}

std::string identify_system_command() { return "IDENTIFY_SYSTEM"; }
std::string show_wal_segment_size_command() { return "SHOW wal_segment_size"; }
std::string timeline_history_command(TimeLineID tli) { return fmt::format("TIMELINE_HISTORY {}", tli); }
std::string read_replication_slot_command(const std::string& slot) {
    return fmt::format("READ_REPLICATION_SLOT {}", quote_ident(slot));
}
std::string create_physical_slot_command(const std::string& slot) {
    return fmt::format("CREATE_REPLICATION_SLOT {} PHYSICAL RESERVE_WAL", quote_ident(slot));
}
std::string start_replication_command(const std::string& slot, XLogRecPtr start, TimeLineID tli) {
    std::string out = "START_REPLICATION ";
    if (!slot.empty()) out += "SLOT " + quote_ident(slot) + " ";
    out += fmt::format("PHYSICAL {} TIMELINE {}", format_lsn(start), tli);
    return out;
}

bool is_valid_slot_name(const std::string& name) {
    if (name.empty() || name.size() > 63) return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

}  // namespace understudy::receiver
