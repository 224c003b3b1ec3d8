// CRC-32C, mirroring PostgreSQL 15's pg_comp_crc32c_sb8 (slicing-by-8) and pg_comp_crc32c_sse42.
#include "common/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define UNDERSTUDY_HAVE_X86 1
#endif

#include "common/bytes.h"

namespace understudy {

namespace {

constexpr std::uint32_t kPolyReflected = 0x82F63B78u;

using Table = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr Table make_tables() {
    Table t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPolyReflected : c >> 1;
        t[0][i] = c;
    }
    for (std::size_t s = 1; s < 8; ++s)
        for (std::size_t i = 0; i < 256; ++i)
            t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    return t;
}

constexpr Table kTables = make_tables();

// ---- shifting a CRC register over zero bytes (for combining interleaved streams) -----------
// A CRC register advanced over n zero bytes is a linear map of the register: a 32x32 matrix
// over GF(2), precomputed here as four 256-entry tables (one per register byte).

using Matrix = std::array<std::uint32_t, 32>;  // column i = image of bit i

constexpr std::uint32_t matrix_times(const Matrix& m, std::uint32_t v) {
    std::uint32_t r = 0;
    for (int i = 0; v != 0; ++i, v >>= 1)
        if (v & 1) r ^= m[static_cast<std::size_t>(i)];
    return r;
}

constexpr Matrix matrix_square(const Matrix& m) {
    Matrix r{};
    for (std::size_t i = 0; i < 32; ++i) r[i] = matrix_times(m, m[i]);
    return r;
}

// The operator for `len` zero bytes (len a power of two).
constexpr Matrix zeros_operator(std::size_t len) {
    Matrix op{};  // one zero bit
    op[0] = kPolyReflected;
    for (std::size_t i = 1; i < 32; ++i) op[i] = std::uint32_t{1} << (i - 1);
    op = matrix_square(op);  // 2 bits
    op = matrix_square(op);  // 4 bits
    for (std::size_t n = 1; n < len * 8 / 4; n <<= 1) op = matrix_square(op);
    return op;
}

using ShiftTable = std::array<std::array<std::uint32_t, 256>, 4>;

constexpr ShiftTable make_shift_table(std::size_t len) {
    const Matrix op = zeros_operator(len);
    ShiftTable t{};
    for (std::uint32_t n = 0; n < 256; ++n)
        for (std::size_t b = 0; b < 4; ++b) t[b][n] = matrix_times(op, n << (8 * b));
    return t;
}

inline std::uint32_t shift(const ShiftTable& t, std::uint32_t crc) {
    return t[0][crc & 0xFF] ^ t[1][(crc >> 8) & 0xFF] ^ t[2][(crc >> 16) & 0xFF] ^ t[3][crc >> 24];
}

// Three interleaved streams hide the crc32 instruction's latency on long buffers.
constexpr std::size_t kLong = 2048;
constexpr std::size_t kShort = 256;
const ShiftTable kShiftLong = make_shift_table(kLong);
const ShiftTable kShiftShort = make_shift_table(kShort);

Crc32cUpdateFn choose_update() {
    return crc32c_hardware_available() ? crc32c_update_sse42 : crc32c_update_portable;
}

}  // namespace

pg_crc32c crc32c_update_portable(pg_crc32c crc, const std::uint8_t* p, std::size_t len) {
    // Little-endian slicing-by-8 (pg_comp_crc32c_sb8).
    while (len >= 8) {
        std::uint32_t a = load<std::uint32_t>(p) ^ crc;
        std::uint32_t b = load<std::uint32_t>(p + 4);
        crc = kTables[7][a & 0xFF] ^ kTables[6][(a >> 8) & 0xFF] ^ kTables[5][(a >> 16) & 0xFF] ^
              kTables[4][a >> 24] ^ kTables[3][b & 0xFF] ^ kTables[2][(b >> 8) & 0xFF] ^
              kTables[1][(b >> 16) & 0xFF] ^ kTables[0][b >> 24];
        p += 8;
        len -= 8;
    }
    while (len--) crc = kTables[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return crc;
}

#ifdef UNDERSTUDY_HAVE_X86
#if defined(__x86_64__)
namespace {

// Where the interleaved part of crc32c_update_sse42 left off.
struct Crc32cProgress {
    std::uint64_t c;
    const std::uint8_t* p;
    std::size_t len;
};

// 3 x kLong, then 3 x kShort blocks in parallel; each block's CRC is shifted over the
// following blocks' length and folded in (the CRC register is linear). Out of line, so the
// short buffers of most WAL records do not pay for its registers.
__attribute__((target("sse4.2"), noinline)) Crc32cProgress crc32c_sse42_interleaved(
    std::uint64_t c, const std::uint8_t* p, std::size_t len) {
    for (std::size_t block : {kLong, kShort}) {
        const ShiftTable& table = block == kLong ? kShiftLong : kShiftShort;
        while (len >= 3 * block) {
            std::uint64_t c1 = 0, c2 = 0;
            const std::uint8_t* end = p + block;
            do {
                c = _mm_crc32_u64(c, load<std::uint64_t>(p));
                c1 = _mm_crc32_u64(c1, load<std::uint64_t>(p + block));
                c2 = _mm_crc32_u64(c2, load<std::uint64_t>(p + 2 * block));
                p += 8;
            } while (p < end);
            c = shift(table, static_cast<std::uint32_t>(c)) ^ c1;
            c = shift(table, static_cast<std::uint32_t>(c)) ^ c2;
            p += 2 * block;
            len -= 3 * block;
        }
    }
    return {c, p, len};
}

}  // namespace
#endif

__attribute__((target("sse4.2"))) pg_crc32c crc32c_update_sse42(pg_crc32c crc,
                                                                const std::uint8_t* p,
                                                                std::size_t len) {
#if defined(__x86_64__)
    std::uint64_t c = crc;
    if (len >= 3 * kShort) [[unlikely]] {
        const Crc32cProgress done = crc32c_sse42_interleaved(c, p, len);
        c = done.c;
        p = done.p;
        len = done.len;
    }
    for (const std::uint8_t* end = p + (len & ~std::size_t{7}); p != end; p += 8)
        c = _mm_crc32_u64(c, load<std::uint64_t>(p));
    len &= 7;
    crc = static_cast<std::uint32_t>(c);
#else
    for (; len >= 4; len -= 4, p += 4) crc = _mm_crc32_u32(crc, load<std::uint32_t>(p));
#endif
    // At most 7 bytes left: one step per set bit of the length.
    if (len & 4) {
        crc = _mm_crc32_u32(crc, load<std::uint32_t>(p));
        p += 4;
    }
    if (len & 2) {
        crc = _mm_crc32_u16(crc, load<std::uint16_t>(p));
        p += 2;
    }
    if (len & 1) crc = _mm_crc32_u8(crc, *p);
    return crc;
}

bool crc32c_hardware_available() { return __builtin_cpu_supports("sse4.2"); }
#else
pg_crc32c crc32c_update_sse42(pg_crc32c crc, const std::uint8_t* p, std::size_t len) {
    return crc32c_update_portable(crc, p, len);
}
bool crc32c_hardware_available() { return false; }
#endif

Crc32cUpdateFn crc32c_update_function() {
    static const Crc32cUpdateFn update = choose_update();  // decided once, never changes
    return update;
}

pg_crc32c crc32c_update(pg_crc32c crc, const std::uint8_t* data, std::size_t len) {
    return crc32c_update_function()(crc, data, len);
}

}  // namespace understudy
