// Describe and identify routines of Heap and Heap2 (wal/describe/heap.cpp) for PostgreSQL 14,
// 16, 17 and 18, on hand-built records. Each expected text is what that version's server
// printed (pg_get_wal_records_info()'s description: 16.14, 17.10, 18.4) for a record with the
// same fields, seen while running the heap part of tests/workloads/heap_btree.sql; the record
// bytes are laid out as each version's heapam_xlog.h says.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "wal/describe/heap.h"
#include "wal/records/heap.h"
#include "wal/rmgr_desc.h"

using namespace understudy;

namespace {

// Little-endian record bytes, field by field.
struct Bytes {
    std::vector<std::uint8_t> b;
    Bytes& u8(std::uint32_t v) {
        b.push_back(static_cast<std::uint8_t>(v));
        return *this;
    }
    Bytes& u16(std::uint32_t v) { return u8(v).u8(v >> 8); }
    Bytes& u32(std::uint32_t v) { return u16(v).u16(v >> 16); }
    Bytes& pad(std::size_t n) {
        b.insert(b.end(), n, 0);
        return *this;
    }
};

WalFormat format_of(int major) {
    WalFormat f = kWalFormatPg15;
    f.major_version = major;
    return f;
}

struct Record {
    WalFormat format;
    DecodedRecord rec;
    std::vector<std::uint8_t> main;
    std::vector<std::uint8_t> block0;

    Record(int major, std::uint8_t xl_info, Bytes main_bytes)
        : format(format_of(major)), main(std::move(main_bytes.b)) {
        rec.xl_info = xl_info;
        rec.format = &format;
        rec.main_data = main;
    }
    Record& with_block0(Bytes data) {
        block0 = std::move(data.b);
        rec.max_block_id = 0;
        rec.blocks[0].in_use = true;
        rec.blocks[0].has_data = !block0.empty();
        rec.blocks[0].data = block0;
        return *this;
    }
    std::string heap() const {
        std::string out;
        heap_desc(out, rec);
        return out;
    }
    std::string heap2() const {
        std::string out;
        heap2_desc(out, rec);
        return out;
    }
};

// xl_heap_update: old_xmax, old_offnum, old_infobits_set, flags, new_xmax, new_offnum.
Bytes update(std::uint32_t old_xmax, std::uint16_t old_off, std::uint8_t infobits, std::uint8_t flags,
             std::uint32_t new_xmax, std::uint16_t new_off) {
    return std::move(Bytes{}.u32(old_xmax).u16(old_off).u8(infobits).u8(flags).u32(new_xmax).u16(new_off));
}

}  // namespace

TEST_CASE("heap describe (16, 17, 18): the array-style text of heapdesc.c from 16 on") {
    for (int major : {16, 17, 18}) {
        CAPTURE(major);
        CHECK(Record(major, XLOG_HEAP_INSERT, Bytes{}.u16(4).u8(0)).heap() == "off: 4, flags: 0x00");
        CHECK(Record(major, XLOG_HEAP_DELETE, Bytes{}.u32(739).u16(48).u8(XLHL_KEYS_UPDATED).u8(0x04)).heap() ==
              "xmax: 739, off: 48, infobits: [KEYS_UPDATED], flags: 0x04");
        CHECK(Record(major, XLOG_HEAP_LOCK,
                     Bytes{}.u32(731).u16(35).u8(XLHL_XMAX_LOCK_ONLY | XLHL_XMAX_EXCL_LOCK).u8(0))
                  .heap() == "xmax: 731, off: 35, infobits: [LOCK_ONLY, EXCL_LOCK], flags: 0x00");
        CHECK(Record(major, XLOG_HEAP_UPDATE, update(731, 35, 0, 0x02, 0, 33)).heap() ==
              "old_xmax: 731, old_off: 35, old_infobits: [], flags: 0x02, new_xmax: 0, new_off: 33");
        CHECK(Record(major, XLOG_HEAP_HOT_UPDATE | XLOG_HEAP_INIT_PAGE, update(754, 3, 0, 0x60, 0, 6)).heap() ==
              "old_xmax: 754, old_off: 3, old_infobits: [], flags: 0x60, new_xmax: 0, new_off: 6");
        CHECK(Record(major, XLOG_HEAP_CONFIRM, Bytes{}.u16(46)).heap() == "off: 46");
        CHECK(Record(major, XLOG_HEAP_TRUNCATE, Bytes{}.u32(5).u32(1).u8(0).pad(3).u32(16450)).heap() ==
              "flags: [], nrelids: 1, relids: [16450]");
        CHECK(Record(major, XLOG_HEAP_TRUNCATE,
                     Bytes{}.u32(5).u32(2).u8(XLH_TRUNCATE_CASCADE | XLH_TRUNCATE_RESTART_SEQS).pad(3).u32(16455).u32(16462))
                  .heap() == "flags: [CASCADE, RESTART_SEQS], nrelids: 2, relids: [16455, 16462]");
        CHECK(Record(major, XLOG_HEAP_TRUNCATE, Bytes{}.u32(5).u32(2).u8(XLH_TRUNCATE_RESTART_SEQS).pad(3).u32(16455).u32(16462))
                  .heap() == "flags: [RESTART_SEQS], nrelids: 2, relids: [16455, 16462]");
        CHECK(Record(major, XLOG_HEAP2_VISIBLE, Bytes{}.u32(0).u8(0x03)).heap2() ==
              "snapshotConflictHorizon: 0, flags: 0x03");
        CHECK(Record(major, XLOG_HEAP2_LOCK_UPDATED, Bytes{}.u32(744).u16(132).u8(0x0A).u8(0)).heap2() ==
              "xmax: 744, off: 132, infobits: [LOCK_ONLY, KEYSHR_LOCK], flags: 0x00");
        CHECK(Record(major, XLOG_HEAP2_NEW_CID,
                     Bytes{}.u32(731).u32(0).u32(0xFFFFFFFF).u32(0xFFFFFFFF).u32(1663).u32(5).u32(3079).u16(0).u16(0).u16(4))
                  .heap2() == "rel: 1663/5/3079, tid: 0/4, cmin: 0, cmax: 4294967295, combo: 4294967295");
        // MULTI_INSERT lists its offsets when block 0 has data and the page is not initialized.
        CHECK(Record(major, XLOG_HEAP2_MULTI_INSERT, Bytes{}.u8(0x02).pad(1).u16(1).u16(94))
                  .with_block0(Bytes{}.u16(5))
                  .heap2() == "ntuples: 1, flags: 0x02, offsets: [94]");
        CHECK(Record(major, XLOG_HEAP2_MULTI_INSERT | XLOG_HEAP_INIT_PAGE, Bytes{}.u8(0x02).pad(1).u16(1))
                  .with_block0(Bytes{}.u16(5))
                  .heap2() == "ntuples: 1, flags: 0x02");
        CHECK(Record(major, XLOG_HEAP2_REWRITE, Bytes{}.pad(40)).heap2().empty());
    }
}

TEST_CASE("heap describe (14): the same text as 15") {
    CHECK(Record(14, XLOG_HEAP_INSERT, Bytes{}.u16(2).u8(1)).heap() == "off 2 flags 0x01");
    CHECK(Record(14, XLOG_HEAP_UPDATE, update(724, 18, 0, 0x02, 0, 32)).heap() ==
          "off 18 xmax 724 flags 0x02 ; new off 32 xmax 0");
    CHECK(Record(14, XLOG_HEAP2_PRUNE, Bytes{}.u32(738).u16(1).u16(1)).heap2() ==
          "latestRemovedXid 738 nredirected 1 ndead 1");
    CHECK(Record(14, XLOG_HEAP2_FREEZE_PAGE, Bytes{}.u32(735).u16(47)).heap2() == "cutoff xid 735 ntuples 47");
}

TEST_CASE("heap2 describe (16): PRUNE, VACUUM and FREEZE_PAGE with their offset arrays") {
    CHECK(Record(16, XLOG_HEAP2_PRUNE, Bytes{}.u32(0).u16(1).u16(1).u8(0))
              .with_block0(Bytes{}.u16(34).u16(41).u16(35))
              .heap2() ==
          "snapshotConflictHorizon: 0, nredirected: 1, ndead: 1, nunused: 0, redirected: [34->41], dead: [35], unused: []");
    CHECK(Record(16, XLOG_HEAP2_PRUNE, Bytes{}.u32(0).u16(0).u16(1).u8(1)).with_block0(Bytes{}.u16(15).u16(7).u16(9)).heap2() ==
          "snapshotConflictHorizon: 0, nredirected: 0, ndead: 1, nunused: 2, redirected: [], dead: [15], unused: [7, 9]");
    // Without block 0 data (an image only) the fixed part alone.
    CHECK(Record(16, XLOG_HEAP2_PRUNE, Bytes{}.u32(738).u16(1).u16(134).u8(0)).heap2() ==
          "snapshotConflictHorizon: 738, nredirected: 1, ndead: 134");
    CHECK(Record(16, XLOG_HEAP2_VACUUM, Bytes{}.u16(3)).with_block0(Bytes{}.u16(2).u16(3).u16(4)).heap2() ==
          "nunused: 3, unused: [2, 3, 4]");
    // Two plans: their offsets follow the plans, in plan order.
    Bytes plans;
    plans.u32(0).u16(32771).u16(11010).u8(0).pad(1).u16(1);
    plans.u32(5).u16(3).u16(2818).u8(0).pad(1).u16(2);
    plans.u16(138).u16(1).u16(2);
    CHECK(Record(16, XLOG_HEAP2_FREEZE_PAGE, Bytes{}.u32(738).u16(2).u8(0)).with_block0(plans).heap2() ==
          "snapshotConflictHorizon: 738, nplans: 2, plans: [{ xmax: 0, infomask: 11010, infomask2: 32771, ntuples: 1, "
          "offsets: [138] }, { xmax: 5, infomask: 2818, infomask2: 3, ntuples: 2, offsets: [1, 2] }]");
}

TEST_CASE("heap2 describe (17, 18): the merged prune/freeze record and its sub-records") {
    using namespace understudy::pg17;
    for (int major : {17, 18}) {
        CAPTURE(major);
        // On-access pruning of a catalog page: no conflict horizon, the text starts with ", ".
        CHECK(Record(major, XLOG_HEAP2_PRUNE_ON_ACCESS,
                     Bytes{}.u8(0).u8(XLHP_IS_CATALOG_REL | XLHP_CLEANUP_LOCK | XLHP_HAS_DEAD_ITEMS))
                  .with_block0(Bytes{}.u16(1).u16(16))
                  .heap2() == ", isCatalogRel: T, nplans: 0, nredirected: 0, ndead: 1, nunused: 0, dead: [16]");
        // A freeze plan with a conflict horizon (unaligned after the flags).
        CHECK(Record(major, XLOG_HEAP2_PRUNE_VACUUM_SCAN,
                     Bytes{}.u8(1).u8(XLHP_HAS_CONFLICT_HORIZON | XLHP_HAS_FREEZE_PLANS).u32(746))
                  .with_block0(Bytes{}.u16(1).pad(2).u32(0).u16(32771).u16(11010).u8(0).pad(1).u16(1).u16(138))
                  .heap2() ==
              "snapshotConflictHorizon: 746, isCatalogRel: F, nplans: 1, nredirected: 0, ndead: 0, nunused: 0, "
              "plans: [{ xmax: 0, infomask: 11010, infomask2: 32771, ntuples: 1, offsets: [138] }]");
        // Every sub-record: plans, redirections, dead, unused, then the plans' offsets.
        CHECK(Record(major, XLOG_HEAP2_PRUNE_VACUUM_SCAN,
                     Bytes{}.u8(1).u8(XLHP_HAS_CONFLICT_HORIZON | XLHP_CLEANUP_LOCK | XLHP_HAS_FREEZE_PLANS |
                                      XLHP_HAS_REDIRECTIONS | XLHP_HAS_DEAD_ITEMS | XLHP_HAS_NOW_UNUSED_ITEMS)
                         .u32(760))
                  .with_block0(Bytes{}
                                   .u16(1).pad(2).u32(7).u16(3).u16(2818).u8(0).pad(1).u16(2)
                                   .u16(1).u16(4).u16(9)
                                   .u16(2).u16(5).u16(6)
                                   .u16(1).u16(8)
                                   .u16(10).u16(11))
                  .heap2() ==
              "snapshotConflictHorizon: 760, isCatalogRel: F, nplans: 1, nredirected: 1, ndead: 2, nunused: 1, "
              "plans: [{ xmax: 7, infomask: 2818, infomask2: 3, ntuples: 2, offsets: [10, 11] }], "
              "redirected: [4->9], dead: [5, 6], unused: [8]");
        CHECK(Record(major, XLOG_HEAP2_PRUNE_VACUUM_CLEANUP, Bytes{}.u8(2).u8(XLHP_HAS_NOW_UNUSED_ITEMS))
                  .with_block0(Bytes{}.u16(3).u16(2).u16(3).u16(4))
                  .heap2() == ", isCatalogRel: F, nplans: 0, nredirected: 0, ndead: 0, nunused: 3, unused: [2, 3, 4]");
        // Block 0 without data (an image only): the main data's part alone.
        CHECK(Record(major, XLOG_HEAP2_PRUNE_VACUUM_SCAN, Bytes{}.u8(1).u8(XLHP_HAS_CONFLICT_HORIZON).u32(5)).heap2() ==
              "snapshotConflictHorizon: 5, isCatalogRel: F");
    }
}

TEST_CASE("heap describe: INPLACE is the offset up to 17, with invalidation messages in 18") {
    CHECK(Record(17, XLOG_HEAP_INPLACE, Bytes{}.u16(4)).heap() == "off: 4");
    CHECK(Record(16, XLOG_HEAP_INPLACE, Bytes{}.u16(4)).heap() == "off: 4");
    CHECK(Record(14, XLOG_HEAP_INPLACE, Bytes{}.u16(4)).heap() == "off 4");
    // xl_heap_inplace (18): offnum, dbId, tsId, relcacheInitFileInval, nmsgs, then the messages
    // (16 bytes each: catcache id 57 and 56, relcache of relation 16441).
    Bytes inplace;
    inplace.u16(4).pad(2).u32(5).u32(1663).u8(0).pad(3).u32(3);
    inplace.u8(57).pad(3).u32(5).u32(0x1234).pad(4);
    inplace.u8(56).pad(3).u32(5).u32(0x5678).pad(4);
    inplace.u8(0xFE).pad(3).u32(5).u32(16441).pad(4);
    CHECK(Record(18, XLOG_HEAP_INPLACE, inplace).heap() == "off: 4; inval msgs: catcache 57 catcache 56 relcache 16441");
    Bytes init_file;
    init_file.u16(16).pad(2).u32(5).u32(1663).u8(1).pad(3).u32(1);
    init_file.u8(0xFE).pad(3).u32(5).u32(2662).pad(4);
    CHECK(Record(18, XLOG_HEAP_INPLACE, init_file).heap() ==
          "off: 16; relcache init file inval dbid 5 tsid 1663; inval msgs: relcache 2662");
    // No messages: the offset alone.
    CHECK(Record(18, XLOG_HEAP_INPLACE, Bytes{}.u16(6).pad(2).u32(5).u32(1663).u8(0).pad(3).u32(0)).heap() == "off: 6");
}

TEST_CASE("heap2 identify: each version's record names") {
    const WalFormat pg14 = format_of(14), pg16 = format_of(16), pg17 = format_of(17), pg18 = format_of(18);
    for (const WalFormat* f : {&pg14, &kWalFormatPg15, &pg16}) {
        CHECK(std::string(heap2_identify(XLOG_HEAP2_PRUNE, *f)) == "PRUNE");
        CHECK(std::string(heap2_identify(XLOG_HEAP2_VACUUM, *f)) == "VACUUM");
        CHECK(std::string(heap2_identify(XLOG_HEAP2_FREEZE_PAGE, *f)) == "FREEZE_PAGE");
    }
    for (const WalFormat* f : {&pg17, &pg18}) {
        CHECK(std::string(heap2_identify(pg17::XLOG_HEAP2_PRUNE_ON_ACCESS, *f)) == "PRUNE_ON_ACCESS");
        CHECK(std::string(heap2_identify(pg17::XLOG_HEAP2_PRUNE_VACUUM_SCAN, *f)) == "PRUNE_VACUUM_SCAN");
        CHECK(std::string(heap2_identify(pg17::XLOG_HEAP2_PRUNE_VACUUM_CLEANUP | 0x01, *f)) == "PRUNE_VACUUM_CLEANUP");
        CHECK(heap2_identify(pg17::XLOG_HEAP2_PRUNE_ON_ACCESS | XLOG_HEAP_INIT_PAGE, *f) == nullptr);
    }
    for (const WalFormat* f : {&pg14, &kWalFormatPg15, &pg16, &pg17, &pg18}) {
        CHECK(std::string(heap2_identify(XLOG_HEAP2_MULTI_INSERT | XLOG_HEAP_INIT_PAGE, *f)) == "MULTI_INSERT+INIT");
        CHECK(std::string(heap2_identify(XLOG_HEAP2_REWRITE, *f)) == "REWRITE");
        CHECK(std::string(heap2_identify(XLOG_HEAP2_NEW_CID, *f)) == "NEW_CID");
        CHECK(std::string(heap_identify(XLOG_HEAP_HOT_UPDATE | XLOG_HEAP_INIT_PAGE, *f)) == "HOT_UPDATE+INIT");
        CHECK(std::string(heap_identify(XLOG_HEAP_CONFIRM, *f)) == "HEAP_CONFIRM");
    }
}

TEST_CASE("heap describe (16 on): records cut short are described without reading past them") {
    // 16 PRUNE claiming 2 dead offsets with one in block 0.
    CHECK(Record(16, XLOG_HEAP2_PRUNE, Bytes{}.u32(0).u16(0).u16(2).u8(0)).with_block0(Bytes{}.u16(15)).heap2() ==
          "snapshotConflictHorizon: 0, nredirected: 0, ndead: 2 (short record: 2 bytes of block 0 data, expected 4)");
    // 17 prune announcing a dead-items sub-record of 3 with two offsets.
    CHECK(Record(17, pg17::XLOG_HEAP2_PRUNE_VACUUM_SCAN, Bytes{}.u8(1).u8(pg17::XLHP_HAS_DEAD_ITEMS))
              .with_block0(Bytes{}.u16(3).u16(1).u16(2))
              .heap2() == ", isCatalogRel: F (short record: 6 bytes of block 0 data, expected 8)");
    // 17 prune whose conflict horizon is missing.
    CHECK(Record(17, pg17::XLOG_HEAP2_PRUNE_VACUUM_SCAN, Bytes{}.u8(1).u8(pg17::XLHP_HAS_CONFLICT_HORIZON).u16(0)).heap2() ==
          "(short record: 4 bytes of main data, expected 6)");
    // 18 INPLACE announcing 2 messages with 1.
    Bytes inplace;
    inplace.u16(4).pad(2).u32(5).u32(1663).u8(0).pad(3).u32(2);
    inplace.u8(57).pad(15);
    CHECK(Record(18, XLOG_HEAP_INPLACE, inplace).heap() ==
          "off: 4; inval msgs: catcache 57 (short record: 36 bytes of main data, expected 52)");
    CHECK(Record(16, XLOG_HEAP_INSERT, Bytes{}.u16(2)).heap() == "(short record: 2 bytes of main data, expected 3)");
}
