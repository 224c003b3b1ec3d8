// Redo routine of the RelMap resource manager: relmap_redo and write_relmap_file
// (src/backend/utils/cache/relmapper.c, PostgreSQL 15.1). The record carries the whole new
// RelMapFile (512 bytes: magic, num_mappings, 62 mappings, CRC-32C, padding); redo sets the
// magic, checks num_mappings, recomputes the CRC over the bytes before it and writes the file
// as <database path>/pg_filenode.map ("global" for the shared map).
//
// PostgreSQL 15.1 rewrites the file in place; here it is replaced atomically (temp file, fsync,
// rename), which leaves the same bytes and never a torn map after a crash.
#include <array>
#include <cstring>

#include <fmt/format.h>

#include "redo/apply/record_data.h"
#include "common/bytes.h"
#include "common/crc32c.h"
#include "common/fs.h"
#include "wal/records/pg_types.h"
#include "wal/records/relmap.h"
#include "redo/rmgr.h"
#include "wal/relpath.h"

namespace understudy {

namespace {

inline constexpr std::uint32_t RELMAPPER_FILEMAGIC = 0x592717;
inline constexpr std::int32_t MAX_MAPPINGS = 62;
inline constexpr std::size_t SizeOfRelMapFile = 512;       // sizeof(RelMapFile)
inline constexpr std::size_t RelMapFileCrcOffset = 504;    // offsetof(RelMapFile, crc)
inline constexpr const char* RELMAPPER_FILENAME = "pg_filenode.map";

Error relmap_error(const DecodedRecord& rec, const std::string& detail) {
    return redo::record_error(rec, detail);
}

// write_relmap_file(newmap, write_wal=false, send_sinval, preserve_files=false, ...) (PG15).
Result<void> write_relmap_file(const std::string& data_dir, const std::string& dbpath,
                               std::array<std::uint8_t, SizeOfRelMapFile>& newmap) {
    store<std::uint32_t>(newmap.data(), RELMAPPER_FILEMAGIC);
    const auto num_mappings = load<std::int32_t>(newmap.data() + 4);
    if (num_mappings < 0 || num_mappings > MAX_MAPPINGS)
        return make_error(fmt::format("attempt to write bogus relation mapping ({} mappings) to \"{}\"",
                                      num_mappings, dbpath));
    const pg_crc32c crc = crc32c_finish(crc32c_update(crc32c_init(), newmap.data(), RelMapFileCrcOffset));
    store<pg_crc32c>(newmap.data() + RelMapFileCrcOffset, crc);
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
    if (xlrec->nbytes != static_cast<std::int32_t>(SizeOfRelMapFile))
        return relmap_error(rec, fmt::format("wrong size {} in relmap update record", xlrec->nbytes));
    if (rec.main_data.size() < MinSizeOfRelmapUpdate + SizeOfRelMapFile)
        return relmap_error(rec, fmt::format("main data is {} bytes, the map needs {}", rec.main_data.size(),
                                             MinSizeOfRelmapUpdate + SizeOfRelMapFile));
    std::array<std::uint8_t, SizeOfRelMapFile> newmap{};
    std::memcpy(newmap.data(), rec.main_data.data() + MinSizeOfRelmapUpdate, SizeOfRelMapFile);
    const std::string dbpath = storage::database_path(xlrec->tsid, xlrec->dbid);
    if (auto r = write_relmap_file(ctx.data_dir(), dbpath, newmap); !r) return relmap_error(rec, r.error().message);
    return redo::RedoOutcome::applied;
}

}  // namespace understudy
