// split_wal_range / chunks_join (wal/wal_chunks.h): the chunk boundaries of a parallel
// --stats reading and the seam rule.
#include <doctest/doctest.h>

#include "wal/wal_chunks.h"

using namespace understudy;

namespace {

constexpr std::uint32_t kSeg = 1024 * 1024;

// Two chunks meeting at segment 3, with a seam that joins.
struct Seam {
    WalChunk next{3 * XLogRecPtr{kSeg}, 5 * XLogRecPtr{kSeg}};
    ChunkOutcome prev;
    ChunkOutcome after;
    Seam() {
        prev.found_first = true;
        prev.first_lsn = 0x150;
        prev.last_lsn = 3 * XLogRecPtr{kSeg} - 0x40;
        prev.reached_end = true;
        prev.stop_lsn = 3 * XLogRecPtr{kSeg} + 0x28;  // after the long page header
        prev.stop_prev = prev.last_lsn;
        prev.stop_tli = 1;
        after.found_first = true;
        after.first_lsn = prev.stop_lsn;
        after.first_prev = prev.last_lsn;
        after.first_tli = 1;
        after.last_lsn = 5 * XLogRecPtr{kSeg} - 0x100;
    }
};

}  // namespace

TEST_CASE("split_wal_range: whole segments, contiguous, the first at the first record") {
    const XLogRecPtr first = 0x15007B8;        // segment 21 (1 MB segments), mid-segment
    const XLogRecPtr end = 0x1A0A2C0;          // segment 26, mid-segment: 6 segments
    auto chunks = split_wal_range(first, end, kSeg, 4);
    REQUIRE(chunks.size() == 4);
    CHECK(chunks.front().begin == first);
    CHECK(chunks.back().end == end);
    for (std::size_t i = 1; i < chunks.size(); ++i) {
        CHECK(chunks[i].begin == chunks[i - 1].end);
        CHECK(segment_offset(chunks[i].begin, kSeg) == 0);
        CHECK(chunks[i].begin > chunks[i - 1].begin);
    }
    // 6 segments over 4 chunks: 1, 2, 1, 2 segments (i * 6 / 4 = 0, 1, 3, 4, 6).
    CHECK(chunks[1].begin == 22 * XLogRecPtr{kSeg});
    CHECK(chunks[2].begin == 24 * XLogRecPtr{kSeg});
    CHECK(chunks[3].begin == 25 * XLogRecPtr{kSeg});
}

TEST_CASE("split_wal_range: never more chunks than segments, one when asked for one") {
    CHECK(split_wal_range(0x100028, 0x1FFFF0, kSeg, 4).size() == 1);       // one segment
    CHECK(split_wal_range(0x100028, 0x200000, kSeg, 4).size() == 1);       // ends at its end
    CHECK(split_wal_range(0x100028, 0x200001, kSeg, 4).size() == 2);       // 1 byte into the next
    CHECK(split_wal_range(0x100028, 0x900000, kSeg, 1).size() == 1);
    CHECK(split_wal_range(0x100028, 0x900000, kSeg, 0).size() == 1);
    auto empty = split_wal_range(0x300000, 0x200000, kSeg, 4);
    REQUIRE(empty.size() == 1);
    CHECK(empty[0].begin == 0x300000);
    auto two = split_wal_range(0x1FFFF8, 0x200100, kSeg, 4);  // a seam 8 bytes after the first
    REQUIRE(two.size() == 2);
    CHECK(two[1].begin == 0x200000);
    CHECK(two[1].end == 0x200100);
}

TEST_CASE("chunks_join: the seam joins only when everything a single reader checks agrees") {
    {
        Seam s;
        CHECK(chunks_join(s.next, s.prev, s.after));
    }
    SUBCASE("the previous chunk stopped at an error or the end of WAL") {
        Seam s;
        s.prev.reached_end = false;
        CHECK_FALSE(chunks_join(s.next, s.prev, s.after));
    }
    SUBCASE("the next chunk found no record of its own") {
        Seam s;
        s.after.found_first = false;
        CHECK_FALSE(chunks_join(s.next, s.prev, s.after));
    }
    SUBCASE("the next chunk starts at another record than the previous one stopped at") {
        Seam s;
        s.after.first_lsn += 0x30;
        CHECK_FALSE(chunks_join(s.next, s.prev, s.after));
    }
    SUBCASE("xl_prev of the first record is not the previous chunk's last record") {
        Seam s;
        s.after.first_prev -= 0x18;
        CHECK_FALSE(chunks_join(s.next, s.prev, s.after));
    }
    SUBCASE("the stop record's xl_prev disagrees") {
        Seam s;
        s.prev.stop_prev -= 0x18;
        CHECK_FALSE(chunks_join(s.next, s.prev, s.after));
    }
    SUBCASE("another page timeline at the seam") {
        Seam s;
        s.after.first_tli = 2;
        CHECK_FALSE(chunks_join(s.next, s.prev, s.after));
    }
    SUBCASE("the first record begins past the chunk (a record spanning its segments)") {
        Seam s;
        s.prev.stop_lsn = s.after.first_lsn = s.next.end + 0x28;
        CHECK_FALSE(chunks_join(s.next, s.prev, s.after));
    }
    SUBCASE("the previous chunk read no record before its end") {
        Seam s;
        s.prev.last_lsn = InvalidXLogRecPtr;
        s.prev.stop_prev = s.after.first_prev = InvalidXLogRecPtr;
        CHECK_FALSE(chunks_join(s.next, s.prev, s.after));
    }
}
