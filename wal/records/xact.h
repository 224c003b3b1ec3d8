// Transaction resource manager records, PostgreSQL 15 (access/xact.h): commit, abort, prepare,
// assignment and invalidation records, and the xinfo flags that say which optional parts a
// commit or abort record carries; what 14, 16, 17 and 18 change is in XactVersion.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "common/lsn.h"
#include "wal/records/pg_types.h"
#include "wal/records/sinval.h"
#include "wal/records/version_table.h"

namespace understudy {

inline constexpr std::uint8_t XLOG_XACT_COMMIT = 0x00;
inline constexpr std::uint8_t XLOG_XACT_PREPARE = 0x10;
inline constexpr std::uint8_t XLOG_XACT_ABORT = 0x20;
inline constexpr std::uint8_t XLOG_XACT_COMMIT_PREPARED = 0x30;
inline constexpr std::uint8_t XLOG_XACT_ABORT_PREPARED = 0x40;
inline constexpr std::uint8_t XLOG_XACT_ASSIGNMENT = 0x50;
inline constexpr std::uint8_t XLOG_XACT_INVALIDATIONS = 0x60;
inline constexpr std::uint8_t XLOG_XACT_OPMASK = 0x70;
inline constexpr std::uint8_t XLOG_XACT_HAS_INFO = 0x80;

inline constexpr std::uint32_t XACT_XINFO_HAS_DBINFO = 1U << 0;
inline constexpr std::uint32_t XACT_XINFO_HAS_SUBXACTS = 1U << 1;
inline constexpr std::uint32_t XACT_XINFO_HAS_RELFILENODES = 1U << 2;
inline constexpr std::uint32_t XACT_XINFO_HAS_INVALS = 1U << 3;
inline constexpr std::uint32_t XACT_XINFO_HAS_TWOPHASE = 1U << 4;
inline constexpr std::uint32_t XACT_XINFO_HAS_ORIGIN = 1U << 5;
inline constexpr std::uint32_t XACT_XINFO_HAS_AE_LOCKS = 1U << 6;
inline constexpr std::uint32_t XACT_XINFO_HAS_GID = 1U << 7;
inline constexpr std::uint32_t XACT_XINFO_HAS_DROPPED_STATS = 1U << 8;

inline constexpr std::uint32_t XACT_COMPLETION_APPLY_FEEDBACK = 1U << 29;
inline constexpr std::uint32_t XACT_COMPLETION_UPDATE_RELCACHE_FILE = 1U << 30;
inline constexpr std::uint32_t XACT_COMPLETION_FORCE_SYNC_COMMIT = 1U << 31;

inline constexpr bool XactCompletionApplyFeedback(std::uint32_t xinfo) {
    return (xinfo & XACT_COMPLETION_APPLY_FEEDBACK) != 0;
}
inline constexpr bool XactCompletionRelcacheInitFileInval(std::uint32_t xinfo) {
    return (xinfo & XACT_COMPLETION_UPDATE_RELCACHE_FILE) != 0;
}
inline constexpr bool XactCompletionForceSyncCommit(std::uint32_t xinfo) {
    return (xinfo & XACT_COMPLETION_FORCE_SYNC_COMMIT) != 0;
}

inline constexpr std::size_t GIDSIZE = 200;  // access/xact.h

// xl_xact_assignment: xtop, nsubxacts, then TransactionId xsub[nsubxacts].
struct xl_xact_assignment {
    TransactionId xtop;
    int nsubxacts;
};
inline constexpr std::size_t MinSizeOfXactAssignment = 8;  // offsetof(xl_xact_assignment, xsub)

struct xl_xact_xinfo {
    std::uint32_t xinfo;
};
struct xl_xact_dbinfo {
    Oid dbId;
    Oid tsId;
};
// xl_xact_subxacts: int nsubxacts, then TransactionId subxacts[].
inline constexpr std::size_t MinSizeOfXactSubxacts = 4;
// xl_xact_relfilenodes: int nrels, then RelFileNode xnodes[].
inline constexpr std::size_t MinSizeOfXactRelfilenodes = 4;

// 15-17; 18's has `uint32 objid_lo, objid_hi` in place of objoid (16 bytes: XactVersion).
struct xl_xact_stats_item {
    int kind;
    Oid dboid;
    Oid objoid;
};
static_assert(sizeof(xl_xact_stats_item) == 12);
// 18's xl_xact_stats_item.
struct xl_xact_stats_item_v18 {
    int kind;
    Oid dboid;
    std::uint32_t objid_lo;
    std::uint32_t objid_hi;
};
static_assert(sizeof(xl_xact_stats_item_v18) == 16);
// xl_xact_stats_items: int nitems, then xl_xact_stats_item items[].
inline constexpr std::size_t MinSizeOfXactStatsItems = 4;
// xl_xact_invals: int nmsgs, then SharedInvalidationMessage msgs[].
inline constexpr std::size_t MinSizeOfXactInvals = 4;

struct xl_xact_twophase {
    TransactionId xid;
};
// Stored unaligned after the (optional) gid.
struct xl_xact_origin {
    XLogRecPtr origin_lsn;
    TimestampTz origin_timestamp;
};
static_assert(sizeof(xl_xact_origin) == 16);

// xl_xact_commit and xl_xact_abort: xact_time, then the parts xinfo announces.
struct xl_xact_commit {
    TimestampTz xact_time;
};
struct xl_xact_abort {
    TimestampTz xact_time;
};
inline constexpr std::size_t MinSizeOfXactCommit = 8;
inline constexpr std::size_t MinSizeOfXactAbort = 8;

// The two-phase state file header (TwoPhaseFileHeader), which a PREPARE record carries followed
// by the gid, subxacts, commit rels, abort rels, commit stats, abort stats and invalidation
// messages, each MAXALIGNed.
struct xl_xact_prepare {
    std::uint32_t magic;
    std::uint32_t total_len;
    TransactionId xid;
    Oid database;
    TimestampTz prepared_at;
    Oid owner;
    std::int32_t nsubxacts;
    std::int32_t ncommitrels;
    std::int32_t nabortrels;
    std::int32_t ncommitstats;
    std::int32_t nabortstats;
    std::int32_t ninvalmsgs;
    std::uint8_t initfileinval;  // bool
    std::uint16_t gidlen;
    XLogRecPtr origin_lsn;
    TimestampTz origin_timestamp;
};
static_assert(offsetof(xl_xact_prepare, prepared_at) == 16 &&
              offsetof(xl_xact_prepare, initfileinval) == 52 &&
              offsetof(xl_xact_prepare, gidlen) == 54 &&
              offsetof(xl_xact_prepare, origin_lsn) == 56 && sizeof(xl_xact_prepare) == 72);

// PostgreSQL 14's xl_xact_prepare: no ncommitstats / nabortstats (and no stats sections after
// the abort rels).
struct xl_xact_prepare_v14 {
    std::uint32_t magic;
    std::uint32_t total_len;
    TransactionId xid;
    Oid database;
    TimestampTz prepared_at;
    Oid owner;
    std::int32_t nsubxacts;
    std::int32_t ncommitrels;
    std::int32_t nabortrels;
    std::int32_t ninvalmsgs;
    std::uint8_t initfileinval;  // bool
    std::uint16_t gidlen;
    XLogRecPtr origin_lsn;
    TimestampTz origin_timestamp;
};
static_assert(offsetof(xl_xact_prepare_v14, initfileinval) == 44 &&
              offsetof(xl_xact_prepare_v14, gidlen) == 46 &&
              offsetof(xl_xact_prepare_v14, origin_lsn) == 48 &&
              sizeof(xl_xact_prepare_v14) == 64);

// What each major version changes in the Transaction records and their descriptions.
struct XactVersion {
    int since_major;
    // XACT_XINFO_HAS_DROPPED_STATS parts in commit/abort records, ncommitstats/nabortstats
    // sections in xl_xact_prepare, and their "dropped stats" text (15+).
    bool dropped_stats;
    // sizeof(xl_xact_stats_item): 12; 18+ 16 (xl_xact_stats_item_v18, a 64-bit objid).
    std::size_t stats_item_size;
    // sizeof(xl_xact_prepare): 14's xl_xact_prepare_v14 is 64 bytes, 15+ 72.
    std::size_t prepare_size;
    // The commit description's "; apply_feedback" (15+).
    bool apply_feedback_text;
    // "; origin: ..." in abort and prepare descriptions (15+; commit has it in every version).
    bool abort_prepare_origin_text;
};
inline constexpr XactVersion kXactVersions[] = {
    {/*since_major*/ 14, /*dropped_stats*/ false, /*stats_item_size*/ sizeof(xl_xact_stats_item),
     /*prepare_size*/ sizeof(xl_xact_prepare_v14), /*apply_feedback_text*/ false,
     /*abort_prepare_origin_text*/ false},
    {15, true, sizeof(xl_xact_stats_item), sizeof(xl_xact_prepare), true, true},
    {18, true, sizeof(xl_xact_stats_item_v18), sizeof(xl_xact_prepare), true, true},
};
static_assert(rows_ascending(kXactVersions));

// A dropped-stats item (xl_xact_stats_item) as the descriptions print it: 18 stores objid as
// two uint32 halves (objid_lo, objid_hi), 15-17 as one Oid.
struct XactStatsItem {
    int kind = 0;
    Oid dboid = 0;
    std::uint64_t objid = 0;
};
// An array of xl_xact_stats_item of a version's item size (XactVersion::stats_item_size).
class XactStatsItems {
public:
    XactStatsItems() = default;
    XactStatsItems(const std::uint8_t* data, std::size_t count, std::size_t item_size)
        : data_(data), count_(count), item_size_(item_size) {}

    std::size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    XactStatsItem operator[](std::size_t i) const {
        const std::uint8_t* p = data_ + i * item_size_;
        XactStatsItem item{load<int>(p + offsetof(xl_xact_stats_item, kind)),
                           load<Oid>(p + offsetof(xl_xact_stats_item, dboid)),
                           load<std::uint32_t>(p + offsetof(xl_xact_stats_item_v18, objid_lo))};
        if (item_size_ == sizeof(xl_xact_stats_item_v18))
            item.objid |= std::uint64_t{load<std::uint32_t>(p + offsetof(xl_xact_stats_item_v18,
                                                                         objid_hi))}
                          << 32;
        return item;
    }

private:
    const std::uint8_t* data_ = nullptr;
    std::size_t count_ = 0;
    std::size_t item_size_ = sizeof(xl_xact_stats_item);
};

// xl_xact_parsed_commit / xl_xact_parsed_abort / xl_xact_parsed_prepare (access/xact.h, PG15):
// the optional parts of a commit, abort or prepare record, located. Arrays point into the
// record's bytes.
struct ParsedXactRecord {
    TimestampTz xact_time = 0;
    std::uint32_t xinfo = 0;

    Oid dbId = 0;
    Oid tsId = 0;

    PackedArray<TransactionId> subxacts;
    PackedArray<RelFileNode> xnodes;
    XactStatsItems stats;
    PackedArray<SharedInvalidationMessage> msgs;

    TransactionId twophase_xid = InvalidTransactionId;
    std::string twophase_gid;
    PackedArray<RelFileNode> abortnodes;           // only for PREPARE
    XactStatsItems abortstats;                     // only for PREPARE
    bool initfileinval = false;                    // only for PREPARE

    XLogRecPtr origin_lsn = InvalidXLogRecPtr;
    TimestampTz origin_timestamp = 0;

    // The record ended before all the parts its header announces (a corrupt record).
    bool truncated = false;
};

// ParseCommitRecord (src/backend/access/rmgrdesc/xactdesc.c, PG15). `xl_info` is the record's
// xl_info (XLOG_XACT_HAS_INFO says whether xinfo is present); `format` the WAL's version (its
// XactVersion: 14 has no dropped stats, 18 wider stats items).
ParsedXactRecord ParseCommitRecord(std::uint8_t xl_info, std::span<const std::uint8_t> data,
                                   const WalFormat& format = kWalFormatPg15);
// ParseAbortRecord (same file): as a commit record, without invalidation messages.
ParsedXactRecord ParseAbortRecord(std::uint8_t xl_info, std::span<const std::uint8_t> data,
                                  const WalFormat& format = kWalFormatPg15);
// ParsePrepareRecord (same file): a two-phase state file (xl_xact_prepare, 14's
// xl_xact_prepare_v14, and what follows).
ParsedXactRecord ParsePrepareRecord(std::span<const std::uint8_t> data,
                                    const WalFormat& format = kWalFormatPg15);

}  // namespace understudy
