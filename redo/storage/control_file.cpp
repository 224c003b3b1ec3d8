#include "redo/storage/control_file.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "common/crc32c.h"
#include "common/fs.h"

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

std::uint32_t pg_control_version_of_major(int major) {
    for (const auto& l : kControlFileLayouts)
        if (major >= l.first_major && major <= l.last_major) return l.pg_control_version;
    return 0;
}

bool control_file_kept_for_major(int major) { return pg_control_version_of_major(major) != 0; }

std::string control_file_path(const std::string& data_dir) { return data_dir + "/global/pg_control"; }

const ControlFileLayout* control_file_layout(std::uint32_t pg_control_version) {
    for (const auto& l : kControlFileLayouts)
        if (l.pg_control_version == pg_control_version) return &l;
    return nullptr;
}

std::uint32_t stored_crc(const ControlFileData& cf, const ControlFileLayout& layout) {
    std::uint32_t crc = 0;
    std::memcpy(&crc, control_file_bytes(cf) + layout.crc_offset, sizeof crc);
    return crc;
}

std::uint32_t control_file_crc(const ControlFileData& cf, const ControlFileLayout& layout) {
    pg_crc32c crc = crc32c_init();
    crc = crc32c_update(crc, control_file_bytes(cf), layout.crc_offset);
    return crc32c_finish(crc);
}

Result<ControlFileData> read_control_file(const std::string& data_dir) {
    const std::string path = control_file_path(data_dir);
    auto text = fs::read_file(path);
    if (!text) return make_error(fmt::format("could not read \"{}\": {}", path, text.message()));
    ControlFileData cf{};
    if (text->size() < 12)
        return make_error(fmt::format("\"{}\" is {} bytes, too short for a pg_control file: restore the directory "
                                      "from a new base backup",
                                      path, text->size()));
    std::memcpy(&cf, text->data(), std::min(text->size(), sizeof cf));
    const ControlFileLayout* layout = control_file_layout(cf.pg_control_version);
    if (layout == nullptr)
        return make_error(fmt::format("\"{}\" has PG_CONTROL_VERSION {}, which understudy does not know (1300: "
                                      "PostgreSQL 14-16, 1700: 17, 1800: 18)",
                                      path, cf.pg_control_version));
    if (text->size() < layout->crc_offset + 4)
        return make_error(fmt::format("\"{}\" is {} bytes, shorter than PostgreSQL {}'s ControlFileData: restore "
                                      "the directory from a new base backup",
                                      path, text->size(), layout->last_major));
    if (const std::uint32_t crc = control_file_crc(cf, *layout); crc != stored_crc(cf, *layout))
        return make_error(fmt::format("incorrect checksum in control file \"{}\" (stored {:08X}, computed {:08X}): "
                                      "restore the directory from a new base backup",
                                      path, stored_crc(cf, *layout), crc));
    return cf;
}

Result<void> write_control_file(const std::string& data_dir, ControlFileData& cf) {
    const ControlFileLayout* layout = control_file_layout(cf.pg_control_version);
    if (layout == nullptr)
        return make_error(fmt::format("could not write \"{}\": PG_CONTROL_VERSION {} is not one understudy knows",
                                      control_file_path(data_dir), cf.pg_control_version));
    const std::uint32_t crc = control_file_crc(cf, *layout);
    std::memcpy(reinterpret_cast<std::uint8_t*>(&cf) + layout->crc_offset, &crc, sizeof crc);
    const std::string buf(reinterpret_cast<const char*>(&cf), sizeof cf);
    if (auto r = fs::write_file_atomic(control_file_path(data_dir), buf); !r)
        return make_error(fmt::format("could not write \"{}\": {}", control_file_path(data_dir), r.message()));
    return {};
}

}  // namespace understudy::storage
