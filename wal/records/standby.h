// Standby resource manager records, PostgreSQL 15 (storage/standbydefs.h, storage/lockdefs.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "wal/records/pg_types.h"
#include "wal/records/sinval.h"

namespace understudy {

inline constexpr std::uint8_t XLOG_STANDBY_LOCK = 0x00;
inline constexpr std::uint8_t XLOG_RUNNING_XACTS = 0x10;
inline constexpr std::uint8_t XLOG_INVALIDATIONS = 0x20;

struct xl_standby_lock {
    TransactionId xid;
    Oid dbOid;
    Oid relOid;
};
static_assert(sizeof(xl_standby_lock) == 12);

// xl_standby_locks: nlocks, then xl_standby_lock locks[nlocks].
struct xl_standby_locks {
    int nlocks;
};
inline constexpr std::size_t MinSizeOfStandbyLocks = 4;  // offsetof(xl_standby_locks, locks)

// xl_running_xacts: the fixed part, then TransactionId xids[xcnt + subxcnt].
struct xl_running_xacts {
    int xcnt;
    int subxcnt;
    std::uint8_t subxid_overflow;  // bool
    TransactionId nextXid;
    TransactionId oldestRunningXid;
    TransactionId latestCompletedXid;
};
inline constexpr std::size_t MinSizeOfXactRunningXacts = 24;  // offsetof(xl_running_xacts, xids)
static_assert(sizeof(xl_running_xacts) == MinSizeOfXactRunningXacts);

// xl_invalidations: the fixed part, then SharedInvalidationMessage msgs[nmsgs].
struct xl_invalidations {
    Oid dbId;
    Oid tsId;
    std::uint8_t relcacheInitFileInval;  // bool
    int nmsgs;
};
inline constexpr std::size_t MinSizeOfInvalidations = 16;  // offsetof(xl_invalidations, msgs)
static_assert(sizeof(xl_invalidations) == MinSizeOfInvalidations);

}  // namespace understudy
