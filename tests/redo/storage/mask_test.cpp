// Masking helpers as src/backend/access/common/bufmask.c (PG15) defines them.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <vector>

#include "common/bytes.h"
#include "redo/storage/mask.h"
#include "redo/storage/page.h"

using namespace understudy;
using namespace understudy::storage;

namespace {

using Page = std::array<std::uint8_t, BLCKSZ>;

// A page with three items, a special space, and every header field non-zero.
Page busy_page() {
    Page p;
    p.fill(0xEE);
    page_init(p.data(), 16);
    std::vector<std::uint8_t> it(20, 0x41);
    for (int i = 0; i < 3; ++i) REQUIRE(page_add_item_extended(p.data(), it, InvalidOffsetNumber, 0) == i + 1);
    std::fill(p.begin() + pd_lower(p.data()), p.begin() + pd_upper(p.data()), 0x99);  // stale free space
    std::fill(p.begin() + 8176, p.end(), 0x5A);
    page_set_lsn(p.data(), 0x0000000300001234ull);
    set_pd_checksum(p.data(), 0xABCD);
    set_pd_flags(p.data(), PD_HAS_FREE_LINES | PD_PAGE_FULL | PD_ALL_VISIBLE);
    set_pd_prune_xid(p.data(), 777);
    page_mark_item_dead(p.data(), 2);
    return p;
}

}  // namespace

TEST_CASE("mask_page_lsn_and_checksum zeroes bytes 0..9 only") {
    Page p = busy_page(), before = p;
    mask_page_lsn_and_checksum(p.data());
    for (int i = 0; i < 10; ++i) CHECK(p[static_cast<std::size_t>(i)] == 0);
    CHECK(std::equal(p.begin() + 10, p.end(), before.begin() + 10));
}

TEST_CASE("mask_page_hint_bits clears prune xid and the three flags, nothing else") {
    Page p = busy_page(), before = p;
    set_pd_flags(p.data(), static_cast<std::uint16_t>(pd_flags(p.data()) | 0x0100));  // an undefined bit stays
    before = p;
    mask_page_hint_bits(p.data());
    CHECK(pd_prune_xid(p.data()) == 0);
    CHECK(pd_flags(p.data()) == 0x0100);
    CHECK(std::equal(p.begin(), p.begin() + 10, before.begin()));
    CHECK(std::equal(p.begin() + 12, p.begin() + 20, before.begin() + 12));
    CHECK(std::equal(p.begin() + 24, p.end(), before.begin() + 24));
}

TEST_CASE("mask_unused_space zeroes exactly [pd_lower, pd_upper)") {
    Page p = busy_page(), before = p;
    REQUIRE(mask_unused_space(p.data()));
    const auto lower = pd_lower(p.data()), upper = pd_upper(p.data());
    CHECK(lower == 36);
    CHECK(upper == 8176 - 3 * 24);
    for (std::size_t i = 0; i < BLCKSZ; ++i) {
        if (i >= lower && i < upper) {
            if (p[i] != 0) FAIL("byte " << i << " not masked");
        } else if (p[i] != before[i]) {
            FAIL("byte " << i << " changed");
        }
    }
    set_pd_lower(p.data(), 20);
    auto r = mask_unused_space(p.data());
    REQUIRE_FALSE(r);
    CHECK(r.message() == "invalid page pd_lower 20 pd_upper 8104 pd_special 8176");
}

TEST_CASE("mask_lp_flags: used pointers become LP_UNUSED keeping offset and length") {
    Page p = busy_page();
    page_set_item_id(p.data(), 3, ItemIdData::unused());
    const auto lp1 = page_get_item_id(p.data(), 1), lp2 = page_get_item_id(p.data(), 2);
    mask_lp_flags(p.data());
    CHECK(page_get_item_id(p.data(), 1) == ItemIdData{lp1.lp_off, LP_UNUSED, lp1.lp_len});
    CHECK(page_get_item_id(p.data(), 2) == ItemIdData{lp2.lp_off, LP_UNUSED, lp2.lp_len});
    CHECK(page_get_item_id(p.data(), 3) == ItemIdData::unused());
}

TEST_CASE("mask_page_content keeps only lsn, checksum, flags, special, version, prune xid") {
    Page p = busy_page(), before = p;
    mask_page_content(p.data());
    CHECK(std::equal(p.begin(), p.begin() + 12, before.begin()));
    CHECK(pd_lower(p.data()) == 0);
    CHECK(pd_upper(p.data()) == 0);
    CHECK(std::equal(p.begin() + 16, p.begin() + 24, before.begin() + 16));
    CHECK(std::all_of(p.begin() + 24, p.end(), [](std::uint8_t b) { return b == 0; }));
}

TEST_CASE("two pages differing only in masked parts compare equal after masking") {
    Page a = busy_page(), b = busy_page();
    page_set_lsn(b.data(), 0x0000000400000000ull);
    set_pd_prune_xid(b.data(), 5);
    set_pd_flags(b.data(), 0);
    b[40] = 0x01;  // inside free space
    REQUIRE(first_page_difference(a.data(), b.data()));
    CHECK(*first_page_difference(a.data(), b.data()) == 0);
    for (auto* p : {a.data(), b.data()}) {
        mask_page_lsn_and_checksum(p);
        mask_page_hint_bits(p);
        REQUIRE(mask_unused_space(p));
    }
    CHECK_FALSE(first_page_difference(a.data(), b.data()));
    b[8180] ^= 1;  // special space is not masked here
    CHECK(*first_page_difference(a.data(), b.data()) == 8180);
}
