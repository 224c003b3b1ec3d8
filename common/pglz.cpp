// pglz decompression (PostgreSQL 15's pglz_decompress), bounds-checked on both sides.
#include "common/pglz.h"

#include <algorithm>
#include <cstring>

namespace understudy {

namespace {

// Copies a match of `len` bytes from `off` bytes back; overlapping copies repeat the pattern.
void copy_match(std::uint8_t* dp, std::size_t off, std::size_t len) {
    while (off < len) {
        std::memcpy(dp, dp - off, off);
        len -= off;
        dp += off;
        off += off;  // the pattern now repeats twice as long behind dp
    }
    std::memcpy(dp, dp - off, len);
}

}  // namespace

int pglz_decompress(std::span<const std::uint8_t> source, std::span<std::uint8_t> dest,
                    bool check_complete) {
    const std::uint8_t* sp = source.data();
    const std::uint8_t* const srcend = sp + source.size();
    std::uint8_t* const dstart = dest.data();
    std::uint8_t* dp = dstart;
    std::uint8_t* const destend = dp + dest.size();

    while (sp < srcend && dp < destend) {
        std::uint8_t ctrl = *sp++;
        for (int ctrlc = 0; ctrlc < 8 && sp < srcend && dp < destend; ++ctrlc, ctrl >>= 1) {
            if ((ctrl & 1) == 0) {
                *dp++ = *sp++;
                continue;
            }
            if (srcend - sp < 2) return -1;
            std::size_t len = static_cast<std::size_t>(sp[0] & 0x0F) + 3;
            std::size_t off = (static_cast<std::size_t>(sp[0] & 0xF0) << 4) | sp[1];
            sp += 2;
            if (len == 18) {
                if (sp >= srcend) return -1;
                len += *sp++;
            }
            if (off == 0 || off > static_cast<std::size_t>(dp - dstart)) return -1;
            len = std::min(len, static_cast<std::size_t>(destend - dp));
            copy_match(dp, off, len);
            dp += len;
        }
    }
    if (check_complete && (dp != destend || sp != srcend)) return -1;
    return static_cast<int>(dp - dstart);
}

}  // namespace understudy
