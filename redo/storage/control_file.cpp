#include "redo/storage/control_file.h"

#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "common/crc32c.h"
#include "common/fs.h"
#include "wal/records/version_table.h"

namespace understudy::storage {

const char* db_state_name(DBState s) {
    switch (s) {
        case DBState::DB_STARTUP: return "starting up";
        case DBState::DB_SHUTDOWNED: return "shut down";
        case DBState::DB_SHUTDOWNED_IN_RECOVERY: return "shut down in recovery";
        case DBState::DB_SHUTDOWNING: return "shutting down";
        case DBState::DB_IN_CRASH_RECOVERY: return "in crash recovery";
        case DBState::DB_IN_ARCHIVE_RECOVERY: return "in archive recovery";
        case DBState::DB_IN_PRODUCTION: return "in production";
    }
    return "unrecognized status code";
}

static_assert(rows_ascending(kControlFileVersions));

std::uint32_t pg_control_version_of_major(int major) {
    return row_for_version(kControlFileVersions, major).pg_control_version;
}

bool control_file_kept_for_major(int major) { return pg_control_version_of_major(major) == PG_CONTROL_VERSION_15; }

std::string control_file_path(const std::string& data_dir) { return data_dir + "/global/pg_control"; }

std::uint32_t control_file_crc(const ControlFileData& cf) {
    pg_crc32c crc = crc32c_init();
    crc = crc32c_update(crc, reinterpret_cast<const std::uint8_t*>(&cf), offsetof(ControlFileData, crc));
    return crc32c_finish(crc);
}

Result<ControlFileData> read_control_file(const std::string& data_dir) {
    const std::string path = control_file_path(data_dir);
    auto text = fs::read_file(path);
    if (!text) return make_error(fmt::format("could not read \"{}\": {}", path, text.message()));
    if (text->size() < sizeof(ControlFileData))
        return make_error(fmt::format("\"{}\" is {} bytes, shorter than PostgreSQL 15's ControlFileData ({} bytes)",
                                      path, text->size(), sizeof(ControlFileData)));
    ControlFileData cf{};
    std::memcpy(&cf, text->data(), sizeof cf);
    if (cf.pg_control_version != PG_CONTROL_VERSION_15)
        return make_error(fmt::format("\"{}\" has PG_CONTROL_VERSION {}, not {} (PostgreSQL 15): a full directory is "
                                      "kept for PostgreSQL 15 only",
                                      path, cf.pg_control_version, PG_CONTROL_VERSION_15));
    if (const std::uint32_t crc = control_file_crc(cf); crc != cf.crc)
        return make_error(fmt::format("incorrect checksum in control file \"{}\" (stored {:08X}, computed {:08X}): "
                                      "restore the directory from a new base backup",
                                      path, cf.crc, crc));
    return cf;
}

Result<void> write_control_file(const std::string& data_dir, ControlFileData& cf) {
    cf.crc = control_file_crc(cf);
    std::string buf(PG_CONTROL_FILE_SIZE, '\0');
    std::memcpy(buf.data(), &cf, sizeof cf);
    if (auto r = fs::write_file_atomic(control_file_path(data_dir), buf); !r)
        return make_error(fmt::format("could not write \"{}\": {}", control_file_path(data_dir), r.message()));
    return {};
}

}  // namespace understudy::storage
