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

using UpdateFn = pg_crc32c (*)(pg_crc32c, const std::uint8_t*, std::size_t);

UpdateFn choose_update() {
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
__attribute__((target("sse4.2"))) pg_crc32c crc32c_update_sse42(pg_crc32c crc,
                                                                const std::uint8_t* p,
                                                                std::size_t len) {
#if defined(__x86_64__)
    std::uint64_t c = crc;
    while (len >= 8) {
        c = _mm_crc32_u64(c, load<std::uint64_t>(p));
        p += 8;
        len -= 8;
    }
    crc = static_cast<std::uint32_t>(c);
#endif
    while (len >= 4) {
        crc = _mm_crc32_u32(crc, load<std::uint32_t>(p));
        p += 4;
        len -= 4;
    }
    while (len--) crc = _mm_crc32_u8(crc, *p++);
    return crc;
}

bool crc32c_hardware_available() { return __builtin_cpu_supports("sse4.2"); }
#else
pg_crc32c crc32c_update_sse42(pg_crc32c crc, const std::uint8_t* p, std::size_t len) {
    return crc32c_update_portable(crc, p, len);
}
bool crc32c_hardware_available() { return false; }
#endif

pg_crc32c crc32c_update(pg_crc32c crc, const std::uint8_t* data, std::size_t len) {
    static const UpdateFn update = choose_update();  // decided once, never changes
    return update(crc, data, len);
}

}  // namespace understudy
