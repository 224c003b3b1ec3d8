// XLOG resource manager records, PostgreSQL 15: info codes (catalog/pg_control.h) and layouts
// (CheckPoint in catalog/pg_control.h; xl_parameter_change, xl_restore_point,
// xl_overwrite_contrecord, xl_end_of_recovery in access/xlog_internal.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/lsn.h"
#include "common/wal_format.h"
#include "wal/records/pg_types.h"

namespace understudy {

inline constexpr std::uint8_t XLOG_CHECKPOINT_SHUTDOWN = 0x00;
inline constexpr std::uint8_t XLOG_CHECKPOINT_ONLINE = 0x10;
inline constexpr std::uint8_t XLOG_NOOP = 0x20;
inline constexpr std::uint8_t XLOG_NEXTOID = 0x30;
// XLOG_SWITCH (0x40) is in common/wal_format.h: the reader itself needs it.
inline constexpr std::uint8_t XLOG_BACKUP_END = 0x50;
inline constexpr std::uint8_t XLOG_PARAMETER_CHANGE = 0x60;
inline constexpr std::uint8_t XLOG_RESTORE_POINT = 0x70;
inline constexpr std::uint8_t XLOG_FPW_CHANGE = 0x80;
inline constexpr std::uint8_t XLOG_END_OF_RECOVERY = 0x90;
inline constexpr std::uint8_t XLOG_FPI_FOR_HINT = 0xA0;
inline constexpr std::uint8_t XLOG_FPI = 0xB0;
// 0xC0 was used in PostgreSQL 9.5-11.
inline constexpr std::uint8_t XLOG_OVERWRITE_CONTRECORD = 0xD0;

struct CheckPoint {
    XLogRecPtr redo;
    TimeLineID ThisTimeLineID;
    TimeLineID PrevTimeLineID;
    std::uint8_t fullPageWrites;  // bool
    FullTransactionId nextXid;
    Oid nextOid;
    MultiXactId nextMulti;
    MultiXactOffset nextMultiOffset;
    TransactionId oldestXid;
    Oid oldestXidDB;
    MultiXactId oldestMulti;
    Oid oldestMultiDB;
    pg_time_t time;
    TransactionId oldestCommitTsXid;
    TransactionId newestCommitTsXid;
    TransactionId oldestActiveXid;
};
static_assert(offsetof(CheckPoint, nextXid) == 24 && offsetof(CheckPoint, time) == 64 &&
              offsetof(CheckPoint, oldestActiveXid) == 80 && sizeof(CheckPoint) == 88);

// WalLevel (access/xlog.h).
inline constexpr int WAL_LEVEL_MINIMAL = 0;
inline constexpr int WAL_LEVEL_REPLICA = 1;
inline constexpr int WAL_LEVEL_LOGICAL = 2;

struct xl_parameter_change {
    int MaxConnections;
    int max_worker_processes;
    int max_wal_senders;
    int max_prepared_xacts;
    int max_locks_per_xact;
    int wal_level;
    std::uint8_t wal_log_hints;  // bool
    std::uint8_t track_commit_timestamp;  // bool
};
static_assert(sizeof(xl_parameter_change) == 28);

inline constexpr std::size_t MAXFNAMELEN = 64;

struct xl_restore_point {
    TimestampTz rp_time;
    char rp_name[MAXFNAMELEN];
};
static_assert(offsetof(xl_restore_point, rp_name) == 8 && sizeof(xl_restore_point) == 72);

struct xl_overwrite_contrecord {
    XLogRecPtr overwritten_lsn;
    TimestampTz overwrite_time;
};
static_assert(sizeof(xl_overwrite_contrecord) == 16);

struct xl_end_of_recovery {
    TimestampTz end_time;
    TimeLineID ThisTimeLineID;
    TimeLineID PrevTimeLineID;
};
static_assert(sizeof(xl_end_of_recovery) == 16);

}  // namespace understudy
