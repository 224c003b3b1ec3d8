// The common page masking helpers of wal_consistency_checking, mirroring PostgreSQL 15's
// src/backend/access/common/bufmask.c. Each rmgr's mask routine (heap_mask, btree_mask, ...)
// is built from these; they overwrite what may legitimately differ between the primary's page
// image and the replayed page with MASK_MARKER.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/result.h"

namespace understudy::storage {

// bufmask.h: the byte masked fields are set to.
inline constexpr std::uint8_t MASK_MARKER = 0;

// mask_page_lsn_and_checksum (PG15): pd_lsn and pd_checksum := MASK_MARKER.
void mask_page_lsn_and_checksum(std::uint8_t* page);

// mask_page_hint_bits (PG15): pd_prune_xid := MASK_MARKER and clears PD_PAGE_FULL,
// PD_HAS_FREE_LINES and PD_ALL_VISIBLE.
void mask_page_hint_bits(std::uint8_t* page);

// mask_unused_space (PG15): [pd_lower, pd_upper) := MASK_MARKER. PostgreSQL raises an ERROR on
// inconsistent pointers; this returns it, naming the pointers, and leaves the page as is.
Result<void> mask_unused_space(std::uint8_t* page);

// mask_lp_flags (PG15): every used line pointer's lp_flags := LP_UNUSED (offset and length
// kept).
void mask_lp_flags(std::uint8_t* page);

// mask_page_content (PG15): everything after the page header, and pd_lower / pd_upper,
// := MASK_MARKER.
void mask_page_content(std::uint8_t* page);

// The first byte offset at which two pages differ (for mismatch reports), or nullopt.
std::optional<std::size_t> first_page_difference(const std::uint8_t* a, const std::uint8_t* b);

}  // namespace understudy::storage
