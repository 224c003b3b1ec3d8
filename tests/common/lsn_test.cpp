#include <doctest/doctest.h>

#include "common/lsn.h"

using namespace understudy;

TEST_CASE("parse_lsn accepts PostgreSQL's pg_lsn text and rejects the rest") {
    CHECK(parse_lsn("0/0") == 0u);
    CHECK(parse_lsn("16/B374D848") == 0x16B374D848ull);
    CHECK(parse_lsn("ffffffff/FFFFFFFF") == 0xFFFFFFFFFFFFFFFFull);
    CHECK_FALSE(parse_lsn(""));
    CHECK_FALSE(parse_lsn("16B374D848"));
    CHECK_FALSE(parse_lsn("/1"));
    CHECK_FALSE(parse_lsn("1/"));
    CHECK_FALSE(parse_lsn("1/2/3"));
    CHECK_FALSE(parse_lsn("123456789/0"));
    CHECK_FALSE(parse_lsn("0/xyz"));
}

TEST_CASE("format_lsn prints upper-case hex without padding") {
    CHECK(format_lsn(0) == "0/0");
    CHECK(format_lsn(0x16B374D848ull) == "16/B374D848");
    CHECK(format_lsn(0x100000000ull) == "1/0");
}

TEST_CASE("segment file names round-trip for 16 MB and 1 MB segments") {
    constexpr std::uint32_t mb16 = 16u << 20;
    CHECK(segment_file_name(1, 0, mb16) == "000000010000000000000000");
    CHECK(segment_file_name(1, lsn_to_segno(0x16B374D848ull, mb16), mb16) == "0000000100000016000000B3");
    auto p = parse_segment_file_name("0000000200000016000000B3.partial", mb16);
    REQUIRE(p);
    CHECK(p->tli == 2);
    CHECK(p->partial);
    CHECK(segno_to_lsn(p->segno, mb16) == 0x16B3000000ull);

    constexpr std::uint32_t mb1 = 1u << 20;
    CHECK(segment_file_name(1, 0xFFF + 1, mb1) == "000000010000000100000000");
    CHECK_FALSE(parse_segment_file_name("000000010000000000001000", mb1));  // seg >= 4096 per log
    CHECK_FALSE(parse_segment_file_name("00000001000000000000000G", mb1));
    CHECK(history_file_name(2) == "00000002.history");
}
