#include "redo/storage/mask.h"

#include <cstring>

#include <fmt/format.h>

#include "redo/storage/page.h"

namespace understudy::storage {

void mask_page_lsn_and_checksum(std::uint8_t* page) {
    page_set_lsn(page, MASK_MARKER);
    set_pd_checksum(page, MASK_MARKER);
}

void mask_page_hint_bits(std::uint8_t* page) {
    set_pd_prune_xid(page, MASK_MARKER);
    page_clear_flag(page, PD_PAGE_FULL);
    page_clear_flag(page, PD_HAS_FREE_LINES);
    page_clear_flag(page, PD_ALL_VISIBLE);
}

Result<void> mask_unused_space(std::uint8_t* page) {
    const int lower = pd_lower(page), upper = pd_upper(page), special = pd_special(page);
    if (lower > upper || special < upper || lower < static_cast<int>(SizeOfPageHeaderData) ||
        special > static_cast<int>(BLCKSZ))
        return make_error(fmt::format("invalid page pd_lower {} pd_upper {} pd_special {}", lower, upper, special));
    std::memset(page + lower, MASK_MARKER, static_cast<std::size_t>(upper - lower));
    return {};
}

void mask_lp_flags(std::uint8_t* page) {
    const OffsetNumber maxoff = page_get_max_offset_number(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; ++off) {
        ItemIdData id = page_get_item_id(page, off);
        if (id.is_used()) {
            id.lp_flags = LP_UNUSED;
            page_set_item_id(page, off, id);
        }
    }
}

void mask_page_content(std::uint8_t* page) {
    std::memset(page + SizeOfPageHeaderData, MASK_MARKER, BLCKSZ - SizeOfPageHeaderData);
    set_pd_lower(page, MASK_MARKER);
    set_pd_upper(page, MASK_MARKER);
}

std::optional<std::size_t> first_page_difference(const std::uint8_t* a, const std::uint8_t* b) {
    if (std::memcmp(a, b, BLCKSZ) == 0) return std::nullopt;
    for (std::size_t i = 0; i < BLCKSZ; ++i)
        if (a[i] != b[i]) return i;
    return std::nullopt;
}

}  // namespace understudy::storage
