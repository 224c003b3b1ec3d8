// pg_waldump's output, PostgreSQL 15 (src/bin/pg_waldump/pg_waldump.c: XLogDumpDisplayRecord,
// XLogDumpStatsRow, XLogDumpDisplayStats; src/backend/access/rmgrdesc/xlogdesc.c:
// XLogRecGetBlockRefInfo; src/backend/access/transam/xlogstats.c: XLogRecStoreStats), plus a
// JSON form of a record.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "wal/decoded_record.h"
#include "wal/rmgr_desc.h"

namespace understudy::waldump {

// What differs in pg_waldump's output frame (the record line's block references and the --stats
// table) between major versions; the rmgr descriptions are the describe routines' part.
struct DisplayFrame {
    int major_version;
    // -b: a compressed image's line ends in ", method: pglz" (15+; 14's pg_waldump has one
    // BKPIMAGE_IS_COMPRESSED bit and prints no method).
    bool image_compression_method;
    // --stats starts with "WAL statistics between X and Y:" and prints nothing when no record
    // was counted (15+: XLogStats' startptr/endptr); 14 prints the table always, without it.
    bool stats_range_line;
    // --stats lists custom rmgrs (ids 128..255) that had records (15+: RmgrIdIsCustom).
    bool stats_custom_rmgrs;
    // "first record is after ..." goes to stderr through pg_log_info (17+), not to stdout.
    bool first_record_notice_on_stderr;
    // The level fatal errors print after the program name: "fatal" (14's pg_log_fatal) or
    // "error" (15+'s pg_fatal).
    const char* fatal_level;
};
// The frame of the major version `format` is (every WalFormat has one).
const DisplayFrame& display_frame(const WalFormat& format);

// The rmgr name pg_waldump prints: the built-in name, or "custom###".
const std::string& rmgr_name(std::uint8_t rmid);
// rm_identify for any rmgr id, as the major version of `format` names it (nullptr when unknown,
// always for custom rmgrs).
const char* rmgr_identify(std::uint8_t rmid, std::uint8_t xl_info, const WalFormat& format);

// Appends XLogDumpDisplayRecord's text for `rec` (ends with a newline).
void append_record_line(std::string& out, const DecodedRecord& rec, bool bkp_details);
// Appends one JSON object for `rec` and a newline.
void append_record_json(std::string& out, const DecodedRecord& rec);

// XLogStats
struct StatsRow {
    std::uint64_t count = 0;
    std::uint64_t rec_len = 0;
    std::uint64_t fpi_len = 0;
};
struct Stats {
    // The WAL's major version (names the record types and picks the table's layout).
    const WalFormat* format = &kWalFormatPg15;
    XLogRecPtr startptr = InvalidXLogRecPtr;
    XLogRecPtr endptr = InvalidXLogRecPtr;
    std::uint64_t count = 0;
    // Per rmgr and record type; an rmgr's row (XLogStats' rmgr_stats) is the sum of its types'
    // (rmgr_row()), so a record is added once.
    std::array<std::array<StatsRow, 16>, 256> record_stats{};

    // XLogRecStoreStats (inline: once per record)
    [[gnu::always_inline]] void add(const RecordSummary& rec) {
        ++count;
        // xact keeps a flag in the high bit of its record type (a mask, not a branch: record
        // types interleave unpredictably)
        const unsigned recid_mask = rec.xl_rmid == RM_XACT_ID ? 0x07u : 0x0Fu;
        StatsRow& rr = record_stats[rec.xl_rmid][(rec.xl_info >> 4) & recid_mask];
        ++rr.count;
        rr.rec_len += rec.rec_len;
        rr.fpi_len += rec.fpi_len;
    }
    // XLogStats' rmgr_stats[rm]: the rmgr's records of every type.
    StatsRow rmgr_row(std::size_t rm) const {
        StatsRow r;
        for (const StatsRow& t : record_stats[rm]) add_row(r, t);
        return r;
    }
    // Adds the statistics of the records that follow these (a later chunk of the range).
    void merge_following(const Stats& later) {
        count += later.count;
        for (std::size_t rm = 0; rm < record_stats.size(); ++rm) {
            for (std::size_t id = 0; id < record_stats[rm].size(); ++id)
                add_row(record_stats[rm][id], later.record_stats[rm][id]);
        }
        if (later.endptr != InvalidXLogRecPtr) endptr = later.endptr;
    }

private:
    static void add_row(StatsRow& into, const StatsRow& from) {
        into.count += from.count;
        into.rec_len += from.rec_len;
        into.fpi_len += from.fpi_len;
    }
};
// XLogDumpDisplayStats of stats.format's major version (15+: prints nothing when no record
// was counted).
void append_stats(std::string& out, const Stats& stats, bool per_record);

}  // namespace understudy::waldump
