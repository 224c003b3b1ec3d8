// RestoreBlockImage (PostgreSQL 15).
#include "wal/page_image.h"

#include <array>
#include <cstring>

#include <fmt/format.h>
#include <lz4.h>
#include <zstd.h>

#include "common/pglz.h"

namespace understudy {

namespace {

// Decompresses `img` into `out` (BLCKSZ - hole_length bytes expected). False on failure.
bool decompress(ImageCompression method, std::span<const std::uint8_t> img,
                std::span<std::uint8_t> out) {
    switch (method) {
        case ImageCompression::Pglz:
            return pglz_decompress(img, out, true) >= 0;
        case ImageCompression::Lz4: {
            int n = LZ4_decompress_safe(reinterpret_cast<const char*>(img.data()),
                                        reinterpret_cast<char*>(out.data()),
                                        static_cast<int>(img.size()),
                                        static_cast<int>(out.size()));
            return n > 0;
        }
        case ImageCompression::Zstd: {
            std::size_t n = ZSTD_decompress(out.data(), out.size(), img.data(), img.size());
            return !ZSTD_isError(n);
        }
        case ImageCompression::None:
        case ImageCompression::Unknown: break;
    }
    return false;
}

}  // namespace

Result<void> restore_block_image(const DecodedRecord& rec, int block_id,
                                 std::span<std::uint8_t, BLCKSZ> page) {
    const std::string lsn = format_lsn(rec.lsn);
    if (block_id < 0 || !rec.has_block_ref(block_id))
        return make_error(fmt::format(
            "could not restore image at {} with invalid block {} specified", lsn, block_id));
    const DecodedBkpBlock& b = rec.blocks[static_cast<std::size_t>(block_id)];
    if (!b.has_image)
        return make_error(fmt::format(
            "could not restore image at {} with invalid state, block {}", lsn, block_id));
    if (b.hole_length > BLCKSZ || b.hole_offset > BLCKSZ - b.hole_length)
        return make_error(fmt::format("could not restore image at {}: hole offset {} length {} "
                                      "does not fit in a page, block {}",
                                      lsn, b.hole_offset, b.hole_length, block_id));

    std::array<std::uint8_t, BLCKSZ> tmp;
    std::span<const std::uint8_t> src = b.bkp_image;
    const std::size_t raw_len = BLCKSZ - b.hole_length;
    if (b.compression != ImageCompression::None) {
        if (b.compression == ImageCompression::Unknown)
            return make_error(fmt::format(
                "could not restore image at {} compressed with unknown method, block {}", lsn,
                block_id));
        if (!decompress(b.compression, src, std::span<std::uint8_t>(tmp.data(), raw_len)))
            return make_error(
                fmt::format("could not decompress image at {}, block {}", lsn, block_id));
        src = std::span<const std::uint8_t>(tmp.data(), raw_len);
    } else if (src.size() < raw_len) {
        return make_error(fmt::format(
            "could not restore image at {}: image of {} bytes is shorter than {}, block {}", lsn,
            src.size(), raw_len, block_id));
    }

    if (b.hole_length == 0) {
        std::memcpy(page.data(), src.data(), BLCKSZ);
    } else {
        std::memcpy(page.data(), src.data(), b.hole_offset);
        std::memset(page.data() + b.hole_offset, 0, b.hole_length);
        std::memcpy(page.data() + b.hole_offset + b.hole_length, src.data() + b.hole_offset,
                    BLCKSZ - (b.hole_offset + b.hole_length));
    }
    return {};
}

}  // namespace understudy
