// Database resource manager records, PostgreSQL 15 (commands/dbcommands_xlog.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "wal/records/pg_types.h"

namespace understudy {

inline constexpr std::uint8_t XLOG_DBASE_CREATE_FILE_COPY = 0x00;
inline constexpr std::uint8_t XLOG_DBASE_CREATE_WAL_LOG = 0x10;
inline constexpr std::uint8_t XLOG_DBASE_DROP = 0x20;

struct xl_dbase_create_file_copy_rec {
    Oid db_id;
    Oid tablespace_id;
    Oid src_db_id;
    Oid src_tablespace_id;
};
static_assert(sizeof(xl_dbase_create_file_copy_rec) == 16);

struct xl_dbase_create_wal_log_rec {
    Oid db_id;
    Oid tablespace_id;
};
static_assert(sizeof(xl_dbase_create_wal_log_rec) == 8);

// xl_dbase_drop_rec: db_id, ntablespaces, then Oid tablespace_ids[ntablespaces].
struct xl_dbase_drop_rec {
    Oid db_id;
    int ntablespaces;
};
inline constexpr std::size_t MinSizeOfDbaseDropRec = 8;

}  // namespace understudy
