// CRC-32C (Castagnoli), as PostgreSQL computes it for WAL records (src/include/port/pg_crc32c.h,
// PG15): INIT_CRC32C -> crc32c_init(), COMP_CRC32C -> crc32c_update(), FIN_CRC32C ->
// crc32c_finish(). The SSE4.2 `crc32` instruction is used when the CPU has it (chosen once at
// run time); otherwise a portable slicing-by-8 table implementation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace understudy {

using pg_crc32c = std::uint32_t;

inline constexpr pg_crc32c crc32c_init() { return 0xFFFFFFFFu; }
inline constexpr pg_crc32c crc32c_finish(pg_crc32c crc) { return crc ^ 0xFFFFFFFFu; }

// COMP_CRC32C: folds `len` bytes into a running CRC (dispatches to the fastest implementation).
pg_crc32c crc32c_update(pg_crc32c crc, const std::uint8_t* data, std::size_t len);

// The implementation crc32c_update() dispatches to, for a hot loop to call directly.
using Crc32cUpdateFn = pg_crc32c (*)(pg_crc32c, const std::uint8_t*, std::size_t);
Crc32cUpdateFn crc32c_update_function();

// The two implementations, exposed for tests and benchmarks.
pg_crc32c crc32c_update_portable(pg_crc32c crc, const std::uint8_t* data, std::size_t len);
// Only call when crc32c_hardware_available().
pg_crc32c crc32c_update_sse42(pg_crc32c crc, const std::uint8_t* data, std::size_t len);
bool crc32c_hardware_available();

// The finished CRC-32C of a buffer ("123456789" -> 0xE3069283).
inline pg_crc32c crc32c(std::span<const std::uint8_t> data) {
    return crc32c_finish(crc32c_update(crc32c_init(), data.data(), data.size()));
}

}  // namespace understudy
