// Storage (smgr) resource manager records, PostgreSQL 15 (catalog/storage_xlog.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "wal/records/pg_types.h"

namespace understudy {

inline constexpr std::uint8_t XLOG_SMGR_CREATE = 0x10;
inline constexpr std::uint8_t XLOG_SMGR_TRUNCATE = 0x20;

struct xl_smgr_create {
    RelFileNode rnode;
    int forkNum;  // ForkNumber, an enum (int) in PostgreSQL
};
static_assert(sizeof(xl_smgr_create) == 16);

inline constexpr int SMGR_TRUNCATE_HEAP = 0x0001;
inline constexpr int SMGR_TRUNCATE_VM = 0x0002;
inline constexpr int SMGR_TRUNCATE_FSM = 0x0004;
inline constexpr int SMGR_TRUNCATE_ALL = SMGR_TRUNCATE_HEAP | SMGR_TRUNCATE_VM | SMGR_TRUNCATE_FSM;

struct xl_smgr_truncate {
    BlockNumber blkno;
    RelFileNode rnode;
    int flags;
};
static_assert(offsetof(xl_smgr_truncate, rnode) == 4 && sizeof(xl_smgr_truncate) == 20);

}  // namespace understudy
