#include "common/wal_format.h"

#include <fmt/format.h>

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
    // One row per supported major version; add PG16 (0xD113) / PG17 (0xD116) here.
    static constexpr const WalFormat* kFormats[] = {&kWalFormatPg15};
    for (const WalFormat* f : kFormats)
        if (f->page_magic == magic) return f;
    return nullptr;
}

int wal_major_version_for_magic(std::uint16_t magic) {
    for (const KnownWalMagic& k : kKnownWalMagics)
        if (k.page_magic == magic) return k.major_version;
    return 0;
}

std::string unsupported_wal_version_message(std::string_view where, std::uint16_t magic,
                                            int major_version) {
    return fmt::format(
        "{} is PostgreSQL {} WAL (page magic 0x{:04X}), but understudy reads and replays only "
        "PostgreSQL {} WAL (page magic 0x{:04X}); `understudy receive` streams and stores a "
        "PostgreSQL {} primary's WAL byte for byte, read it with PostgreSQL {}'s pg_waldump",
        where, major_version, magic, kWalFormatPg15.major_version, kWalFormatPg15.page_magic,
        major_version, major_version);
}

std::string unsupported_primary_version_message(std::string_view command,
                                                std::string_view server_version,
                                                int major_version) {
    return fmt::format(
        "the primary runs PostgreSQL {}, but {} replays only PostgreSQL {} WAL; use `understudy "
        "receive --primary ... --wal-dir DIR` to stream and keep a PostgreSQL {} primary's WAL "
        "(receive works with PostgreSQL 14 to 18), or point {} at a PostgreSQL {} primary",
        server_version, command, kWalFormatPg15.major_version, major_version, command,
        kWalFormatPg15.major_version);
}

}  // namespace understudy
