// The array helpers of wal/describe/desc_utils.h against the text of PostgreSQL 16's
// rmgrdesc_utils.c (array_desc with offset_elem_desc, redirect_elem_desc and oid_elem_desc), as
// pg_walinspect printed it for PostgreSQL 16.14 prune and truncate records.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "wal/describe/desc_utils.h"

using namespace understudy;

namespace {

// OffsetNumbers / Oids laid out as WAL stores them (little-endian, unaligned allowed).
std::vector<std::uint8_t> bytes_of(const std::vector<std::uint32_t>& values, std::size_t width) {
    std::vector<std::uint8_t> out;
    for (std::uint32_t v : values)
        for (std::size_t b = 0; b < width; ++b) out.push_back(static_cast<std::uint8_t>(v >> (8 * b)));
    return out;
}

}  // namespace

TEST_CASE("desc_utils: array_desc prints \" []\" for no elements and \" [a, b]\" for two") {
    std::string out = "dead:";
    array_desc(out, 0, [](std::string&, std::size_t) { FAIL("no element to print"); });
    CHECK(out == "dead: []");

    out = "x:";
    array_desc(out, 2, [](std::string& o, std::size_t i) { o += i == 0 ? "a" : "b"; });
    CHECK(out == "x: [a, b]");
}

TEST_CASE("desc_utils: offset, redirect and oid arrays as PostgreSQL 16 prints them") {
    auto offsets = bytes_of({15, 2, 65535}, 2);
    std::string out = ", dead:";
    offset_array_desc(out, PackedArray<OffsetNumber>(offsets.data(), 3));
    CHECK(out == ", dead: [15, 2, 65535]");

    // One byte in front: the array is read unaligned.
    auto pairs = bytes_of({0, 1, 5, 7, 9}, 2);
    out = ", redirected:";
    redirect_array_desc(out, PackedArray<OffsetNumber>(pairs.data() + 2, 4));
    CHECK(out == ", redirected: [1->5, 7->9]");

    auto oids = bytes_of({16450, 4294967295u}, 4);
    out = ", relids:";
    oid_array_desc(out, PackedArray<Oid>(oids.data(), 2));
    CHECK(out == ", relids: [16450, 4294967295]");

    out = ", unused:";
    offset_array_desc(out, PackedArray<OffsetNumber>());
    CHECK(out == ", unused: []");
}
