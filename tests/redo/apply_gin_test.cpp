// GIN page helpers of gin_redo (redo/apply/gin_page.h): the posting-list codec of PostgreSQL
// 15's ginpostinglist.c and the posting-item array of gindatapage.c, checked by properties
// (round trips, ordering, inverse operations). Byte-exactness against PostgreSQL's own pages is
// checked by the replay_index integration test (wal_consistency_checking = all).
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "common/bytes.h"
#include "redo/apply/gin_page.h"
#include "redo/storage/page.h"

using namespace understudy;

namespace {

std::uint64_t tid(std::uint32_t blk, std::uint16_t off) { return (std::uint64_t{blk} << 11) | off; }

}  // namespace

TEST_CASE("gin posting list: compress then decode gives the items back") {
    std::vector<std::uint64_t> items;
    for (std::uint32_t b = 0; b < 3000; b += 7)
        for (std::uint16_t o = 1; o < 5; ++o) items.push_back(tid(b * 1031, o));
    std::size_t npacked = 0;
    auto seg = redo::gin::gin_compress_posting_list(items, BLCKSZ, npacked);
    REQUIRE(npacked == items.size());
    CHECK(seg.size() % 2 == 0);
    CHECK(seg.size() == redo::gin::size_of_posting_list(seg.data()));
    std::vector<std::uint64_t> back;
    REQUIRE(redo::gin::gin_posting_list_decode(seg, back));
    CHECK(back == items);
}

TEST_CASE("gin posting list: a small maxsize packs a prefix that decodes to it") {
    std::vector<std::uint64_t> items;
    for (std::uint32_t b = 1; b < 200; ++b) items.push_back(tid(b * 100000, 3));
    std::size_t npacked = 0;
    auto seg = redo::gin::gin_compress_posting_list(items, 64, npacked);
    CHECK(npacked > 1);
    CHECK(npacked < items.size());
    CHECK(seg.size() <= 64);
    std::vector<std::uint64_t> back;
    REQUIRE(redo::gin::gin_posting_list_decode(seg, back));
    CHECK(back == std::vector<std::uint64_t>(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(npacked)));
}

TEST_CASE("gin posting list: an odd number of encoded bytes is padded with a zero byte") {
    std::vector<std::uint64_t> items = {tid(1, 1), tid(1, 2)};  // one delta of one byte
    std::size_t npacked = 0;
    auto seg = redo::gin::gin_compress_posting_list(items, BLCKSZ, npacked);
    REQUIRE(seg.size() == 10);
    CHECK(load<std::uint16_t>(seg.data() + 6) == 1);
    CHECK(seg[9] == 0);
}

TEST_CASE("gin item pointers: merge is sorted and keeps one copy of duplicates") {
    std::vector<std::uint64_t> a = {tid(1, 1), tid(2, 5), tid(9, 1)};
    std::vector<std::uint64_t> b = {tid(0, 3), tid(2, 5), tid(3, 1)};
    auto m = redo::gin::gin_merge_item_pointers(a, b);
    CHECK(m == std::vector<std::uint64_t>{tid(0, 3), tid(1, 1), tid(2, 5), tid(3, 1), tid(9, 1)});
    CHECK(redo::gin::gin_merge_item_pointers(b, {}) == b);
    CHECK(redo::gin::gin_merge_item_pointers({tid(7, 1)}, {tid(1, 1)}) == std::vector<std::uint64_t>{tid(1, 1), tid(7, 1)});
}

TEST_CASE("gin item pointer packing round-trips block and offset") {
    std::array<std::uint8_t, 6> ip{};
    redo::gin::uint64_to_itemptr(tid(0x12345678, 0x123), ip.data());
    CHECK(load<std::uint16_t>(ip.data()) == 0x1234);
    CHECK(load<std::uint16_t>(ip.data() + 2) == 0x5678);
    CHECK(load<std::uint16_t>(ip.data() + 4) == 0x123);
    CHECK(redo::gin::itemptr_to_uint64(ip.data()) == tid(0x12345678, 0x123));
}

TEST_CASE("gin data page: posting items added then deleted restore the page") {
    std::vector<std::uint8_t> page(BLCKSZ);
    redo::gin::gin_init_page(page.data(), redo::gin::GIN_DATA);
    CHECK(redo::gin::gin_rightlink(page.data()) == InvalidBlockNumber);
    CHECK(redo::gin::gin_flags(page.data()) == redo::gin::GIN_DATA);
    std::array<std::uint8_t, 10> item{};
    for (std::uint8_t i = 1; i <= 3; ++i) {
        item[1] = i;
        REQUIRE(redo::gin::gin_data_page_add_posting_item(page.data(), item, 0));  // append
    }
    auto before = page;
    item[1] = 9;
    REQUIRE(redo::gin::gin_data_page_add_posting_item(page.data(), item, 2));  // insert in the middle
    CHECK(redo::gin::gin_maxoff(page.data()) == 4);
    CHECK(storage::pd_lower(page.data()) == redo::gin::GinDataPageDataOffset + 4 * redo::gin::SizeOfPostingItem);
    CHECK(page[redo::gin::GinDataPageDataOffset + redo::gin::SizeOfPostingItem + 1] == 9);
    CHECK(page[redo::gin::GinDataPageDataOffset + 2 * redo::gin::SizeOfPostingItem + 1] == 2);
    REQUIRE(redo::gin::gin_page_delete_posting_item(page.data(), 2));
    // The slot past the new end keeps its stale bytes, as in PostgreSQL; the live part matches.
    CHECK(std::equal(page.begin(), page.begin() + redo::gin::GinDataPageDataOffset + 3 * redo::gin::SizeOfPostingItem,
                     before.begin()));
    CHECK_FALSE(redo::gin::gin_page_delete_posting_item(page.data(), 4));
}

TEST_CASE("gin metapage: pd_lower just past GinMetaPageData, empty pending list") {
    std::vector<std::uint8_t> page(BLCKSZ);
    redo::gin::gin_init_metabuffer(page.data());
    CHECK(redo::gin::gin_flags(page.data()) == redo::gin::GIN_META);
    CHECK(storage::pd_lower(page.data()) == 24 + redo::gin::SizeOfGinMetaPageData);
    CHECK(load<std::uint32_t>(page.data() + 24) == InvalidBlockNumber);
    CHECK(load<std::int32_t>(page.data() + 24 + 48) == 2);
}
