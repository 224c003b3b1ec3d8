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

// The rmgr name pg_waldump prints: the built-in name, or "custom###".
const std::string& rmgr_name(std::uint8_t rmid);
// rm_identify for any rmgr id (nullptr when unknown, always for custom rmgrs).
const char* rmgr_identify(std::uint8_t rmid, std::uint8_t xl_info);

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
    XLogRecPtr startptr = InvalidXLogRecPtr;
    XLogRecPtr endptr = InvalidXLogRecPtr;
    std::uint64_t count = 0;
    std::array<StatsRow, 256> rmgr_stats{};
    std::array<std::array<StatsRow, 16>, 256> record_stats{};

    // XLogRecStoreStats (inline: once per record)
    void add(const RecordSummary& rec) {
        ++count;
        StatsRow& r = rmgr_stats[rec.xl_rmid];
        ++r.count;
        r.rec_len += rec.rec_len;
        r.fpi_len += rec.fpi_len;
        // xact keeps a flag in the high bit of its record type (a mask, not a branch: record
        // types interleave unpredictably)
        const unsigned recid_mask = rec.xl_rmid == RM_XACT_ID ? 0x07u : 0x0Fu;
        StatsRow& rr = record_stats[rec.xl_rmid][(rec.xl_info >> 4) & recid_mask];
        ++rr.count;
        rr.rec_len += rec.rec_len;
        rr.fpi_len += rec.fpi_len;
    }
    // Adds the statistics of the records that follow these (a later chunk of the range).
    void merge_following(const Stats& later) {
        count += later.count;
        for (std::size_t rm = 0; rm < rmgr_stats.size(); ++rm) {
            add_row(rmgr_stats[rm], later.rmgr_stats[rm]);
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
// XLogDumpDisplayStats (prints nothing when no record was counted).
void append_stats(std::string& out, const Stats& stats, bool per_record);

}  // namespace understudy::waldump
