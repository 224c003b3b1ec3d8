// Data page checksums (storage/checksum_impl.h, PG15; unchanged 9.3-18): FNV-1a-like mixing of
// the 8 kB page as 32 parallel 32-bit lanes, the block number folded in, reduced to 1..65535.
// A cluster initialised with --data-checksums (pg_control's data_checksum_version != 0) has it
// in pd_checksum of every initialised page it writes; a full directory's pages must carry it too
// or the server that takes the directory over refuses them ("page verification failed").
#pragma once

#include <cstdint>

#include "common/lsn.h"

namespace understudy::storage {

// pg_checksum_page: the checksum of `page` (BLCKSZ bytes) as block `blkno` of its relation fork,
// computed with pd_checksum taken as zero. The page must not be new (pd_upper != 0).
std::uint16_t page_checksum(const std::uint8_t* page, std::uint32_t blkno);

// PageSetChecksumInplace: sets pd_checksum unless the page is new (all-zero pages carry none).
void set_page_checksum(std::uint8_t* page, std::uint32_t blkno);

}  // namespace understudy::storage
