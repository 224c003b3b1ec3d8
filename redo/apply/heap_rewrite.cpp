// heap_xlog_logical_rewrite, PostgreSQL 15 (src/backend/access/heap/rewriteheap.c).
#include "redo/apply/record_data.h"
#include "redo/apply/heap_rewrite.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "wal/records/heap.h"

namespace understudy::redo {

namespace {

Error file_error(const DecodedRecord& rec, const char* action, const std::string& path, int err) {
    return record_error(rec, fmt::format("could not {} file \"{}\": {}", action, path, std::strerror(err)));
}

// Closes the descriptor on every path out of the routine (CloseTransientFile).
struct FdCloser {
    int fd;
    ~FdCloser() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

Result<void> heap_xlog_logical_rewrite(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = read_record_struct<xl_heap_rewrite_mapping>(rec.main_data, sizeof(xl_heap_rewrite_mapping));
    if (!xlrec)
        return main_data_too_short(rec, "xl_heap_rewrite_mapping", sizeof(xl_heap_rewrite_mapping));
    const std::size_t len = std::size_t{xlrec->num_mappings} * SizeOfLogicalRewriteMappingData;
    if (rec.main_data.size() < sizeof(xl_heap_rewrite_mapping) + len || xlrec->offset < 0)
        return record_error(rec, fmt::format("{} mappings at offset {} do not fit {} bytes of main data", xlrec->num_mappings, xlrec->offset,
                                      rec.main_data.size()));

    const std::filesystem::path dir = std::filesystem::path(ctx.data_dir()) / "pg_logical" / "mappings";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);  // present in a real data directory; made in a scratch one
    if (ec) return file_error(rec, "create directory for", dir.string(), ec.value());
    const std::string path =
        (dir / fmt::format("map-{:x}-{:x}-{:X}_{:X}-{:x}-{:x}", xlrec->mapped_db, xlrec->mapped_rel,
                           static_cast<std::uint32_t>(xlrec->start_lsn >> 32),
                           static_cast<std::uint32_t>(xlrec->start_lsn), xlrec->mapped_xid, rec.xl_xid))
            .string();

    FdCloser fd{::open(path.c_str(), O_CREAT | O_WRONLY, 0600)};
    if (fd.fd < 0) return file_error(rec, "create", path, errno);
    // Truncate all data not guaranteed to have been fsynced by an earlier record or checkpoint.
    if (::ftruncate(fd.fd, static_cast<off_t>(xlrec->offset)) != 0) return file_error(rec, "truncate", path, errno);
    const std::uint8_t* data = rec.main_data.data() + sizeof(xl_heap_rewrite_mapping);
    errno = 0;
    if (::pwrite(fd.fd, data, len, static_cast<off_t>(xlrec->offset)) != static_cast<ssize_t>(len))
        return file_error(rec, "write to", path, errno == 0 ? ENOSPC : errno);
    if (::fsync(fd.fd) != 0) return file_error(rec, "fsync", path, errno);
    const int raw = fd.fd;
    fd.fd = -1;
    if (::close(raw) != 0) return file_error(rec, "close", path, errno);
    return {};
}

}  // namespace understudy::redo
