// The words of WAL reading errors per major version (common/wal_format_messages.h): every text
// of every version against the wording of that release's xlogreader.c and pg_waldump.c, and the
// reader choosing its WAL's version's words.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/wal_format_messages.h"
#include "tests/wal/wal_builder.h"
#include "wal/wal_reader.h"
#include "wal/wal_source.h"

using namespace understudy;
using understudy::testing::WalBuilder;

namespace {

const WalMessages* const kAll[] = {&kWalMessagesPg14, &kWalMessagesPg15, &kWalMessagesPg16,
                                   &kWalMessagesPg17, &kWalMessagesPg18};

constexpr XLogRecPtr kLsn = 0x1E1A5868;       // 0/1E1A5868
constexpr XLogRecPtr kPage = 0x14106000;      // 0/14106000
constexpr XLogRecPtr kOther = 0x0000000214000000;  // 2/14000000
const std::string kSeg = "000000010000000000000141";

// `fn`'s text for every version: `before16` for 14 and 15, `from16` for 16 to 18.
template <typename Fn>
void check_split16(Fn fn, const std::string& before16, const std::string& from16) {
    for (const WalMessages* m : kAll) {
        CAPTURE(m->major_version);
        CHECK(fn(*m) == (m->major_version < 16 ? before16 : from16));
    }
}
template <typename Fn>
void check_same(Fn fn, const std::string& text) { check_split16(fn, text, text); }

}  // namespace

TEST_CASE("the table of each version is that version's, and unknown versions read as 15's") {
    for (int v = 14; v <= 18; ++v) CHECK(wal_messages_for_version(v).major_version == v);
    for (const WalFormat* f : kWalFormats) CHECK(wal_messages(*f).major_version == f->major_version);
    CHECK(&wal_messages_for_version(0) == &kWalMessagesPg15);
    CHECK(&wal_messages_for_version(19) == &kWalMessagesPg15);
}

TEST_CASE("reader texts that PostgreSQL 16 reworded: page header checks and length checks") {
    check_split16([](const WalMessages& m) { return invalid_magic_text(m, 0xD112, kSeg, kPage, 24576); },
                  "invalid magic number D112 in log segment 000000010000000000000141, offset 24576",
                  "invalid magic number D112 in WAL segment 000000010000000000000141, LSN 0/14106000, offset 24576");
    check_split16([](const WalMessages& m) { return invalid_info_bits_text(m, 0x0010, kSeg, kPage, 24576); },
                  "invalid info bits 0010 in log segment 000000010000000000000141, offset 24576",
                  "invalid info bits 0010 in WAL segment 000000010000000000000141, LSN 0/14106000, offset 24576");
    check_split16([](const WalMessages& m) { return unexpected_pageaddr_text(m, kOther, kSeg, kPage, 24576); },
                  "unexpected pageaddr 2/14000000 in log segment 000000010000000000000141, offset 24576",
                  "unexpected pageaddr 2/14000000 in WAL segment 000000010000000000000141, LSN 0/14106000, offset 24576");
    check_split16([](const WalMessages& m) { return out_of_sequence_timeline_text(m, 1, 3, kSeg, kPage, 32768); },
                  "out-of-sequence timeline ID 1 (after 3) in log segment 000000010000000000000141, offset 32768",
                  "out-of-sequence timeline ID 1 (after 3) in WAL segment 000000010000000000000141, LSN 0/14106000, offset 32768");
    check_split16([](const WalMessages& m) { return invalid_record_length_text(m, kLsn, 24, 0); },
                  "invalid record length at 0/1E1A5868: wanted 24, got 0",
                  "invalid record length at 0/1E1A5868: expected at least 24, got 0");
    check_split16([](const WalMessages& m) { return invalid_record_offset_text(m, kLsn, 24, 16); },
                  "invalid record offset at 0/1E1A5868",
                  "invalid record offset at 0/1E1A5868: expected at least 24, got 16");
}

TEST_CASE("reader texts every version words alike") {
    check_same([](const WalMessages& m) { return contrecord_requested_text(m, kLsn); },
               "contrecord is requested by 0/1E1A5868");
    check_same([](const WalMessages& m) { return invalid_rmgr_id_text(m, 192, kLsn); },
               "invalid resource manager ID 192 at 0/1E1A5868");
    check_same([](const WalMessages& m) { return incorrect_prev_link_text(m, kOther, kLsn); },
               "record with incorrect prev-link 2/14000000 at 0/1E1A5868");
    check_same([](const WalMessages& m) { return record_checksum_text(m, kLsn); },
               "incorrect resource manager data checksum in record at 0/1E1A5868");
    check_same([](const WalMessages& m) { return no_contrecord_flag_text(m, kLsn); },
               "there is no contrecord flag at 0/1E1A5868");
    check_same([](const WalMessages& m) { return invalid_contrecord_length_text(m, 100, -12, kLsn); },
               "invalid contrecord length 100 (expected -12) at 0/1E1A5868");
    check_same([](const WalMessages& m) { return wrong_system_identifier_text(m, 7000000000000000001ull, 42); },
               "WAL file is from different database system: WAL file database system identifier is "
               "7000000000000000001, pg_control database system identifier is 42");
    check_same([](const WalMessages& m) { return wrong_segment_size_text(m); },
               "WAL file is from different database system: incorrect segment size in page header");
    check_same([](const WalMessages& m) { return wrong_xlog_blcksz_text(m); },
               "WAL file is from different database system: incorrect XLOG_BLCKSZ in page header");
}

TEST_CASE("DecodeXLogRecord texts: 14 says BKPIMAGE_IS_COMPRESSED, 15 on BKPIMAGE_COMPRESSED") {
    for (const WalMessages* m : kAll) {
        CAPTURE(m->major_version);
        const std::string bit = m->major_version == 14 ? "BKPIMAGE_IS_COMPRESSED" : "BKPIMAGE_COMPRESSED";
        CHECK(compressed_full_length_text(*m, 8192, kLsn) == bit + " set, but block image length 8192 at 0/1E1A5868");
        CHECK(uncompressed_short_length_text(*m, 100, kLsn) ==
              "neither BKPIMAGE_HAS_HOLE nor " + bit + " set, but block image length is 100 at 0/1E1A5868");
        CHECK(record_invalid_length_text(*m, kLsn) == "record with invalid length at 0/1E1A5868");
        CHECK(invalid_block_id_text(*m, 40, kLsn) == "invalid block_id 40 at 0/1E1A5868");
        CHECK(out_of_order_block_id_text(*m, 2, kLsn) == "out-of-order block_id 2 at 0/1E1A5868");
        CHECK(has_data_without_data_text(*m, kLsn) == "BKPBLOCK_HAS_DATA set, but no data included at 0/1E1A5868");
        CHECK(data_without_has_data_text(*m, 12, kLsn) == "BKPBLOCK_HAS_DATA not set, but data length is 12 at 0/1E1A5868");
        CHECK(hole_set_bad_hole_text(*m, 0, 10, 8000, kLsn) ==
              "BKPIMAGE_HAS_HOLE set, but hole offset 0 length 10 block image length 8000 at 0/1E1A5868");
        CHECK(hole_not_set_bad_hole_text(*m, 5, 10, kLsn) ==
              "BKPIMAGE_HAS_HOLE not set, but hole offset 5 length 10 at 0/1E1A5868");
        CHECK(same_rel_without_rel_text(*m, kLsn) == "BKPBLOCK_SAME_REL set but no previous rel at 0/1E1A5868");
    }
}

TEST_CASE("pg_waldump texts: 17 quotes a short read's file and words a bad segment size with a detail") {
    for (const WalMessages* m : kAll) {
        CAPTURE(m->major_version);
        const bool v17 = m->major_version >= 17;
        CHECK(read_from_file_short_text(*m, kSeg, 8192, 0, 8192) ==
              (v17 ? "could not read from file \"000000010000000000000141\", offset 8192: read 0 of 8192"
                   : "could not read from file 000000010000000000000141, offset 8192: read 0 of 8192"));
        CHECK(invalid_segment_size_text(*m, kSeg, 1048577) ==
              (v17 ? "invalid WAL segment size in WAL file \"000000010000000000000141\" (1048577 bytes)\n"
                     "detail: The WAL segment size must be a power of two between 1 MB and 1 GB."
                   : "WAL segment size must be a power of two between 1 MB and 1 GB, but the WAL file "
                     "\"000000010000000000000141\" header specifies 1048577 bytes"));
        CHECK(invalid_segment_size_text(*m, kSeg, 1).find(v17 ? "(1 byte)" : "specifies 1 byte") != std::string::npos);
    }
}

TEST_CASE("the reader words its errors as its WAL's version does") {
    struct Case {
        std::uint16_t magic;
        const char* text;
    };
    const Case cases[] = {
        {0xD10D, "invalid magic number D112 in log segment 000000010000000000000001, offset 8192"},
        {0xD110, "invalid magic number D112 in log segment 000000010000000000000001, offset 8192"},
        {0xD113, "invalid magic number D112 in WAL segment 000000010000000000000001, LSN 0/102000, offset 8192"},
        {0xD116, "invalid magic number D112 in WAL segment 000000010000000000000001, LSN 0/102000, offset 8192"},
        {0xD118, "invalid magic number D112 in WAL segment 000000010000000000000001, LSN 0/102000, offset 8192"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.magic);
        WalBuilder b;
        const XLogRecPtr first = b.add_data(6000);
        for (int i = 0; i < 4; ++i) b.add_data(3000);
        for (std::size_t off = 0; off < b.bytes().size(); off += XLOG_BLCKSZ)
            store<std::uint16_t>(&b.at(b.start() + off), c.magic);
        store<std::uint16_t>(&b.at(b.start() + XLOG_BLCKSZ), 0xD112);  // second page
        MemorySource src(b.bytes(), b.start(), b.seg_size());
        WalReader r(src);
        r.begin_read(first);
        ReadStatus st;
        while ((st = r.read_record()) == ReadStatus::Record) {}
        CHECK(st == ReadStatus::Corrupt);
        CHECK(r.error_kind() == WalErrorKind::InvalidMagic);
        CHECK(r.error_message() == c.text);
    }
}
