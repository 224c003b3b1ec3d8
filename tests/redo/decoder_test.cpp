// DecodeXLogRecord's rules on hand-built record bodies.
#include <doctest/doctest.h>

#include <vector>

#include "common/bytes.h"
#include "redo/decoder.h"
#include "redo/page_image.h"

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
