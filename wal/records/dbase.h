// Database resource manager records, PostgreSQL 15 (commands/dbcommands_xlog.h), and 14's
// record types (DbaseVersion).
#pragma once

#include <cstddef>
#include <cstdint>

#include "wal/records/pg_types.h"
#include "wal/records/version_table.h"

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

// The records a version's info codes stand for. 14 has only the file-copy create
// (XLOG_DBASE_CREATE 0x00, xl_dbase_create_rec: the layout of 15's
// xl_dbase_create_file_copy_rec) and XLOG_DBASE_DROP at 0x10; 15 added the WAL_LOG create at
// 0x10 and moved DROP to 0x20.
enum class DbaseRecord : std::uint8_t { CreateFileCopy, CreateWalLog, Drop };
struct DbaseRecordType {
    std::uint8_t info;
    DbaseRecord record;
    const char* name;  // dbase_identify
};
struct DbaseVersion {
    int since_major;
    DbaseRecordType types[3];
    int ntypes;
};
inline constexpr DbaseVersion kDbaseVersions[] = {
    {/*since_major*/ 14,
     {{0x00, DbaseRecord::CreateFileCopy, "CREATE"}, {0x10, DbaseRecord::Drop, "DROP"}, {}},
     2},
    {15,
     {{XLOG_DBASE_CREATE_FILE_COPY, DbaseRecord::CreateFileCopy, "CREATE_FILE_COPY"},
      {XLOG_DBASE_CREATE_WAL_LOG, DbaseRecord::CreateWalLog, "CREATE_WAL_LOG"},
      {XLOG_DBASE_DROP, DbaseRecord::Drop, "DROP"}},
     3},
};
static_assert(rows_ascending(kDbaseVersions));

// The type of a Database record with `info` (xl_info & 0xF0) in `format`'s version, or nullptr.
inline const DbaseRecordType* dbase_record_type(std::uint8_t info, const WalFormat& format) {
    const DbaseVersion& v = row_for_version(kDbaseVersions, format);
    for (int i = 0; i < v.ntypes; ++i)
        if (v.types[i].info == info) return &v.types[i];
    return nullptr;
}

}  // namespace understudy
