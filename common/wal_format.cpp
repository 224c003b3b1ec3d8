#include "common/wal_format.h"

#include <fmt/format.h>

#include <iterator>
#include <string>

namespace understudy {

const char* image_compression_name(ImageCompression c) {
    switch (c) {
        case ImageCompression::None: return "none";
        case ImageCompression::Pglz: return "pglz";
        case ImageCompression::Lz4: return "lz4";
        case ImageCompression::Zstd: return "zstd";
        case ImageCompression::Unknown: break;
    }
    return "unknown";
}

const WalFormat* wal_format_for_magic(std::uint16_t magic) {
    for (const WalFormat* f : kWalFormats)
        if (f->page_magic == magic) return f;
    return nullptr;
}

std::string supported_wal_versions_text() {
    std::string out;
    const std::size_t n = std::size(kWalFormats);
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0) out += i + 1 == n ? " and " : ", ";
        out += std::to_string(kWalFormats[i]->major_version);
    }
    return out;
}

std::string mixed_wal_versions_message(std::string_view where, const WalFormat& page,
                                       const WalFormat& before) {
    return fmt::format(
        "{} is PostgreSQL {} WAL (page magic 0x{:04X}), but the WAL read before it is PostgreSQL {} "
        "WAL (page magic 0x{:04X}): one WAL directory or stream holds the WAL of one cluster; "
        "move the other cluster's segments to a directory of their own",
        where, page.major_version, page.page_magic, before.major_version, before.page_magic);
}

int wal_major_version_for_magic(std::uint16_t magic) {
    for (const KnownWalMagic& k : kKnownWalMagics)
        if (k.page_magic == magic) return k.major_version;
    return 0;
}

std::string unsupported_wal_version_message(std::string_view where, std::uint16_t magic,
                                            int major_version) {
    return fmt::format(
        "{} is PostgreSQL {} WAL (page magic 0x{:04X}), but understudy reads PostgreSQL {} WAL "
        "only; `understudy receive` streams and stores a PostgreSQL {} primary's WAL byte for "
        "byte, read it with PostgreSQL {}'s pg_waldump",
        where, major_version, magic, supported_wal_versions_text(), major_version, major_version);
}

std::string unsupported_primary_version_message(std::string_view command,
                                                std::string_view server_version,
                                                int major_version, std::string_view replayable) {
    return fmt::format(
        "the primary runs PostgreSQL {}, but {} replays only PostgreSQL {} WAL; use `understudy "
        "receive --primary ... --wal-dir DIR` to stream and keep a PostgreSQL {} primary's WAL "
        "(receive works with PostgreSQL 14 to 18), or point {} at a PostgreSQL {} primary",
        server_version, command, replayable, major_version, command, replayable);
}

}  // namespace understudy
