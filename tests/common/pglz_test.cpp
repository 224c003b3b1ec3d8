#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/pglz.h"

using namespace understudy;

TEST_CASE("pglz decodes literals and overlapping matches") {
    // ctrl 0x08: three literals, then a match (len 6+3 = 9, offset 3) repeating "abc".
    std::vector<std::uint8_t> src = {0x08, 'a', 'b', 'c', 0x06, 0x03};
    std::vector<std::uint8_t> out(12);
    CHECK(pglz_decompress(src, out, true) == 12);
    CHECK(std::string(out.begin(), out.end()) == "abcabcabcabc");

    // A long match: length nibble 15 (= 18) plus an extension byte of 100 -> 118 bytes of 'x'.
    std::vector<std::uint8_t> src2 = {0x02, 'x', 0x0F, 0x01, 100};
    std::vector<std::uint8_t> out2(119);
    CHECK(pglz_decompress(src2, out2, true) == 119);
    CHECK(std::all_of(out2.begin(), out2.end(), [](std::uint8_t c) { return c == 'x'; }));
}

TEST_CASE("pglz rejects corrupt input instead of reading out of bounds") {
    std::vector<std::uint8_t> out(64);
    // Offset 5 before any output.
    CHECK(pglz_decompress(std::vector<std::uint8_t>{0x01, 0x00, 0x05}, out, false) == -1);
    // Offset 0.
    CHECK(pglz_decompress(std::vector<std::uint8_t>{0x02, 'a', 0x00, 0x00}, out, false) == -1);
    // Tag cut short.
    CHECK(pglz_decompress(std::vector<std::uint8_t>{0x02, 'a', 0x0F}, out, false) == -1);
    // Complete but not the size asked for.
    CHECK(pglz_decompress(std::vector<std::uint8_t>{0x00, 'a', 'b'}, out, true) == -1);
    CHECK(pglz_decompress(std::vector<std::uint8_t>{0x00, 'a', 'b'}, out, false) == 2);
}
