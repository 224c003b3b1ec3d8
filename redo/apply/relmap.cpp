// Redo routine of the RelMap resource manager: relmap_redo and write_relmap_file
// (src/backend/utils/cache/relmapper.c, PostgreSQL 15.1 and 16). The record carries the whole new
// RelMapFile (15: 512 bytes: magic, num_mappings, 62 mappings, CRC-32C, padding; 16: 524 bytes,
// 64 mappings and no padding); redo sets the magic, checks num_mappings, recomputes the CRC over
// the bytes before it and writes the file as <database path>/pg_filenode.map ("global" for the
// shared map).
//
// PostgreSQL 15.1 rewrites the file in place; here it is replaced atomically (temp file, fsync,
// rename), which leaves the same bytes and never a torn map after a crash.
#include <array>
#include <cstring>
#include <span>

#include <fmt/format.h>

#include "redo/apply/record_data.h"
#include "common/bytes.h"
#include "common/crc32c.h"
#include "common/fs.h"
#include "wal/records/pg_types.h"
#include "wal/records/relmap.h"
#include "wal/records/version_table.h"
#include "redo/rmgr.h"
#include "wal/relpath.h"

namespace understudy {

namespace {

inline constexpr std::uint32_t RELMAPPER_FILEMAGIC = 0x592717;
inline constexpr const char* RELMAPPER_FILENAME = "pg_filenode.map";

// The RelMapFile of a major version (the row of the record's version: the last one whose
// since_major is not above it).
struct RelMapFileLayout {
    int since_major;
    std::int32_t MAX_MAPPINGS;
    std::size_t SizeOfRelMapFile;     // sizeof(RelMapFile)
    std::size_t RelMapFileCrcOffset;  // offsetof(RelMapFile, crc)
};
inline constexpr RelMapFileLayout kRelMapFileLayouts[] = {
    {/*since_major*/ 14, /*MAX_MAPPINGS*/ 62, /*SizeOfRelMapFile*/ 512, /*crc at*/ 504},  // int32 pad after crc
    {/*since_major*/ 16, /*MAX_MAPPINGS*/ 64, /*SizeOfRelMapFile*/ 524, /*crc at*/ 520},
};
static_assert(rows_ascending(kRelMapFileLayouts));
inline constexpr std::size_t MaxSizeOfRelMapFile = 524;

Error relmap_error(const DecodedRecord& rec, const std::string& detail) {
    return redo::record_error(rec, detail);
}

// write_relmap_file(newmap, write_wal=false, send_sinval, preserve_files=false, ...) (PG15, 16).
Result<void> write_relmap_file(const std::string& data_dir, const std::string& dbpath,
                               std::span<std::uint8_t> newmap, const RelMapFileLayout& layout) {
    store<std::uint32_t>(newmap.data(), RELMAPPER_FILEMAGIC);
    const auto num_mappings = load<std::int32_t>(newmap.data() + 4);
    if (num_mappings < 0 || num_mappings > layout.MAX_MAPPINGS)
        return make_error(fmt::format("attempt to write bogus relation mapping ({} mappings) to \"{}\"",
                                      num_mappings, dbpath));
    const pg_crc32c crc = crc32c_finish(crc32c_update(crc32c_init(), newmap.data(), layout.RelMapFileCrcOffset));
    store<pg_crc32c>(newmap.data() + layout.RelMapFileCrcOffset, crc);
    // The database directory exists in PostgreSQL (the CREATE DATABASE records come first); a
    // sparse start may not have it yet.
    const std::string dir = data_dir + "/" + dbpath;
    if (auto r = fs::make_dirs(dir); !r) return r;
    return fs::write_file_atomic(dir + "/" + RELMAPPER_FILENAME,
                                 std::string_view(reinterpret_cast<const char*>(newmap.data()), newmap.size()));
}

}  // namespace

// relmap_redo (relmapper.c, PG15).
Result<redo::RedoOutcome> relmap_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    if (rec.info() != XLOG_RELMAP_UPDATE)
        return redo::record_error(rec, fmt::format("unknown op code {:#x}", rec.info()));
    auto xlrec = read_record_struct<xl_relmap_update>(rec.main_data, MinSizeOfRelmapUpdate);
    if (!xlrec) return relmap_error(rec, "main data shorter than xl_relmap_update");
    const RelMapFileLayout& layout = row_for_version(kRelMapFileLayouts, *rec.format);
    const std::size_t size = layout.SizeOfRelMapFile;
    if (xlrec->nbytes != static_cast<std::int32_t>(size))
        return relmap_error(rec, fmt::format("wrong size {} in relmap update record (PostgreSQL {}'s map is {} bytes)",
                                             xlrec->nbytes, rec.format->major_version, size));
    if (rec.main_data.size() < MinSizeOfRelmapUpdate + size)
        return relmap_error(rec, fmt::format("main data is {} bytes, the map needs {}", rec.main_data.size(),
                                             MinSizeOfRelmapUpdate + size));
    std::array<std::uint8_t, MaxSizeOfRelMapFile> buf{};
    const std::span<std::uint8_t> newmap(buf.data(), size);
    std::memcpy(newmap.data(), rec.main_data.data() + MinSizeOfRelmapUpdate, size);
    const std::string dbpath = storage::database_path(xlrec->tsid, xlrec->dbid, ctx.smgr().tablespace_version_directory());
    if (auto r = write_relmap_file(ctx.data_dir(), dbpath, newmap, layout); !r)
        return relmap_error(rec, r.error().message);
    return redo::RedoOutcome::applied;
}

}  // namespace understudy
