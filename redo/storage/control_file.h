// global/pg_control of PostgreSQL 14-18 (ControlFileData, src/include/catalog/pg_control.h,
// 64-bit alignment) as the startup process rewrites it during archive recovery
// (UpdateControlFile after CreateRestartPoint, xlog.c): read with its CRC-32C checked, the
// recovery fields changed, the CRC recomputed over everything before it, and the file written back
// as PG_CONTROL_FILE_SIZE bytes (zero padded) atomically (temp file, fsync, rename, fsync of
// global/). Only a *full* data directory (one restored from a base backup) has a pg_control.
//
// Per version (each read in that version's pg_control.h): the fields up to and including
// data_checksum_version are laid out alike in 14-18 (17's CheckPoint.wal_level took 14-16's
// padding); PG_CONTROL_VERSION is 1300 for 14-16, 1700 for 17, 1800 for 18; 18 inserted
// `bool default_char_signedness` after data_checksum_version, which moves the authentication
// nonce and the CRC (crc at 288 in 14-17, 292 in 18). The bytes after the shared prefix are
// kept as read and written back unchanged; only the prefix's recovery fields are ever changed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/lsn.h"
#include "common/result.h"
#include "wal/records/xlog.h"

namespace understudy::storage {

inline constexpr std::size_t PG_CONTROL_FILE_SIZE = 8192;
// The bytes every version 14-18 lays out alike: offsetof(ControlFileData, data_checksum_version) + 4.
inline constexpr std::size_t kControlFileSharedPrefix = 256;

// One row per PG_CONTROL_VERSION: the majors that write it and where the CRC is.
struct ControlFileLayout {
    std::uint32_t pg_control_version;
    int first_major, last_major;
    std::size_t crc_offset;  // offsetof(ControlFileData, crc): the CRC covers the bytes before it
};
inline constexpr ControlFileLayout kControlFileLayouts[] = {
    {1300, 14, 16, 288},
    {1700, 17, 17, 288},
    {1800, 18, 18, 292},
};
// The row of a PG_CONTROL_VERSION; nullptr for one understudy does not know.
const ControlFileLayout* control_file_layout(std::uint32_t pg_control_version);
// The PG_CONTROL_VERSION a PostgreSQL `major` writes; 0 for a major no row covers.
std::uint32_t pg_control_version_of_major(int major);
// Whether read_control_file / write_control_file keep that major's pg_control, i.e. whether a
// full data directory (a base backup) of that version can be replayed into.
bool control_file_kept_for_major(int major);

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
    // The rest of the file after the shared prefix, as read (14-17: the authentication nonce, the
    // CRC, zeros; 18: default_char_signedness first). Not part of PostgreSQL's struct.
    std::uint8_t rest[PG_CONTROL_FILE_SIZE - kControlFileSharedPrefix];
};
static_assert(offsetof(ControlFileData, state) == 16 && offsetof(ControlFileData, time) == 24 &&
              offsetof(ControlFileData, checkPointCopy) == 40 && offsetof(ControlFileData, minRecoveryPoint) == 136 &&
              offsetof(ControlFileData, backupStartPoint) == 152 && offsetof(ControlFileData, wal_level) == 172 &&
              offsetof(ControlFileData, floatFormat) == 208 && offsetof(ControlFileData, data_checksum_version) == 252 &&
              offsetof(ControlFileData, rest) == kControlFileSharedPrefix && sizeof(ControlFileData) == PG_CONTROL_FILE_SIZE);

// The file's bytes (the struct is the file: the shared prefix, then the rest as read).
inline const std::uint8_t* control_file_bytes(const ControlFileData& cf) {
    return reinterpret_cast<const std::uint8_t*>(&cf);
}
// The CRC stored at the layout's offset.
std::uint32_t stored_crc(const ControlFileData& cf, const ControlFileLayout& layout);

// <data_dir>/global/pg_control
std::string control_file_path(const std::string& data_dir);

// The CRC-32C PostgreSQL stores (COMP_CRC32C over the layout's crc_offset bytes).
std::uint32_t control_file_crc(const ControlFileData& cf, const ControlFileLayout& layout);

// Reads and checks pg_control: present, PG_CONTROL_FILE_SIZE bytes, a PG_CONTROL_VERSION of
// kControlFileLayouts (PostgreSQL 14-18), CRC matching. Errors name the file and what is wrong.
Result<ControlFileData> read_control_file(const std::string& data_dir);

// Sets the CRC at the layout's offset (cf.pg_control_version's) and writes the file durably and
// atomically (PG_CONTROL_FILE_SIZE bytes).
Result<void> write_control_file(const std::string& data_dir, ControlFileData& cf);

}  // namespace understudy::storage
