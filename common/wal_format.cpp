#include "common/wal_format.h"

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

}  // namespace understudy
