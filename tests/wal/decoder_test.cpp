// DecodeXLogRecord's rules on hand-built record bodies.
#include <doctest/doctest.h>

#include <algorithm>
#include <span>
#include <vector>

#include "common/bytes.h"
#include "wal/decoder.h"
#include "wal/page_image.h"

using namespace understudy;

namespace {

struct Body {
    std::vector<std::uint8_t> b;
    void u8(std::uint8_t v) { b.push_back(v); }
    void u16(std::uint16_t v) { u8(static_cast<std::uint8_t>(v)); u8(static_cast<std::uint8_t>(v >> 8)); }
    void u32(std::uint32_t v) { u16(static_cast<std::uint16_t>(v)); u16(static_cast<std::uint16_t>(v >> 16)); }
    void bytes(const std::vector<std::uint8_t>& v) { b.insert(b.end(), v.begin(), v.end()); }
};

// A whole record (header + body); the CRC is not checked by the decoder.
std::vector<std::uint8_t> record(const Body& body) {
    std::vector<std::uint8_t> r(SizeOfXLogRecord, 0);
    r.insert(r.end(), body.b.begin(), body.b.end());
    store<std::uint32_t>(r.data(), static_cast<std::uint32_t>(r.size()));
    r[record_layout::xl_rmid] = 10;
    r[record_layout::xl_info] = 0x20;
    return r;
}

}  // namespace

TEST_CASE("block references: relation, SAME_REL, image with hole, data, origin, main data") {
    Body h;
    h.u8(XLR_BLOCK_ID_ORIGIN);
    h.u16(7);
    h.u8(XLR_BLOCK_ID_TOPLEVEL_XID);
    h.u32(900);
    // block 0: image with hole (uncompressed: length 8000, hole at 100, so hole_length 192) + data
    h.u8(0);
    h.u8(BKPBLOCK_HAS_IMAGE | BKPBLOCK_HAS_DATA | MAIN_FORKNUM);
    h.u16(3);
    h.u16(8000);
    h.u16(100);
    h.u8(0x01 | 0x02);  // HAS_HOLE | APPLY
    h.u32(1663);
    h.u32(5);
    h.u32(16384);
    h.u32(42);
    // block 2: same relation, vm fork, will init, no data
    h.u8(2);
    h.u8(BKPBLOCK_SAME_REL | BKPBLOCK_WILL_INIT | VISIBILITYMAP_FORKNUM);
    h.u16(0);
    h.u32(3);
    h.u8(XLR_BLOCK_ID_DATA_SHORT);
    h.u8(4);
    std::vector<std::uint8_t> image(8000);
    for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<std::uint8_t>(1 + i % 250);
    h.bytes(image);
    h.bytes({9, 8, 7});
    h.bytes({1, 2, 3, 4});
    auto rec = record(h);

    DecodedRecord d;
    REQUIRE(decode_record(kWalFormatPg15, rec, 0x1000028, 0x1002000, 0x1000000, d));
    CHECK(d.record_origin == 7);
    CHECK(d.toplevel_xid == 900);
    CHECK(d.max_block_id == 2);
    CHECK_FALSE(d.has_block_ref(1));
    const DecodedBkpBlock* b0 = d.block(0);
    REQUIRE(b0);
    CHECK(b0->rnode == RelFileNode{1663, 5, 16384});
    CHECK(b0->blkno == 42);
    CHECK(b0->has_image);
    CHECK(b0->apply_image);
    CHECK(b0->hole_offset == 100);
    CHECK(b0->hole_length == 192);
    CHECK(b0->bkp_image.size() == 8000);
    CHECK(b0->data.size() == 3);
    CHECK(b0->data[0] == 9);
    const DecodedBkpBlock* b2 = d.block(2);
    REQUIRE(b2);
    CHECK(b2->rnode == b0->rnode);
    CHECK(b2->forknum == VISIBILITYMAP_FORKNUM);
    CHECK(b2->blkno == 3);
    CHECK((b2->flags & BKPBLOCK_WILL_INIT) != 0);
    CHECK(d.main_data.size() == 4);
    CHECK(d.main_data[3] == 4);
    CHECK(record_lengths(d).fpi_len == 8000);

    std::array<std::uint8_t, BLCKSZ> page;
    REQUIRE(restore_block_image(d, 0, page));
    CHECK(page[99] == image[99]);
    CHECK(page[100] == 0);
    CHECK(page[291] == 0);
    CHECK(page[292] == image[100]);
    CHECK(page[BLCKSZ - 1] == image.back());
    CHECK_FALSE(restore_block_image(d, 2, page));
}

TEST_CASE("decoder errors read like PostgreSQL's and name the LSN") {
    const XLogRecPtr report = 0x16B374D848;
    DecodedRecord d;
    {
        Body h;  // block 1 then block 0
        h.u8(1); h.u8(0); h.u16(0); h.u32(1); h.u32(2); h.u32(3); h.u32(4);
        h.u8(0); h.u8(0); h.u16(0); h.u32(1); h.u32(2); h.u32(3); h.u32(4);
        auto r = decode_record(kWalFormatPg15, record(h), 1, 2, report, d);
        REQUIRE_FALSE(r);
        CHECK(r.message() == "out-of-order block_id 0 at 16/B374D848");
    }
    {
        Body h;
        h.u8(0); h.u8(BKPBLOCK_SAME_REL); h.u16(0); h.u32(4);
        auto r = decode_record(kWalFormatPg15, record(h), 1, 2, report, d);
        CHECK(r.message() == "BKPBLOCK_SAME_REL set but no previous rel at 16/B374D848");
    }
    {
        Body h;
        h.u8(0); h.u8(BKPBLOCK_HAS_DATA); h.u16(0); h.u32(1); h.u32(2); h.u32(3); h.u32(4);
        auto r = decode_record(kWalFormatPg15, record(h), 1, 2, report, d);
        CHECK(r.message() == "BKPBLOCK_HAS_DATA set, but no data included at 16/B374D848");
    }
    {
        Body h;
        h.u8(40);
        auto r = decode_record(kWalFormatPg15, record(h), 1, 2, report, d);
        CHECK(r.message() == "invalid block_id 40 at 16/B374D848");
    }
    {
        Body h;
        h.u8(XLR_BLOCK_ID_DATA_SHORT); h.u8(10); h.u8(1);
        auto r = decode_record(kWalFormatPg15, record(h), 1, 2, report, d);
        CHECK(r.message() == "record with invalid length at 16/B374D848");
    }
    {
        Body h;  // compressed image claiming the whole page
        h.u8(0); h.u8(BKPBLOCK_HAS_IMAGE); h.u16(0);
        h.u16(8192); h.u16(0); h.u8(0x04);
        h.u32(1); h.u32(2); h.u32(3); h.u32(4);
        auto r = decode_record(kWalFormatPg15, record(h), 1, 2, report, d);
        CHECK(r.message() == "BKPIMAGE_COMPRESSED set, but block image length 8192 at 16/B374D848");
    }
}

namespace {

// Record bodies of every shape the scan has a path for: main data only (short, long), one plain
// block, SAME_REL, images with and without hole, compressed with hole, origin and top-level xid.
std::vector<std::vector<std::uint8_t>> scan_shapes() {
    std::vector<std::vector<std::uint8_t>> out;
    {
        Body h;
        h.u8(XLR_BLOCK_ID_DATA_SHORT); h.u8(3); h.bytes({1, 2, 3});
        out.push_back(record(h));
    }
    {
        Body h;
        h.u8(XLR_BLOCK_ID_DATA_LONG); h.u32(300); h.bytes(std::vector<std::uint8_t>(300, 9));
        out.push_back(record(h));
    }
    {
        Body h;  // heap-insert shape: block 0 with data, then short main data
        h.u8(0); h.u8(BKPBLOCK_HAS_DATA); h.u16(5); h.u32(1663); h.u32(5); h.u32(16384); h.u32(7);
        h.u8(XLR_BLOCK_ID_DATA_SHORT); h.u8(3);
        h.bytes({1, 2, 3, 4, 5}); h.bytes({6, 7, 8});
        out.push_back(record(h));
    }
    {
        Body h;  // two blocks, the second SAME_REL, no data, no main data
        h.u8(0); h.u8(0); h.u16(0); h.u32(1663); h.u32(5); h.u32(16384); h.u32(7);
        h.u8(3); h.u8(BKPBLOCK_SAME_REL | VISIBILITYMAP_FORKNUM); h.u16(0); h.u32(0);
        out.push_back(record(h));
    }
    {
        Body h;  // origin, xid, full image without hole, image with hole, compressed with hole
        h.u8(XLR_BLOCK_ID_ORIGIN); h.u16(3);
        h.u8(XLR_BLOCK_ID_TOPLEVEL_XID); h.u32(77);
        h.u8(0); h.u8(BKPBLOCK_HAS_IMAGE); h.u16(0); h.u16(BLCKSZ); h.u16(0); h.u8(0x02);
        h.u32(1663); h.u32(5); h.u32(16384); h.u32(1);
        h.u8(1); h.u8(BKPBLOCK_HAS_IMAGE | BKPBLOCK_SAME_REL | BKPBLOCK_HAS_DATA); h.u16(2);
        h.u16(8000); h.u16(100); h.u8(0x01); h.u32(2);
        h.u8(2); h.u8(BKPBLOCK_HAS_IMAGE | BKPBLOCK_SAME_REL); h.u16(0);
        h.u16(50); h.u16(200); h.u8(0x01 | 0x04); h.u16(300); h.u32(3);
        h.u8(XLR_BLOCK_ID_DATA_SHORT); h.u8(1);
        h.bytes(std::vector<std::uint8_t>(BLCKSZ, 1));
        h.bytes(std::vector<std::uint8_t>(8000, 2)); h.bytes({5, 6});
        h.bytes(std::vector<std::uint8_t>(50, 3));
        h.bytes({4});
        out.push_back(record(h));
    }
    return out;
}

// The scan's verdict must be decode_record()'s, and its image length XLogRecGetLen()'s.
void check_scan_agrees(const std::vector<std::uint8_t>& rec) {
    DecodedRecord d;
    const bool decodes = static_cast<bool>(decode_record(kWalFormatPg15, rec, 1, 2, 0, d));
    std::uint32_t fpi_len = 12345;
    const auto tot_len = static_cast<std::uint32_t>(rec.size());
    const bool scans = scan_record_fpi_len(kWalFormatPg15, rec, tot_len, fpi_len);
    REQUIRE(scans == decodes);
    if (decodes) CHECK(fpi_len == record_lengths(d).fpi_len);
    // With only a head of the record at hand, a yes is still right (a no sends it to the decoder).
    for (std::size_t head : {std::size_t{24}, std::size_t{40}, std::size_t{64}, rec.size() / 2}) {
        if (head > rec.size()) continue;
        std::uint32_t f = 0;
        if (scan_record_fpi_len(kWalFormatPg15, std::span(rec).first(head), tot_len, f)) {
            REQUIRE(decodes);
            CHECK(f == record_lengths(d).fpi_len);
        }
    }
}

}  // namespace

TEST_CASE("scan_record_fpi_len agrees with decode_record on every shape and on damaged records") {
    const auto shapes = scan_shapes();
    for (const auto& rec : shapes) {
        DecodedRecord d;
        REQUIRE(decode_record(kWalFormatPg15, rec, 1, 2, 0, d));
        check_scan_agrees(rec);
    }
    CHECK(record_lengths([&] {
              DecodedRecord d;
              (void)decode_record(kWalFormatPg15, shapes.back(), 1, 2, 0, d);
              return d;
          }())
              .fpi_len == BLCKSZ + 8000 + 50);

    // Damage: every header byte set to a few values, and cuts at every length.
    std::uint32_t seed = 12345;
    const auto next = [&] { return seed = seed * 1103515245u + 12345u; };
    int accepted = 0, rejected = 0;
    for (const auto& good : shapes) {
        const std::size_t header_end = std::min<std::size_t>(good.size(), 120);
        for (std::size_t pos = SizeOfXLogRecord; pos < header_end; ++pos) {
            for (std::uint8_t v : {std::uint8_t{0}, std::uint8_t{1}, std::uint8_t{0xFF},
                                   static_cast<std::uint8_t>(next() >> 16)}) {
                auto bad = good;
                bad[pos] = v;
                CAPTURE(pos);
                check_scan_agrees(bad);
            }
        }
        for (std::size_t len = SizeOfXLogRecord; len < good.size(); len += 1 + good.size() / 200) {
            std::vector<std::uint8_t> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(len));
            store<std::uint32_t>(cut.data(), static_cast<std::uint32_t>(len));
            check_scan_agrees(cut);
            DecodedRecord d;
            (decode_record(kWalFormatPg15, cut, 1, 2, 0, d) ? accepted : rejected)++;
        }
    }
    CHECK(rejected > 0);  // the damage did reach the checks
    CHECK(accepted > 0);
}
