#include <doctest/doctest.h>

#include <random>
#include <string_view>
#include <vector>

#include "common/crc32c.h"

using namespace understudy;

namespace {
std::span<const std::uint8_t> bytes_of(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
pg_crc32c portable(std::span<const std::uint8_t> d) {
    return crc32c_finish(crc32c_update_portable(crc32c_init(), d.data(), d.size()));
}
}  // namespace

TEST_CASE("crc32c matches the published check values") {
    // RFC 3720 / iSCSI check value and test vectors.
    CHECK(crc32c(bytes_of("123456789")) == 0xE3069283u);
    CHECK(portable(bytes_of("123456789")) == 0xE3069283u);
    CHECK(crc32c(bytes_of("")) == 0u);
    std::vector<std::uint8_t> zeros(32, 0), ones(32, 0xFF), inc(32);
    for (std::size_t i = 0; i < inc.size(); ++i) inc[i] = static_cast<std::uint8_t>(i);
    CHECK(crc32c(zeros) == 0x8A9136AAu);
    CHECK(crc32c(ones) == 0x62A8AB43u);
    CHECK(crc32c(inc) == 0x46DD794Eu);
}

TEST_CASE("crc32c hardware and portable implementations agree on random data") {
    std::mt19937_64 rng(42);
    std::vector<std::uint8_t> buf(70000);
    for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
    for (int trial = 0; trial < 200; ++trial) {
        std::size_t off = rng() % 64;
        std::size_t len = rng() % (buf.size() - off);
        pg_crc32c a = crc32c_update_portable(crc32c_init(), buf.data() + off, len);
        pg_crc32c b = crc32c_update(crc32c_init(), buf.data() + off, len);
        REQUIRE(a == b);
        if (crc32c_hardware_available()) {
            REQUIRE(crc32c_update_sse42(crc32c_init(), buf.data() + off, len) == a);
        }
    }
}

TEST_CASE("crc32c interleaved streams agree with the portable code around block thresholds") {
    std::vector<std::uint8_t> buf(40000);
    for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::uint8_t>(i * 131 + 7);
    for (std::size_t len : {0, 1, 7, 8, 767, 768, 769, 6143, 6144, 6145, 6144 + 768, 12288, 39999}) {
        CAPTURE(len);
        for (std::size_t off : {0, 1, 5}) {
            REQUIRE(crc32c_update(0x12345678u, buf.data() + off, len) ==
                    crc32c_update_portable(0x12345678u, buf.data() + off, len));
        }
    }
}

TEST_CASE("crc32c can be computed in pieces like COMP_CRC32C") {
    auto d = bytes_of("The quick brown fox jumps over the lazy dog");
    pg_crc32c whole = crc32c(d);
    for (std::size_t cut = 0; cut <= d.size(); ++cut) {
        pg_crc32c c = crc32c_init();
        c = crc32c_update(c, d.data(), cut);
        c = crc32c_update(c, d.data() + cut, d.size() - cut);
        REQUIRE(crc32c_finish(c) == whole);
    }
    CHECK(whole == 0x22620404u);
}

TEST_CASE("crc32c short buffers (a WAL record's header and body) agree with the portable code") {
    std::vector<std::uint8_t> buf(1100);
    for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::uint8_t>(i * 29 + 11);
    // Every length up to past the interleaving threshold, from every alignment of the tail.
    for (std::size_t len = 0; len <= 800; ++len) {
        CAPTURE(len);
        for (std::size_t off = 0; off < 8; ++off)
            REQUIRE(crc32c_update(0xFFFFFFFFu, buf.data() + off, len) ==
                    crc32c_update_portable(0xFFFFFFFFu, buf.data() + off, len));
    }
    const bool dispatches_right =
        crc32c_update_function() ==
        (crc32c_hardware_available() ? &crc32c_update_sse42 : &crc32c_update_portable);
    CHECK(dispatches_right);
}
