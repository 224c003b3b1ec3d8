// Unit tests of the nbtree helpers behind the Btree redo routines (redo/apply/nbtree_page.h)
// and of btree_mask. The routines themselves are checked against PostgreSQL's own pages in
// tests/integration/replay_btree_test.cpp; these pin down the tuple and page invariants
// nbtree.h / nbtdedup.c state (posting list layout, TID order, sizes) on hand-built tuples.
#include <doctest/doctest.h>

#include <array>
#include <cstring>
#include <vector>

#include "common/bytes.h"
#include "redo/apply/nbtree_page.h"
#include "redo/rmgr.h"
#include "redo/storage/page.h"

using namespace understudy;
using namespace understudy::redo::nbtree;

namespace {

using Page = std::array<std::uint8_t, BLCKSZ>;

// An ItemPointerData (6 bytes) for (block, offset).
std::array<std::uint8_t, 6> tid(BlockNumber blk, OffsetNumber off) {
    std::array<std::uint8_t, 6> t{};
    store<std::uint16_t>(t.data(), static_cast<std::uint16_t>(blk >> 16));
    store<std::uint16_t>(t.data() + 2, static_cast<std::uint16_t>(blk & 0xFFFF));
    store<std::uint16_t>(t.data() + 4, off);
    return t;
}

// A plain leaf tuple: heap TID, then an int4 key, MAXALIGNed to 16 bytes (as index_form_tuple).
Tuple plain_tuple(BlockNumber blk, OffsetNumber off, std::int32_t key) {
    Tuple t(16, 0);
    auto id = tid(blk, off);
    std::memcpy(t.data(), id.data(), 6);
    store<std::uint16_t>(t.data() + 6, 16);
    store<std::int32_t>(t.data() + 8, key);
    return t;
}

std::vector<std::uint8_t> tids(std::initializer_list<std::array<std::uint8_t, 6>> list) {
    std::vector<std::uint8_t> v;
    for (const auto& t : list) v.insert(v.end(), t.begin(), t.end());
    return v;
}

std::array<std::uint8_t, 6> posting_tid(const Tuple& t, int n) {
    std::array<std::uint8_t, 6> r{};
    std::memcpy(r.data(), t.data() + bt_tuple_get_posting_offset(t.data()) + 6 * n, 6);
    return r;
}

std::array<std::uint8_t, 6> tuple_tid(const Tuple& t) {
    std::array<std::uint8_t, 6> r{};
    std::memcpy(r.data(), t.data(), 6);
    return r;
}

}  // namespace

TEST_CASE("bt_form_posting: posting list layout of nbtree.h, one TID gives a plain tuple") {
    const Tuple base = plain_tuple(1, 1, 42);
    const auto list = tids({tid(1, 1), tid(1, 5), tid(7, 2)});
    Tuple p = bt_form_posting(base.data(), list, 3);
    CHECK(bt_tuple_is_posting(p.data()));
    CHECK_FALSE(bt_tuple_is_pivot(p.data()));
    CHECK(bt_tuple_get_n_posting(p.data()) == 3);
    CHECK(bt_tuple_get_posting_offset(p.data()) == 16);  // the key part, MAXALIGNed
    CHECK(index_tuple_size(p.data()) == 40);              // MAXALIGN(16 + 3 * 6)
    CHECK(p.size() == 40);
    CHECK(posting_tid(p, 2) == tid(7, 2));
    CHECK(load<std::int32_t>(p.data() + 8) == 42);

    Tuple one = bt_form_posting(p.data(), tids({tid(9, 9)}), 1);
    CHECK_FALSE(bt_tuple_is_posting(one.data()));
    CHECK(index_tuple_size(one.data()) == 16);
    CHECK(tuple_tid(one) == tid(9, 9));
    CHECK((index_tuple_t_info(one.data()) & INDEX_ALT_TID_MASK) == 0);
}

TEST_CASE("bt_update_posting equals forming the posting list from the TIDs kept") {
    const Tuple base = plain_tuple(1, 1, 7);
    const auto a = tid(1, 1), b = tid(1, 2), c = tid(2, 1), d = tid(3, 4);
    Tuple p = bt_form_posting(base.data(), tids({a, b, c, d}), 4);

    const std::uint16_t del1[] = {1};
    auto u1 = bt_update_posting(p.data(), del1);
    REQUIRE(u1.ok());
    CHECK(*u1 == bt_form_posting(base.data(), tids({a, c, d}), 3));

    const std::uint16_t del3[] = {0, 1, 3};
    auto u3 = bt_update_posting(p.data(), del3);
    REQUIRE(u3.ok());
    CHECK(*u3 == bt_form_posting(base.data(), tids({c}), 1));

    const std::uint16_t all[] = {0, 1, 2, 3};
    CHECK_FALSE(bt_update_posting(p.data(), all).ok());
    CHECK_FALSE(bt_update_posting(base.data(), del1).ok());  // not a posting list
}

TEST_CASE("bt_swap_posting: new TID goes into the list, the list's max TID into the new item") {
    const Tuple base = plain_tuple(1, 1, 3);
    Tuple oposting = bt_form_posting(base.data(), tids({tid(1, 1), tid(1, 3), tid(1, 5)}), 3);
    Tuple newitem = plain_tuple(1, 2, 3);
    auto np = bt_swap_posting(newitem, oposting.data(), 1);
    REQUIRE(np.ok());
    CHECK(np->size() == oposting.size());
    CHECK(posting_tid(*np, 0) == tid(1, 1));
    CHECK(posting_tid(*np, 1) == tid(1, 2));
    CHECK(posting_tid(*np, 2) == tid(1, 3));
    CHECK(tuple_tid(newitem) == tid(1, 5));

    Tuple other = plain_tuple(1, 2, 3);
    CHECK_FALSE(bt_swap_posting(other, oposting.data(), 0).ok());  // PostgreSQL's sanity check
    CHECK_FALSE(bt_swap_posting(other, oposting.data(), 3).ok());
}

TEST_CASE("dedup state machine merges duplicates into one posting tuple and records the interval") {
    Page page{};
    bt_pageinit(page.data());
    const Tuple t1 = plain_tuple(1, 1, 5), t2 = plain_tuple(1, 2, 5), t3 = plain_tuple(2, 1, 5);
    const Tuple u = plain_tuple(3, 1, 6);
    BTDedupState state = bt_dedup_state_for_replay();
    CHECK(state.maxpostingsize == 2704);  // BTMaxItemSize for BLCKSZ 8192

    bt_dedup_start_pending(state, t1.data(), 1);
    CHECK(bt_dedup_save_htid(state, t2.data()));
    CHECK(bt_dedup_save_htid(state, t3.data()));
    auto saving = bt_dedup_finish_pending(page.data(), state);
    REQUIRE(saving.ok());
    CHECK(*saving == 3 * (16 + 4) - (40 + 4));
    bt_dedup_start_pending(state, u.data(), 4);
    REQUIRE(bt_dedup_finish_pending(page.data(), state).ok());

    CHECK(state.nintervals == 1);
    CHECK(state.intervals[0].baseoff == 1);
    CHECK(state.intervals[0].nitems == 3);
    REQUIRE(storage::page_get_max_offset_number(page.data()) == 2);
    auto id1 = storage::page_get_item_id(page.data(), 1);
    const std::uint8_t* p1 = storage::page_get_item(page.data(), id1);
    CHECK(bt_tuple_is_posting(p1));
    CHECK(bt_tuple_get_n_posting(p1) == 3);
    auto id2 = storage::page_get_item_id(page.data(), 2);
    CHECK(std::memcmp(storage::page_get_item(page.data(), id2), u.data(), 16) == 0);
}

TEST_CASE("bt_restore_page rebuilds a page from its pd_upper .. pd_special bytes") {
    Page orig{};
    bt_pageinit(orig.data());
    for (int i = 1; i <= 20; i++) {
        Tuple t = plain_tuple(static_cast<BlockNumber>(i), 1, i * 3);
        REQUIRE(storage::page_add_item(orig.data(), t, static_cast<OffsetNumber>(i), false, false) == i);
    }
    const unsigned upper = storage::pd_upper(orig.data()), special = storage::pd_special(orig.data());
    Page restored{};
    bt_pageinit(restored.data());
    REQUIRE(bt_restore_page(restored.data(), {orig.data() + upper, special - upper}).ok());
    CHECK(restored == orig);

    // A tuple whose size runs past the data is an error, not a read past the end.
    std::vector<std::uint8_t> bad(orig.data() + upper, orig.data() + special);
    store<std::uint16_t>(bad.data() + 6, 0x1000);
    Page p2{};
    bt_pageinit(p2.data());
    CHECK_FALSE(bt_restore_page(p2.data(), bad).ok());
}

TEST_CASE("metapage, deleted page and half-dead high key layouts") {
    Page meta{};
    xl_btree_metadata md{4, 3, 1, 3, 1, 0, 1};
    bt_write_meta(meta.data(), md);
    CHECK(storage::pd_lower(meta.data()) == 72);  // just past BTMetaPageData
    CHECK(load<std::uint32_t>(meta.data() + 24) == BTREE_MAGIC);
    CHECK(load<double>(meta.data() + 24 + 32) == -1.0);
    CHECK(bt_page_get_opaque(meta.data()).btpo_flags == BTP_META);

    Page del{};
    bt_pageinit(del.data());
    bt_page_set_deleted(del.data(), FullTransactionId{(std::uint64_t{2} << 32) | 1234});
    const BTPageOpaqueData o = bt_page_get_opaque(del.data());
    CHECK(o.btpo_flags == (BTP_DELETED | BTP_HAS_FULLXID));
    CHECK(storage::pd_lower(del.data()) == 32);
    CHECK(storage::pd_upper(del.data()) == storage::pd_special(del.data()));
    CHECK(load<std::uint64_t>(del.data() + 24) == ((std::uint64_t{2} << 32) | 1234));

    Tuple hk = bt_half_dead_high_key(77);
    CHECK(index_tuple_size(hk.data()) == 8);
    CHECK(bt_tuple_is_pivot(hk.data()));
    CHECK(bt_tuple_get_downlink(hk.data()) == 77);
}

TEST_CASE("btree_mask hides LP_DEAD hints on leaves, BTP_HAS_GARBAGE, BTP_SPLIT_END and the cycle id") {
    Page a{};
    bt_pageinit(a.data());
    BTPageOpaqueData o;
    o.btpo_flags = BTP_LEAF;
    bt_page_set_opaque(a.data(), o);
    for (int i = 1; i <= 3; i++)
        REQUIRE(storage::page_add_item(a.data(), plain_tuple(1, static_cast<OffsetNumber>(i), i),
                                       static_cast<OffsetNumber>(i), false, false) == i);
    Page b = a;
    storage::page_mark_item_dead(b.data(), 2);
    o.btpo_flags = BTP_LEAF | BTP_HAS_GARBAGE | BTP_SPLIT_END;
    o.btpo_cycleid = 9;
    bt_page_set_opaque(b.data(), o);
    storage::page_set_lsn(b.data(), 0x1234);
    CHECK(a != b);
    btree_mask(a.data(), 1);
    btree_mask(b.data(), 1);
    CHECK(a == b);

    // On an internal page line pointer flags are not masked.
    Page c{};
    bt_pageinit(c.data());
    REQUIRE(storage::page_add_item(c.data(), plain_tuple(1, 1, 1), 1, false, false) == 1);
    Page d = c;
    storage::page_mark_item_dead(d.data(), 1);
    btree_mask(c.data(), 1);
    btree_mask(d.data(), 1);
    CHECK(c != d);
}
