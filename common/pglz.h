// Decompressor for PostgreSQL's pglz format (src/common/pg_lzcompress.c, PG15), used for full
// page images written with wal_compression = pglz. Written from the format description:
//
//   The stream is a sequence of groups: one control byte, then up to 8 items, one per control
//   bit from the least significant up. Bit 0: a literal byte, copied as is. Bit 1: a match tag
//   of 2 or 3 bytes: length = (b0 & 0x0F) + 3, offset = ((b0 & 0xF0) << 4) | b1; when the
//   length is 18 a third byte adds 0..255. The match copies `length` bytes from `offset` bytes
//   back in the output (the regions may overlap: a repeating pattern).
#pragma once

#include <cstdint>
#include <span>

namespace understudy {

// Decompresses `source` into `dest` (dest.size() is the raw size wanted). Returns the number of
// bytes written, or -1 for corrupt input (a match reaching before the start of the output, a
// zero offset, a tag cut short). With `check_complete`, also -1 unless exactly all of `source`
// was consumed and all of `dest` filled (as PostgreSQL's RestoreBlockImage requires).
int pglz_decompress(std::span<const std::uint8_t> source, std::span<std::uint8_t> dest,
                    bool check_complete);

}  // namespace understudy
