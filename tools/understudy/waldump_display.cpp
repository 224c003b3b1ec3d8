#include "tools/understudy/waldump_display.h"

#include <iterator>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "wal/decoder.h"
#include "wal/rmgr_desc.h"

namespace understudy::waldump {

using namespace std::string_view_literals;

namespace {

// Hand-rolled printf("%*u"), "%X", "%08X": the record line is printed for every record, and
// this is several times faster than a general formatter.
void put_uint(std::string& out, std::uint64_t v, int width = 0) {
    const fmt::format_int digits(v);  // two digits per step, no allocation
    const int n = static_cast<int>(digits.size());
    if (width > n) out.append(static_cast<std::size_t>(width - n), ' ');
    out.append(digits.data(), digits.size());
}

void put_hex(std::string& out, std::uint32_t v, int zero_width = 0) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    char tmp[8];
    char* end = tmp + sizeof(tmp);
    char* p = end;
    do {
        *--p = kDigits[v & 0xF];
        v >>= 4;
    } while (v != 0);
    const int n = static_cast<int>(end - p);
    if (zero_width > n) out.append(static_cast<std::size_t>(zero_width - n), '0');
    out.append(p, static_cast<std::size_t>(n));
}

// "%X/%08X"
void put_lsn08(std::string& out, XLogRecPtr lsn) {
    put_hex(out, static_cast<std::uint32_t>(lsn >> 32));
    out.push_back('/');
    put_hex(out, static_cast<std::uint32_t>(lsn), 8);
}

// "rel %u/%u/%u"
void put_rel(std::string& out, const RelFileNode& r) {
    out += "rel "sv;
    put_uint(out, r.spcNode);
    out.push_back('/');
    put_uint(out, r.dbNode);
    out.push_back('/');
    put_uint(out, r.relNode);
}

// The names pg_waldump prints for every rmgr id: built-in names, else "custom###".
const std::array<std::string, 256>& rmgr_names() {
    static const std::array<std::string, 256> names = [] {
        std::array<std::string, 256> n;
        for (int i = 0; i < 256; ++i) {
            const RmgrDesc* r = find_rmgr_desc(static_cast<std::uint8_t>(i));
            n[static_cast<std::size_t>(i)] = r ? std::string(r->name) : fmt::format("custom{:03}", i);
        }
        return n;
    }();
    return names;
}

// One row per major version understudy reads (pg_waldump.c and xlogdesc.c of each).
constexpr DisplayFrame kDisplayFrames[] = {
    {/*major_version*/ 14, /*image_compression_method*/ false, /*stats_range_line*/ false,
     /*stats_custom_rmgrs*/ false, /*first_record_notice_on_stderr*/ false,
     /*fatal_level*/ "fatal"},
    {15, true, true, true, false, "error"},
    {16, true, true, true, false, "error"},
    {17, true, true, true, true, "error"},
    {18, true, true, true, true, "error"},
};

}  // namespace

const DisplayFrame& display_frame(const WalFormat& format) {
    for (const DisplayFrame& f : kDisplayFrames)
        if (f.major_version == format.major_version) return f;
    // Every WalFormat the reader accepts has a row (checked by the unit tests); 15's frame
    // otherwise.
    return kDisplayFrames[1];
}

const std::string& rmgr_name(std::uint8_t rmid) { return rmgr_names()[rmid]; }

const char* rmgr_identify(std::uint8_t rmid, std::uint8_t xl_info, const WalFormat& format) {
    if (const RmgrDesc* r = find_rmgr_desc(rmid)) return r->identify(xl_info, format);
    return nullptr;
}

namespace {

void append_desc(std::string& out, const DecodedRecord& rec) {
    if (const RmgrDesc* r = find_rmgr_desc(rec.xl_rmid)) r->describe(out, rec);
    else fmt::format_to(std::back_inserter(out), "rmid: {}", rec.xl_rmid);
}

// XLogRecGetBlockRefInfo(record, pretty = true, detailed_format, ...)
void append_block_refs(std::string& out, const DecodedRecord& rec, bool detailed) {
    const DisplayFrame& frame = display_frame(*rec.format);
    if (detailed) out.push_back('\n');
    for (int id = 0; id <= rec.max_block_id; ++id) {
        const DecodedBkpBlock& b = rec.blocks[static_cast<std::size_t>(id)];
        if (!b.in_use) continue;
        if (detailed) {
            out += "\tblkref #"sv;
            put_uint(out, static_cast<std::uint32_t>(id));
            out += ": "sv;
            put_rel(out, b.rnode);
            out += " fork "sv;
            out += fork_name(b.forknum);
            out += " blk "sv;
            put_uint(out, b.blkno);
            if (b.has_image) {
                out += b.apply_image ? " (FPW); hole: offset: "sv
                                     : " (FPW for WAL verification); hole: offset: "sv;
                put_uint(out, b.hole_offset);
                out += ", length: "sv;
                put_uint(out, b.hole_length);
                if (b.compression != ImageCompression::None) {
                    out += ", compression saved: "sv;
                    // BLCKSZ - hole_length - bimg_len, as the unsigned PostgreSQL prints.
                    put_uint(out, static_cast<std::uint32_t>(BLCKSZ - b.hole_length - b.bimg_len));
                    if (frame.image_compression_method) {
                        out += ", method: "sv;
                        out += image_compression_name(b.compression);
                    }
                }
            }
            out.push_back('\n');
        } else {
            out += ", blkref #"sv;
            put_uint(out, static_cast<std::uint32_t>(id));
            out += ": "sv;
            put_rel(out, b.rnode);
            if (b.forknum != MAIN_FORKNUM) {
                out += " fork "sv;
                out += fork_name(b.forknum);
            }
            out += " blk "sv;
            put_uint(out, b.blkno);
            if (b.has_image) out += b.apply_image ? " FPW"sv : " FPW for WAL verification"sv;
        }
    }
    if (!detailed) out.push_back('\n');
}

}  // namespace

void append_record_line(std::string& out, const DecodedRecord& rec, bool bkp_details) {
    const RecordLengths len = record_lengths(rec);
    // "rmgr: %-11s len (rec/tot): %6u/%6u, tx: %10u, lsn: %X/%08X, prev %X/%08X, "
    out += "rmgr: "sv;
    const std::string& name = rmgr_name(rec.xl_rmid);
    out += name;
    for (std::size_t pad = name.size(); pad < 11; ++pad) out.push_back(' ');
    out += " len (rec/tot): "sv;
    put_uint(out, len.rec_len, 6);
    out.push_back('/');
    put_uint(out, rec.xl_tot_len, 6);
    out += ", tx: "sv;
    put_uint(out, rec.xl_xid, 10);
    out += ", lsn: "sv;
    put_lsn08(out, rec.lsn);
    out += ", prev "sv;
    put_lsn08(out, rec.xl_prev);
    out += ", desc: "sv;
    if (const char* id = rmgr_identify(rec.xl_rmid, rec.xl_info, *rec.format)) {
        out += id;
        out.push_back(' ');
    } else {
        out += "UNKNOWN ("sv;
        static constexpr char kHex[] = "0123456789abcdef";
        const unsigned v = rec.xl_info & 0xF0u;
        if (v >= 16) out.push_back(kHex[v >> 4]);
        out.push_back(kHex[v & 0xF]);
        out += ") "sv;
    }
    append_desc(out, rec);
    append_block_refs(out, rec, bkp_details);
}

void append_record_json(std::string& out, const DecodedRecord& rec) {
    const RecordLengths len = record_lengths(rec);
    nlohmann::ordered_json j;
    j["lsn"] = format_lsn(rec.lsn);
    j["end_lsn"] = format_lsn(rec.end_lsn);
    j["prev"] = format_lsn(rec.xl_prev);
    j["rmid"] = rec.xl_rmid;
    j["rmgr"] = rmgr_name(rec.xl_rmid);
    j["xl_info"] = rec.xl_info;
    const char* id = rmgr_identify(rec.xl_rmid, rec.xl_info, *rec.format);
    j["type"] = id ? std::string(id) : fmt::format("UNKNOWN ({:x})", rec.xl_info & 0xF0);
    std::string desc;
    append_desc(desc, rec);
    j["desc"] = desc;
    j["xid"] = rec.xl_xid;
    j["tot_len"] = rec.xl_tot_len;
    j["rec_len"] = len.rec_len;
    j["fpi_len"] = len.fpi_len;
    j["crc"] = rec.xl_crc;
    j["origin"] = rec.record_origin;
    j["toplevel_xid"] = rec.toplevel_xid;
    j["main_data_len"] = rec.main_data_len;
    auto blocks = nlohmann::ordered_json::array();
    for (int i = 0; i <= rec.max_block_id; ++i) {
        const DecodedBkpBlock& b = rec.blocks[static_cast<std::size_t>(i)];
        if (!b.in_use) continue;
        nlohmann::ordered_json jb;
        jb["id"] = i;
        jb["spcNode"] = b.rnode.spcNode;
        jb["dbNode"] = b.rnode.dbNode;
        jb["relNode"] = b.rnode.relNode;
        jb["fork"] = fork_name(b.forknum);
        jb["blkno"] = b.blkno;
        jb["flags"] = b.flags;
        jb["will_init"] = (b.flags & BKPBLOCK_WILL_INIT) != 0;
        jb["has_data"] = b.has_data;
        jb["data_len"] = b.data_len;
        jb["has_image"] = b.has_image;
        if (b.has_image) {
            jb["apply_image"] = b.apply_image;
            jb["bimg_len"] = b.bimg_len;
            jb["bimg_info"] = b.bimg_info;
            jb["hole_offset"] = b.hole_offset;
            jb["hole_length"] = b.hole_length;
            jb["compression"] = image_compression_name(b.compression);
        }
        blocks.push_back(std::move(jb));
    }
    j["blocks"] = std::move(blocks);
    // Descriptions hold bytes from the WAL (a logical message's prefix, a restore point's name):
    // bytes that are not UTF-8 become U+FFFD, so every line stays valid JSON.
    out += j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    out.push_back('\n');
}


namespace {

double pct(std::uint64_t part, std::uint64_t whole) {
    return whole != 0 ? 100 * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

// XLogDumpStatsRow
void append_stats_row(std::string& out, std::string_view name, const StatsRow& r,
                      std::uint64_t total_count, std::uint64_t total_rec_len,
                      std::uint64_t total_fpi_len, std::uint64_t total_len) {
    const std::uint64_t tot_len = r.rec_len + r.fpi_len;
    fmt::format_to(std::back_inserter(out),
                   "{:<27} {:>20} ({:>6.2f}) {:>20} ({:>6.2f}) {:>20} ({:>6.2f}) {:>20} ({:>6.2f})\n",
                   name, r.count, pct(r.count, total_count), r.rec_len,
                   pct(r.rec_len, total_rec_len), r.fpi_len, pct(r.fpi_len, total_fpi_len),
                   tot_len, pct(tot_len, total_len));
}

// The rmgr ids a version's table has rows for: built-in ones, and custom ones from 15 on.
bool rmgr_id_listed(const DisplayFrame& frame, int ri) {
    return ri <= RM_MAX_BUILTIN_ID || (frame.stats_custom_rmgrs && ri >= RM_MIN_CUSTOM_ID);
}

}  // namespace

void append_stats(std::string& out, const Stats& stats, bool per_record) {
    const DisplayFrame& frame = display_frame(*stats.format);
    if (frame.stats_range_line && stats.endptr == InvalidXLogRecPtr) return;
    std::uint64_t total_count = 0, total_rec_len = 0, total_fpi_len = 0;
    for (int ri = 0; ri <= RM_MAX_ID; ++ri) {
        if (!rmgr_id_listed(frame, ri)) continue;
        const StatsRow r = stats.rmgr_row(static_cast<std::size_t>(ri));
        total_count += r.count;
        total_rec_len += r.rec_len;
        total_fpi_len += r.fpi_len;
    }
    const std::uint64_t total_len = total_rec_len + total_fpi_len;
    auto it = std::back_inserter(out);
    if (frame.stats_range_line)
        fmt::format_to(it, "WAL statistics between {} and {}:\n", format_lsn(stats.startptr),
                       format_lsn(stats.endptr));
    fmt::format_to(it, "{:<27} {:>20} {:>8} {:>20} {:>8} {:>20} {:>8} {:>20} {:>8}\n", "Type", "N",
                   "(%)", "Record size", "(%)", "FPI size", "(%)", "Combined size", "(%)");
    fmt::format_to(it, "{:<27} {:>20} {:>8} {:>20} {:>8} {:>20} {:>8} {:>20} {:>8}\n", "----", "-",
                   "---", "-----------", "---", "--------", "---", "-------------", "---");
    for (int ri = 0; ri <= RM_MAX_ID; ++ri) {
        if (!rmgr_id_listed(frame, ri)) continue;
        const auto rmid = static_cast<std::uint8_t>(ri);
        const std::string name = rmgr_name(rmid);
        if (!per_record) {
            const StatsRow r = stats.rmgr_row(rmid);
            if (ri >= RM_MIN_CUSTOM_ID && r.count == 0) continue;
            append_stats_row(out, name, r, total_count, total_rec_len, total_fpi_len, total_len);
            continue;
        }
        for (int rj = 0; rj < 16; ++rj) {
            const StatsRow& r = stats.record_stats[rmid][static_cast<std::size_t>(rj)];
            if (r.count == 0) continue;
            const auto info = static_cast<std::uint8_t>(rj << 4);
            const char* id = rmgr_identify(rmid, info, *stats.format);
            const std::string row_name = id ? fmt::format("{}/{}", name, id)
                                            : fmt::format("{}/UNKNOWN ({:x})", name, info);
            append_stats_row(out, row_name, r, total_count, total_rec_len, total_fpi_len,
                             total_len);
        }
    }
    fmt::format_to(it, "{:<27} {:>20} {:>8} {:>20} {:>8} {:>20} {:>8} {:>20}\n", "", "--------", "",
                   "--------", "", "--------", "", "--------");
    fmt::format_to(it, "{:<27} {:>20} {:<9}{:>20} {:<9}{:>20} {:<9}{:>20} {:<6}\n", "Total",
                   stats.count, "", total_rec_len,
                   fmt::format("[{:.2f}%]", pct(total_rec_len, total_len)), total_fpi_len,
                   fmt::format("[{:.2f}%]", pct(total_fpi_len, total_len)), total_len, "[100%]");
}

}  // namespace understudy::waldump
