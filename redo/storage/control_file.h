// global/pg_control as PostgreSQL 15 lays it out (ControlFileData, src/include/catalog/pg_control.h,
// PG_CONTROL_VERSION 1300, 64-bit alignment) and as its startup process rewrites it during archive
// recovery (UpdateControlFile after CreateRestartPoint, xlog.c): read with its CRC-32C checked, the
// recovery fields changed, the CRC recomputed over everything before it, and the file written back
// as PG_CONTROL_FILE_SIZE bytes (zero padded) atomically (temp file, fsync, rename, fsync of
// global/). Only a *full* data directory (one restored from a base backup) has a pg_control.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/lsn.h"
#include "common/result.h"
#include "wal/records/xlog.h"

namespace understudy::storage {

inline constexpr std::uint32_t PG_CONTROL_VERSION_15 = 1300;

// PG_CONTROL_VERSION of each major version (pg_control.h): 1300 from 13 to 16, 1700 (17:
// CheckPoint.wal_level, in what was padding), 1800 (18: default_char_signedness after
// data_checksum_version, which moves the auth nonce and the CRC). Rows: version_table.h.
struct ControlFileVersion {
    int since_major;
    std::uint32_t pg_control_version;
};
inline constexpr ControlFileVersion kControlFileVersions[] = {
    {/*since_major*/ 14, /*pg_control_version*/ 1300},
    {/*since_major*/ 17, /*pg_control_version*/ 1700},
    {/*since_major*/ 18, /*pg_control_version*/ 1800},
};

// The PG_CONTROL_VERSION a PostgreSQL `major` (14 to 18) writes.
std::uint32_t pg_control_version_of_major(int major);
// Whether read_control_file / write_control_file keep that version's pg_control (its layout is
// ControlFileData's: PG_CONTROL_VERSION 1300, so 14 to 16), i.e. whether a full data directory
// (a base backup) of that version can be replayed into.
bool control_file_kept_for_major(int major);
inline constexpr std::size_t PG_CONTROL_FILE_SIZE = 8192;
inline constexpr std::size_t MOCK_AUTH_NONCE_LEN = 32;

// DBState (pg_control.h).
enum class DBState : std::int32_t {
    DB_STARTUP = 0,
    DB_SHUTDOWNED = 1,
    DB_SHUTDOWNED_IN_RECOVERY = 2,
    DB_SHUTDOWNING = 3,
    DB_IN_CRASH_RECOVERY = 4,
    DB_IN_ARCHIVE_RECOVERY = 5,
    DB_IN_PRODUCTION = 6,
};

const char* db_state_name(DBState s);  // pg_controldata's wording

struct ControlFileData {
    std::uint64_t system_identifier;
    std::uint32_t pg_control_version;
    std::uint32_t catalog_version_no;
    DBState state;
    pg_time_t time;
    XLogRecPtr checkPoint;
    CheckPoint checkPointCopy;
    XLogRecPtr unloggedLSN;
    XLogRecPtr minRecoveryPoint;
    TimeLineID minRecoveryPointTLI;
    XLogRecPtr backupStartPoint;
    XLogRecPtr backupEndPoint;
    std::uint8_t backupEndRequired;  // bool
    int wal_level;
    std::uint8_t wal_log_hints;  // bool
    int MaxConnections;
    int max_worker_processes;
    int max_wal_senders;
    int max_prepared_xacts;
    int max_locks_per_xact;
    std::uint8_t track_commit_timestamp;  // bool
    std::uint32_t maxAlign;
    double floatFormat;
    std::uint32_t blcksz;
    std::uint32_t relseg_size;
    std::uint32_t xlog_blcksz;
    std::uint32_t xlog_seg_size;
    std::uint32_t nameDataLen;
    std::uint32_t indexMaxKeys;
    std::uint32_t toast_max_chunk_size;
    std::uint32_t loblksize;
    std::uint8_t float8ByVal;  // bool
    std::uint32_t data_checksum_version;
    char mock_authentication_nonce[MOCK_AUTH_NONCE_LEN];
    std::uint32_t crc;  // CRC-32C of every byte before it
};
static_assert(offsetof(ControlFileData, state) == 16 && offsetof(ControlFileData, time) == 24 &&
              offsetof(ControlFileData, checkPointCopy) == 40 && offsetof(ControlFileData, minRecoveryPoint) == 136 &&
              offsetof(ControlFileData, backupStartPoint) == 152 && offsetof(ControlFileData, wal_level) == 172 &&
              offsetof(ControlFileData, floatFormat) == 208 && offsetof(ControlFileData, data_checksum_version) == 252 &&
              offsetof(ControlFileData, crc) == 288 && sizeof(ControlFileData) == 296);

// <data_dir>/global/pg_control
std::string control_file_path(const std::string& data_dir);

// The CRC-32C PostgreSQL stores in `crc` (COMP_CRC32C over offsetof(ControlFileData, crc) bytes).
std::uint32_t control_file_crc(const ControlFileData& cf);

// Reads and checks pg_control: present, at least the struct's size, PG_CONTROL_VERSION 1300
// (PostgreSQL 15), CRC matching. Errors name the file and what is wrong.
Result<ControlFileData> read_control_file(const std::string& data_dir);

// Sets cf.crc and writes the file durably and atomically (PG_CONTROL_FILE_SIZE bytes).
Result<void> write_control_file(const std::string& data_dir, ControlFileData& cf);

}  // namespace understudy::storage
