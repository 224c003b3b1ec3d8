// Transaction resource manager records, PostgreSQL 15 (access/xact.h): commit, abort, prepare,
// assignment and invalidation records, and the xinfo flags that say which optional parts a
// commit or abort record carries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "common/lsn.h"
#include "wal/records/pg_types.h"
#include "wal/records/sinval.h"

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

struct xl_xact_stats_item {
    int kind;
    Oid dboid;
    Oid objoid;
};
static_assert(sizeof(xl_xact_stats_item) == 12);
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
    PackedArray<xl_xact_stats_item> stats;
    PackedArray<SharedInvalidationMessage> msgs;

    TransactionId twophase_xid = InvalidTransactionId;
    std::string twophase_gid;
    PackedArray<RelFileNode> abortnodes;           // only for PREPARE
    PackedArray<xl_xact_stats_item> abortstats;    // only for PREPARE
    bool initfileinval = false;                    // only for PREPARE

    XLogRecPtr origin_lsn = InvalidXLogRecPtr;
    TimestampTz origin_timestamp = 0;

    // The record ended before all the parts its header announces (a corrupt record).
    bool truncated = false;
};

// ParseCommitRecord (src/backend/access/rmgrdesc/xactdesc.c, PG15). `xl_info` is the record's
// xl_info (XLOG_XACT_HAS_INFO says whether xinfo is present).
ParsedXactRecord ParseCommitRecord(std::uint8_t xl_info, std::span<const std::uint8_t> data);
// ParseAbortRecord (same file): as a commit record, without invalidation messages.
ParsedXactRecord ParseAbortRecord(std::uint8_t xl_info, std::span<const std::uint8_t> data);
// ParsePrepareRecord (same file): a two-phase state file (xl_xact_prepare and what follows).
ParsedXactRecord ParsePrepareRecord(std::span<const std::uint8_t> data);

}  // namespace understudy
