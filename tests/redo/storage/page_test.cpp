// Page primitives against the behaviour of PostgreSQL 15's bufpage.c, worked out by hand from
// its code (offsets below are computed in the comments). Real pages from a running PostgreSQL
// are checked in storage_pg_test.cpp.
#include <doctest/doctest.h>

#include <array>
#include <cstring>
#include <vector>

#include "common/bytes.h"
#include "redo/storage/page.h"

using namespace understudy;
using namespace understudy::storage;

namespace {

using Page = std::array<std::uint8_t, BLCKSZ>;

std::vector<std::uint8_t> item(std::size_t len, std::uint8_t fill) { return std::vector<std::uint8_t>(len, fill); }

Page fresh_page(std::size_t special = 0) {
    Page p;
    p.fill(0xEE);
    page_init(p.data(), special);
    return p;
}

// Item bytes at offnum.
std::vector<std::uint8_t> item_bytes(const Page& p, OffsetNumber off) {
    ItemIdData id = page_get_item_id(p.data(), off);
    return {p.begin() + id.lp_off, p.begin() + id.lp_off + id.lp_len};
}

}  // namespace

TEST_CASE("layout constants match PostgreSQL 15 on 64-bit") {
    CHECK(MaxHeapTuplesPerPage == 291);
    CHECK(MaxIndexTuplesPerPage == 408);
    CHECK(MAXALIGN(1) == 8);
    CHECK(MAXALIGN(8) == 8);
    CHECK(MAXALIGN(23) == 24);
}

TEST_CASE("PageInit: zeroed page with header fields, special space MAXALIGNed") {
    Page p = fresh_page(13);  // MAXALIGN(13) = 16
    CHECK(pd_lower(p.data()) == 24);
    CHECK(pd_upper(p.data()) == 8176);
    CHECK(pd_special(p.data()) == 8176);
    CHECK(pd_pagesize_version(p.data()) == 0x2004);
    CHECK(page_get_page_size(p.data()) == 8192);
    CHECK(page_get_page_layout_version(p.data()) == 4);
    CHECK(page_get_special_size(p.data()) == 16);
    // Bytes 0..11 and 20..23 and everything after the header are zero.
    for (std::size_t i = 0; i < BLCKSZ; ++i) {
        if (i >= 12 && i < 20) continue;
        if (p[i] != 0) {
            FAIL("byte " << i << " not zero");
            break;
        }
    }
    CHECK(p[12] == 24);
    CHECK(p[13] == 0);
    CHECK(p[18] == 0x04);
    CHECK(p[19] == 0x20);
    CHECK_FALSE(page_is_new(p.data()));
    CHECK(page_is_empty(p.data()));
    CHECK(page_get_max_offset_number(p.data()) == 0);
    Page zero{};
    CHECK(page_is_new(zero.data()));
}

TEST_CASE("pd_lsn is {xlogid, xrecoff}: high half first") {
    Page p = fresh_page();
    page_set_lsn(p.data(), 0x0000001600B374D8ull);
    CHECK(load<std::uint32_t>(p.data()) == 0x16);
    CHECK(load<std::uint32_t>(p.data() + 4) == 0x00B374D8u);
    CHECK(page_get_lsn(p.data()) == 0x0000001600B374D8ull);
    auto h = page_header(p.data());
    CHECK(h.pd_lsn == 0x0000001600B374D8ull);
    h.pd_prune_xid = 1234;
    h.pd_checksum = 0xBEEF;
    set_page_header(p.data(), h);
    CHECK(pd_prune_xid(p.data()) == 1234);
    CHECK(load<std::uint16_t>(p.data() + 8) == 0xBEEF);
}

TEST_CASE("ItemIdData bit fields: lp_off low 15 bits, lp_flags 2, lp_len high 15") {
    auto id = ItemIdData::normal(8152, 28);
    CHECK(id.pack() == (8152u | (1u << 15) | (28u << 17)));
    CHECK(ItemIdData::unpack(id.pack()) == id);
    CHECK(ItemIdData::redirect(5).pack() == (5u | (2u << 15)));
    CHECK(ItemIdData::dead().pack() == (3u << 15));
    CHECK(ItemIdData::unpack(0xFFFFFFFFu) == ItemIdData{0x7FFF, 3, 0x7FFF});
    Page p = fresh_page();
    set_pd_lower(p.data(), 28);
    page_set_item_id(p.data(), 1, ItemIdData::normal(8160, 32));
    page_mark_item_dead(p.data(), 1);
    CHECK(page_get_item_id(p.data(), 1) == ItemIdData{8160, LP_DEAD, 32});
}

TEST_CASE("PageAddItemExtended: append, placement and refusal rules") {
    Page p = fresh_page();
    auto a = item(28, 0xA1), b = item(40, 0xB2), c = item(9, 0xC3);
    CHECK(page_add_item_extended(p.data(), a, InvalidOffsetNumber, PAI_IS_HEAP) == 1);
    // upper = 8192 - MAXALIGN(28)=32 -> 8160; lower = 28
    CHECK(pd_upper(p.data()) == 8160);
    CHECK(pd_lower(p.data()) == 28);
    CHECK(page_get_item_id(p.data(), 1) == ItemIdData::normal(8160, 28));
    CHECK(page_add_item_extended(p.data(), b, InvalidOffsetNumber, PAI_IS_HEAP) == 2);
    CHECK(pd_upper(p.data()) == 8120);
    CHECK(page_get_item_id(p.data(), 2) == ItemIdData::normal(8120, 40));
    CHECK(item_bytes(p, 2) == b);
    // The 3 bytes after a 28-byte item keep what was there (PageInit zeroed them).
    CHECK(p[8160 + 28] == 0);

    SUBCASE("offset beyond limit is refused") {
        CHECK(page_add_item_extended(p.data(), c, 4, 0) == InvalidOffsetNumber);
        CHECK(pd_lower(p.data()) == 32);
    }
    SUBCASE("insert at 1 without overwrite shifts the line pointers") {
        CHECK(page_add_item_extended(p.data(), c, 1, 0) == 1);
        CHECK(pd_lower(p.data()) == 36);
        CHECK(pd_upper(p.data()) == 8104);  // 8120 - MAXALIGN(9)=16
        CHECK(page_get_item_id(p.data(), 1) == ItemIdData::normal(8104, 9));
        CHECK(page_get_item_id(p.data(), 2) == ItemIdData::normal(8160, 28));
        CHECK(page_get_item_id(p.data(), 3) == ItemIdData::normal(8120, 40));
    }
    SUBCASE("overwrite refuses a used slot, fills an unused one without growing lower") {
        CHECK(page_add_item_extended(p.data(), c, 1, PAI_OVERWRITE) == InvalidOffsetNumber);
        page_set_item_id(p.data(), 1, ItemIdData::unused());
        CHECK(page_add_item_extended(p.data(), c, 1, PAI_OVERWRITE) == 1);
        CHECK(pd_lower(p.data()) == 32);
        CHECK(page_get_item_id(p.data(), 1) == ItemIdData::normal(8104, 9));
        // overwrite at limit appends
        CHECK(page_add_item_extended(p.data(), c, 3, PAI_OVERWRITE) == 3);
        CHECK(pd_lower(p.data()) == 36);
    }
    SUBCASE("free slot search honours and repairs the PD_HAS_FREE_LINES hint") {
        page_set_item_id(p.data(), 1, ItemIdData::unused());
        // Without the hint, the item goes to the end.
        CHECK(page_add_item_extended(p.data(), c, InvalidOffsetNumber, 0) == 3);
        page_set_flag(p.data(), PD_HAS_FREE_LINES);
        CHECK(page_add_item_extended(p.data(), c, InvalidOffsetNumber, 0) == 1);
        CHECK(page_has_free_line_pointers(p.data()));  // not cleared: a slot was found
        CHECK(page_add_item_extended(p.data(), c, InvalidOffsetNumber, 0) == 4);
        CHECK_FALSE(page_has_free_line_pointers(p.data()));  // wrong hint cleared
    }
    SUBCASE("an item that does not fit is refused and the page is unchanged") {
        Page before = p;
        auto big = item(8192 - 32 - 40 - 32 + 1, 0x77);
        CHECK(page_add_item_extended(p.data(), big, InvalidOffsetNumber, 0) == InvalidOffsetNumber);
        CHECK(p == before);
        auto too_big = item(8081, 0x77);  // MAXALIGN 8088: upper 8120 - 8088 = 32 < lower 36
        CHECK(page_add_item_extended(p.data(), too_big, InvalidOffsetNumber, 0) == InvalidOffsetNumber);
        auto fits = item(8080, 0x77);  // upper 8120 - 8080 = 40, lower 36
        CHECK(page_add_item_extended(p.data(), fits, InvalidOffsetNumber, 0) == 3);
        CHECK(pd_upper(p.data()) == 40);
        CHECK(page_get_exact_free_space(p.data()) == 4);
        CHECK(page_get_free_space(p.data()) == 0);
    }
}

TEST_CASE("PageAddItemExtended: a heap page takes at most MaxHeapTuplesPerPage items") {
    Page p = fresh_page();
    auto tiny = item(1, 0x01);  // 8 bytes of storage + 4 of line pointer each
    for (int i = 1; i <= 291; ++i) REQUIRE(page_add_item_extended(p.data(), tiny, InvalidOffsetNumber, PAI_IS_HEAP) == i);
    CHECK(page_add_item_extended(p.data(), tiny, InvalidOffsetNumber, PAI_IS_HEAP) == InvalidOffsetNumber);
    CHECK(page_get_heap_free_space(p.data()) == 0);
    CHECK(page_get_free_space(p.data()) > 0);
    // Not a heap page: no such limit.
    CHECK(page_add_item_extended(p.data(), tiny, InvalidOffsetNumber, 0) == 292);
    // With an unused line pointer and the hint, heap free space is back.
    page_set_item_id(p.data(), 7, ItemIdData::unused());
    CHECK(page_get_heap_free_space(p.data()) == 0);  // no hint: PageAddItem would not look
    page_set_flag(p.data(), PD_HAS_FREE_LINES);
    CHECK(page_get_heap_free_space(p.data()) == page_get_free_space(p.data()));
}

TEST_CASE("free space functions") {
    Page p = fresh_page();
    CHECK(page_get_exact_free_space(p.data()) == 8168);
    CHECK(page_get_free_space(p.data()) == 8164);
    CHECK(page_get_free_space_for_multiple_tuples(p.data(), 3) == 8156);
    CHECK(page_get_heap_free_space(p.data()) == 8164);
    set_pd_upper(p.data(), 26);
    CHECK(page_get_free_space(p.data()) == 0);
    CHECK(page_get_exact_free_space(p.data()) == 2);
    set_pd_upper(p.data(), 20);
    CHECK(page_get_exact_free_space(p.data()) == 0);
}

TEST_CASE("PageRepairFragmentation: compacts in line pointer order, leaves stale bytes, trims trailing unused") {
    Page p = fresh_page();
    auto a = item(24, 0xA1), b = item(40, 0xB2), c = item(20, 0xC3), d = item(16, 0xD4);
    REQUIRE(page_add_item_extended(p.data(), a, 0, PAI_IS_HEAP) == 1);  // 8168..8191
    REQUIRE(page_add_item_extended(p.data(), b, 0, PAI_IS_HEAP) == 2);  // 8128..8167
    REQUIRE(page_add_item_extended(p.data(), c, 0, PAI_IS_HEAP) == 3);  // 8104..8123 (+4 pad)
    REQUIRE(page_add_item_extended(p.data(), d, 0, PAI_IS_HEAP) == 4);  // 8088..8103
    page_set_item_id(p.data(), 2, ItemIdData::dead());                   // pruned: no storage
    page_set_item_id(p.data(), 4, ItemIdData{8088, LP_UNUSED, 0});       // unused with a stale offset
    Page before = p;
    REQUIRE(page_repair_fragmentation(p.data()));
    // Item 1 stays at 8168; item 3 (24 aligned bytes) moves to 8144.
    CHECK(page_get_item_id(p.data(), 1) == ItemIdData::normal(8168, 24));
    CHECK(page_get_item_id(p.data(), 2) == ItemIdData::dead());
    CHECK(page_get_item_id(p.data(), 3) == ItemIdData::normal(8144, 20));
    CHECK(item_bytes(p, 3) == c);
    // The padding moved along with the item.
    CHECK(std::memcmp(p.data() + 8144, before.data() + 8104, 24) == 0);
    CHECK(pd_upper(p.data()) == 8144);
    // The trailing unused pointer 4 is cut; no unused pointer remains, so no hint.
    CHECK(pd_lower(p.data()) == 24 + 3 * 4);
    CHECK(page_get_max_offset_number(p.data()) == 3);
    CHECK_FALSE(page_has_free_line_pointers(p.data()));
    // It was reset before being cut (ItemIdSetUnused), and bytes below pd_upper are untouched.
    CHECK(load<std::uint32_t>(p.data() + 24 + 3 * 4) == 0);
    CHECK(std::memcmp(p.data() + 40, before.data() + 40, 8144 - 40) == 0);
}

TEST_CASE("PageRepairFragmentation: out-of-order storage, unused in the middle sets the hint") {
    Page p = fresh_page();
    auto a = item(8, 0xA1), b = item(8, 0xB2), c = item(8, 0xC3);
    REQUIRE(page_add_item_extended(p.data(), a, 0, 0) == 1);  // 8184
    REQUIRE(page_add_item_extended(p.data(), b, 0, 0) == 2);  // 8176
    REQUIRE(page_add_item_extended(p.data(), c, 1, 0) == 1);  // 8168, shifted: order c, a, b
    page_set_item_id(p.data(), 2, ItemIdData::unused());      // drop a
    REQUIRE(page_repair_fragmentation(p.data()));
    // Line pointer order: 1 (c) is stacked first at 8184, then 3 (b) at 8176.
    CHECK(page_get_item_id(p.data(), 1) == ItemIdData::normal(8184, 8));
    CHECK(page_get_item_id(p.data(), 3) == ItemIdData::normal(8176, 8));
    CHECK(item_bytes(p, 1) == c);
    CHECK(item_bytes(p, 3) == b);
    CHECK(pd_upper(p.data()) == 8176);
    CHECK(page_has_free_line_pointers(p.data()));
    CHECK(page_get_max_offset_number(p.data()) == 3);
}

TEST_CASE("PageRepairFragmentation: corrupt pointers are errors, page unchanged") {
    Page p = fresh_page();
    set_pd_lower(p.data(), 10);
    auto r = page_repair_fragmentation(p.data());
    REQUIRE_FALSE(r);
    CHECK(r.message() == "corrupted page pointers: lower = 10, upper = 8192, special = 8192");
    p = fresh_page();
    REQUIRE(page_add_item_extended(p.data(), item(8, 1), 0, 0) == 1);
    page_set_item_id(p.data(), 1, ItemIdData::normal(30, 8));
    r = page_repair_fragmentation(p.data());
    REQUIRE_FALSE(r);
    CHECK(r.message() == "corrupted line pointer: 30");
}

TEST_CASE("PageTruncateLinePointerArray: keeps at least one pointer, sets hint for inner unused") {
    Page p = fresh_page();
    for (int i = 0; i < 5; ++i) REQUIRE(page_add_item_extended(p.data(), item(8, 1), 0, PAI_IS_HEAP));
    page_set_item_id(p.data(), 2, ItemIdData::unused());
    page_set_item_id(p.data(), 4, ItemIdData::unused());
    page_set_item_id(p.data(), 5, ItemIdData::unused());
    page_truncate_line_pointer_array(p.data());
    CHECK(page_get_max_offset_number(p.data()) == 3);
    CHECK(page_has_free_line_pointers(p.data()));
    page_set_item_id(p.data(), 1, ItemIdData::unused());
    page_set_item_id(p.data(), 3, ItemIdData::unused());
    page_truncate_line_pointer_array(p.data());
    CHECK(page_get_max_offset_number(p.data()) == 1);  // never zero line pointers
    CHECK(page_has_free_line_pointers(p.data()));      // the one left is unused
    page_set_item_id(p.data(), 1, ItemIdData::normal(8184, 8));
    page_set_item_id(p.data(), 2, ItemIdData::unused());
    set_pd_lower(p.data(), 24 + 2 * 4);
    page_truncate_line_pointer_array(p.data());
    CHECK(page_get_max_offset_number(p.data()) == 1);
    CHECK_FALSE(page_has_free_line_pointers(p.data()));
}

TEST_CASE("PageIndexTupleDelete: line pointer array and data both close up") {
    Page p = fresh_page(16);  // special at 8176
    auto a = item(16, 0xA1), b = item(12, 0xB2), c = item(16, 0xC3);
    REQUIRE(page_add_item_extended(p.data(), a, 1, 0) == 1);  // 8160
    REQUIRE(page_add_item_extended(p.data(), b, 2, 0) == 2);  // 8144 (16 aligned)
    REQUIRE(page_add_item_extended(p.data(), c, 3, 0) == 3);  // 8128
    REQUIRE(page_index_tuple_delete(p.data(), 2));
    CHECK(page_get_max_offset_number(p.data()) == 2);
    CHECK(pd_upper(p.data()) == 8144);
    CHECK(page_get_item_id(p.data(), 1) == ItemIdData::normal(8160, 16));
    CHECK(page_get_item_id(p.data(), 2) == ItemIdData::normal(8144, 16));  // c moved up 16
    CHECK(item_bytes(p, 2) == c);
    CHECK(item_bytes(p, 1) == a);
    // The stale last line pointer slot keeps c's old pointer (memmove leaves it).
    CHECK(load<std::uint32_t>(p.data() + 32) == ItemIdData::normal(8128, 16).pack());
    CHECK_FALSE(page_index_tuple_delete(p.data(), 3));
    CHECK_FALSE(page_index_tuple_delete(p.data(), 0));
    REQUIRE(page_index_tuple_delete(p.data(), 1));
    REQUIRE(page_index_tuple_delete(p.data(), 1));
    CHECK(page_is_empty(p.data()));
    CHECK(pd_upper(p.data()) == 8176);
}

TEST_CASE("PageIndexMultiDelete: same live content as retail deletes, exact layout") {
    Page base = fresh_page(16);
    for (int i = 1; i <= 8; ++i)
        REQUIRE(page_add_item_extended(base.data(), item(8 + static_cast<std::size_t>(i), static_cast<std::uint8_t>(i)),
                                       static_cast<OffsetNumber>(i), 0) == i);
    Page multi = base, retail = base;
    const std::vector<OffsetNumber> del{2, 3, 6, 8};
    REQUIRE(page_index_multi_delete(multi.data(), del));
    for (auto it = del.rbegin(); it != del.rend(); ++it) REQUIRE(page_index_tuple_delete(retail.data(), *it));
    REQUIRE(page_get_max_offset_number(multi.data()) == 4);
    CHECK(pd_lower(multi.data()) == pd_lower(retail.data()));
    CHECK(pd_upper(multi.data()) == pd_upper(retail.data()));
    for (OffsetNumber o = 1; o <= 4; ++o) {
        CHECK(page_get_item_id(multi.data(), o) == page_get_item_id(retail.data(), o));
        CHECK(item_bytes(multi, o) == item_bytes(retail, o));
    }
    // Survivors 1,4,5,7 (lengths 9,12,13,15 -> 16 aligned each) stacked from 8176 down.
    CHECK(page_get_item_id(multi.data(), 1) == ItemIdData::normal(8160, 9));
    CHECK(page_get_item_id(multi.data(), 2) == ItemIdData::normal(8144, 12));
    CHECK(page_get_item_id(multi.data(), 3) == ItemIdData::normal(8128, 13));
    CHECK(page_get_item_id(multi.data(), 4) == ItemIdData::normal(8112, 15));
    CHECK(item_bytes(multi, 4) == item(15, 7));
    // Unordered offsets are refused.
    Page bad = base;
    const std::vector<OffsetNumber> unordered{5, 2, 3};
    CHECK_FALSE(page_index_multi_delete(bad.data(), unordered));
    // Deleting everything empties the page.
    Page all = base;
    const std::vector<OffsetNumber> every{1, 2, 3, 4, 5, 6, 7, 8};
    REQUIRE(page_index_multi_delete(all.data(), every));
    CHECK(page_is_empty(all.data()));
    CHECK(pd_upper(all.data()) == 8176);
}

TEST_CASE("PageIndexTupleDeleteNoCompact: middle becomes unused, last is removed") {
    Page p = fresh_page();
    REQUIRE(page_add_item_extended(p.data(), item(8, 1), 1, 0) == 1);   // 8184
    REQUIRE(page_add_item_extended(p.data(), item(8, 2), 2, 0) == 2);   // 8176
    REQUIRE(page_add_item_extended(p.data(), item(8, 3), 3, 0) == 3);   // 8168
    REQUIRE(page_index_tuple_delete_no_compact(p.data(), 2));
    CHECK(page_get_max_offset_number(p.data()) == 3);
    CHECK(page_get_item_id(p.data(), 2) == ItemIdData::unused());
    CHECK(page_get_item_id(p.data(), 3) == ItemIdData::normal(8176, 8));
    CHECK(item_bytes(p, 3) == item(8, 3));
    CHECK(pd_upper(p.data()) == 8176);
    REQUIRE(page_index_tuple_delete_no_compact(p.data(), 3));
    CHECK(page_get_max_offset_number(p.data()) == 2);
    CHECK(pd_upper(p.data()) == 8184);
}

TEST_CASE("PageIndexTupleOverwrite: grows, shrinks, keeps flags, refuses what does not fit") {
    Page p = fresh_page();
    REQUIRE(page_add_item_extended(p.data(), item(8, 1), 1, 0) == 1);   // 8184
    REQUIRE(page_add_item_extended(p.data(), item(16, 2), 2, 0) == 2);  // 8168
    REQUIRE(page_add_item_extended(p.data(), item(8, 3), 3, 0) == 3);   // 8160
    page_mark_item_dead(p.data(), 2);
    auto r = page_index_tuple_overwrite(p.data(), 2, item(30, 9));     // 16 -> 32: data before moves down 16
    REQUIRE(r);
    CHECK(*r);
    CHECK(page_get_item_id(p.data(), 2) == ItemIdData{8152, LP_DEAD, 30});
    CHECK(page_get_item_id(p.data(), 3) == ItemIdData::normal(8144, 8));
    CHECK(page_get_item_id(p.data(), 1) == ItemIdData::normal(8184, 8));
    CHECK(item_bytes(p, 2) == item(30, 9));
    CHECK(item_bytes(p, 3) == item(8, 3));
    CHECK(pd_upper(p.data()) == 8144);
    r = page_index_tuple_overwrite(p.data(), 2, item(4, 5));  // 32 -> 8
    REQUIRE(r);
    CHECK(page_get_item_id(p.data(), 2) == ItemIdData{8176, LP_DEAD, 4});
    CHECK(page_get_item_id(p.data(), 3) == ItemIdData::normal(8168, 8));
    CHECK(pd_upper(p.data()) == 8168);
    Page before = p;
    r = page_index_tuple_overwrite(p.data(), 1, item(8200, 1));
    REQUIRE(r);
    CHECK_FALSE(*r);
    CHECK(p == before);
}

TEST_CASE("PageSetPrunable keeps the oldest xid, modulo 2^32; temp page copy of special") {
    Page p = fresh_page(16);
    page_set_prunable(p.data(), 1000);
    page_set_prunable(p.data(), 2000);
    CHECK(pd_prune_xid(p.data()) == 1000);
    page_set_prunable(p.data(), 900);
    CHECK(pd_prune_xid(p.data()) == 900);
    set_pd_prune_xid(p.data(), 5);
    page_set_prunable(p.data(), 0xFFFFFFF0u);  // wrapped around: precedes 5
    CHECK(pd_prune_xid(p.data()) == 0xFFFFFFF0u);
    page_clear_prunable(p.data());
    CHECK(pd_prune_xid(p.data()) == 0);

    std::memset(p.data() + 8176, 0x5A, 16);
    REQUIRE(page_add_item_extended(p.data(), item(8, 1), 0, 0) == 1);
    Page t;
    t.fill(0xEE);
    page_get_temp_page_copy_special(p.data(), t.data());
    CHECK(pd_special(t.data()) == 8176);
    CHECK(page_get_max_offset_number(t.data()) == 0);
    CHECK(t[8176] == 0x5A);
    CHECK(t[8191] == 0x5A);
    CHECK(t[8175] == 0);
}
