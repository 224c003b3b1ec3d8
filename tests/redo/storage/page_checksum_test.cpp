// Data page checksums against PostgreSQL's own: blocks 0-2 of pg_class from a PostgreSQL 15
// cluster made with `initdb --data-checksums` (tests/fixtures/pages/, checked clean by
// pg_checksums --check when taken) carry the checksum the server computed; ours must equal it,
// depend on the block number, ignore the stored pd_checksum, and leave new pages alone.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/wal_format.h"
#include "redo/storage/page.h"
#include "redo/storage/page_checksum.h"

using namespace understudy;
using namespace understudy::storage;

namespace {

std::vector<std::uint8_t> fixture_bytes(const std::string& name) {
    const char* root = std::getenv("UNDERSTUDY_SOURCE_ROOT");
    const std::filesystem::path base = root != nullptr ? root : UNDERSTUDY_SOURCE_ROOT_DIR;
    std::ifstream in(base / "tests" / "fixtures" / "pages" / name, std::ios::binary);
    return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("page checksums equal PostgreSQL's on a --data-checksums cluster's pages") {
    auto bytes = fixture_bytes("pg15_checksums_pg_class_blk0-2.bin");
    REQUIRE(bytes.size() == 3 * BLCKSZ);
    for (std::uint32_t blk = 0; blk < 3; ++blk) {
        std::uint8_t* page = bytes.data() + std::size_t{blk} * BLCKSZ;
        REQUIRE(pd_upper(page) != 0);
        const std::uint16_t stored = pd_checksum(page);
        CHECK_MESSAGE(page_checksum(page, blk) == stored, "block " << blk);
        // The block number is mixed in: the same page as another block differs.
        CHECK(page_checksum(page, blk + 1) != stored);
        // The stored value does not feed the computation, and set_page_checksum restores it.
        set_pd_checksum(page, 0xBEEF);
        CHECK(page_checksum(page, blk) == stored);
        set_page_checksum(page, blk);
        CHECK(pd_checksum(page) == stored);
        // Any change to the page changes it.
        page[BLCKSZ - 1] ^= 1;
        CHECK(page_checksum(page, blk) != stored);
    }
    // A new (all-zero) page gets none.
    std::vector<std::uint8_t> zero(BLCKSZ, 0);
    set_page_checksum(zero.data(), 7);
    CHECK(pd_checksum(zero.data()) == 0);
}
