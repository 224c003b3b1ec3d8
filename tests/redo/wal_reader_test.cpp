// The reader on WAL written by tests/redo/wal_builder.h: page and segment crossings, switch
// records, torn / zeroed tails, corruption, find-next, follow on a growing .partial file.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "redo/wal_reader.h"
#include "redo/wal_source.h"
#include "tests/redo/wal_builder.h"

using namespace understudy;
using understudy::testing::WalBuilder;

namespace {

std::vector<XLogRecPtr> read_all(WalReader& r, ReadStatus& last) {
    std::vector<XLogRecPtr> lsns;
    while ((last = r.read_record()) == ReadStatus::Record) lsns.push_back(r.record().lsn);
    return lsns;
}

struct TempDirectory {
    std::string path;
    TempDirectory() {
        char tmpl[] = "/tmp/understudy-reader-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDirectory() { std::filesystem::remove_all(path); }
    void write(const std::string& name, std::span<const std::uint8_t> bytes) const {
        std::ofstream f(path + "/" + name, std::ios::binary | std::ios::trunc);
        f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
};

}  // namespace

TEST_CASE("records are read back in order, across pages and a segment boundary") {
    WalBuilder b;
    std::vector<XLogRecPtr> lsns;
    for (int i = 0; i < 50; ++i) lsns.push_back(b.add_data(10 + i * 37));
    // Move close to the end of the segment, then a record that crosses into the next one.
    while (b.pos() < b.start() + b.seg_size() - 5000) lsns.push_back(b.add_data(3000));
    lsns.push_back(b.add_data(20000));
    lsns.push_back(b.add_data(5));
    CHECK(lsns.back() > b.start() + b.seg_size());
    b.zero_fill_segment();

    MemorySource src(b.bytes(), b.start(), b.seg_size());
    WalReader r(src);
    r.begin_read(lsns.front());
    ReadStatus last;
    auto got = read_all(r, last);
    CHECK(got == lsns);
    CHECK(last == ReadStatus::EndOfWal);
    CHECK(r.error_message() ==
          fmt::format("invalid record length at {}: wanted 24, got 0", format_lsn(b.pos())));
}

TEST_CASE("decoded records carry header fields and main data") {
    WalBuilder b;
    XLogRecPtr first = b.add_data(300);
    XLogRecPtr second = b.add(10, 0x30, WalBuilder::main_data({1, 2, 3}), 1234);
    MemorySource src(b.bytes(), b.start(), b.seg_size());
    WalReader r(src);
    r.begin_read(first);
    REQUIRE(r.read_record() == ReadStatus::Record);
    CHECK(r.record().main_data_len == 300);
    CHECK(r.record().main_data[1] == 10);
    REQUIRE(r.read_record() == ReadStatus::Record);
    const DecodedRecord& rec = r.record();
    CHECK(rec.lsn == second);
    CHECK(rec.xl_prev == first);
    CHECK(rec.xl_xid == 1234);
    CHECK(rec.xl_rmid == 10);
    CHECK(rec.info() == 0x30);
    CHECK(rec.xl_tot_len == 24 + 2 + 3);
    CHECK(rec.end_lsn == maxalign(second + 29));
    CHECK(rec.main_data.size() == 3);
    CHECK(rec.main_data[2] == 3);
}

TEST_CASE("an XLOG_SWITCH moves to the next segment, also when it ends on a page boundary") {
    for (bool on_boundary : {false, true}) {
        CAPTURE(on_boundary);
        WalBuilder b;
        XLogRecPtr first = b.add_data(100);
        if (on_boundary) {
            // Fill so the 24-byte switch record ends exactly at a page end.
            while ((b.pos() % XLOG_BLCKSZ) != XLOG_BLCKSZ - 24) {
                std::uint64_t room = XLOG_BLCKSZ - 24 - b.pos() % XLOG_BLCKSZ;
                if (room >= 32 && room <= 250 + 32) b.add_data(room - 26);
                else b.add_data(200);
            }
        }
        XLogRecPtr sw = b.add(0, XLOG_SWITCH, {});
        if (on_boundary) CHECK((sw + 24) % XLOG_BLCKSZ == 0);
        XLogRecPtr next = b.add_data(40);
        CHECK(next == b.start() + b.seg_size() + SizeOfXLogLongPHD);
        b.add_data(40);

        MemorySource src(b.bytes(), b.start(), b.seg_size());
        WalReader r(src);
        r.begin_read(first);
        bool saw_switch = false;
        while (r.read_record() == ReadStatus::Record) {
            if (r.record().lsn == sw) {
                saw_switch = true;
                CHECK(r.record().end_lsn == b.start() + b.seg_size());
            }
            if (r.record().lsn == next) break;
        }
        CHECK(saw_switch);
        CHECK(r.record().lsn == next);
    }
}

TEST_CASE("a torn last record and a zeroed tail end the WAL; corruption in the middle does not") {
    WalBuilder b;
    XLogRecPtr first = b.add_data(100);
    XLogRecPtr mid = b.add_data(500);
    XLogRecPtr last = b.add_data(12000);
    XLogRecPtr end = b.pos();
    b.zero_fill_segment();

    SUBCASE("torn: the last record's second half was never written") {
        REQUIRE(last < b.start() + XLOG_BLCKSZ);
        REQUIRE(end > b.start() + XLOG_BLCKSZ + 200);
        for (XLogRecPtr p = b.start() + XLOG_BLCKSZ + 200; p < end; ++p) b.at(p) = 0;
        MemorySource src(b.bytes(), b.start(), b.seg_size());
        WalReader r(src);
        r.begin_read(first);
        ReadStatus st;
        auto got = read_all(r, st);
        CHECK(got.size() == 2);
        CHECK(st == ReadStatus::EndOfWal);
        CHECK(r.error_lsn() == last);
        CHECK(r.error_message() == fmt::format(
                  "incorrect resource manager data checksum in record at {}", format_lsn(last)));
    }
    SUBCASE("torn: the page the last record continues on was never written") {
        for (XLogRecPtr p = b.start() + XLOG_BLCKSZ; p < end; ++p) b.at(p) = 0;
        MemorySource src(b.bytes(), b.start(), b.seg_size());
        WalReader r(src);
        r.begin_read(first);
        ReadStatus st;
        CHECK(read_all(r, st).size() == 2);
        CHECK(st == ReadStatus::EndOfWal);
        CHECK(r.error_message() ==
              "invalid magic number 0000 in log segment 000000010000000000000001, offset 8192");
    }
    SUBCASE("a flipped byte in a middle record is corruption at its LSN") {
        b.at(mid + 100) ^= 0x40;
        MemorySource src(b.bytes(), b.start(), b.seg_size());
        WalReader r(src);
        r.begin_read(first);
        ReadStatus st;
        auto got = read_all(r, st);
        CHECK(got.size() == 1);
        CHECK(st == ReadStatus::Corrupt);
        CHECK(r.error_lsn() == mid);
        CHECK(r.read_rec_ptr() == first);
    }
    SUBCASE("a wrong prev-link is corruption") {
        b.at(last + 8) ^= 0x08;
        MemorySource src(b.bytes(), b.start(), b.seg_size());
        WalReader r(src);
        r.begin_read(first);
        ReadStatus st;
        read_all(r, st);
        CHECK(st == ReadStatus::Corrupt);
        CHECK(r.error_message().starts_with("record with incorrect prev-link"));
    }
    SUBCASE("a bad page magic names the segment and offset") {
        b.at(b.start() + XLOG_BLCKSZ) = 0x12;  // second page's xlp_magic
        MemorySource src(b.bytes(), b.start(), b.seg_size());
        WalReader r(src);
        r.begin_read(first);
        ReadStatus st;
        read_all(r, st);
        CHECK(st == ReadStatus::Corrupt);
        CHECK(r.error_message() ==
              "invalid magic number D112 in log segment 000000010000000000000001, offset 8192");
    }
}

TEST_CASE("find_next_record skips continuation data and page headers") {
    WalBuilder b;
    XLogRecPtr a = b.add_data(100);
    XLogRecPtr big = b.add_data(30000);  // spans several pages
    XLogRecPtr after = b.add_data(10);
    b.zero_fill_segment();
    MemorySource src(b.bytes(), b.start(), b.seg_size());
    WalReader r(src);
    CHECK(r.find_next_record(b.start()) == a);
    CHECK(r.find_next_record(a + 8) == big);
    CHECK(r.find_next_record(big + 9000) == after);
    CHECK(r.find_next_record(after) == after);
    REQUIRE(r.read_record() == ReadStatus::Record);
    CHECK(r.record().lsn == after);
}

TEST_CASE("an end LSN stops before records that do not fit, like pg_waldump -e") {
    WalBuilder b;
    XLogRecPtr a = b.add_data(100);
    XLogRecPtr c = b.add_data(100);
    WalReaderOptions o;
    o.end_lsn = c + 50;  // in the middle of c
    MemorySource src(b.bytes(), b.start(), b.seg_size());
    WalReader r(src, o);
    r.begin_read(a);
    CHECK(r.read_record() == ReadStatus::Record);
    CHECK(r.read_record() == ReadStatus::EndOfWal);
    CHECK(r.end_lsn_reached());
    CHECK(r.error_message().empty());
}

TEST_CASE("a directory source reads .partial files and follows them as they grow") {
    WalBuilder b;
    XLogRecPtr first = b.add_data(100);
    for (int i = 0; i < 20; ++i) b.add_data(700);
    XLogRecPtr cut = b.add_data(5000);
    XLogRecPtr last = b.add_data(10);
    std::vector<std::uint8_t> full = b.bytes();
    full.resize(b.seg_size(), 0);

    TempDirectory dir;
    const std::string name = segment_file_name(1, 1, b.seg_size()) + ".partial";
    // Only part of the record at `cut` has arrived.
    dir.write(name, std::span(full).first(static_cast<std::size_t>(cut - b.start() + 2000)));

    DirectorySource src(dir.path, 1, b.seg_size());
    WalReader r(src);
    r.begin_read(first);
    ReadStatus st;
    auto got = read_all(r, st);
    CHECK(got.size() == 21);
    CHECK(st == ReadStatus::EndOfWal);
    CHECK(r.error_lsn() == cut);

    // The rest arrives (and zeros after it, as in a preallocated file): the retry continues.
    dir.write(name, full);
    REQUIRE(r.read_record() == ReadStatus::Record);
    CHECK(r.record().lsn == cut);
    REQUIRE(r.read_record() == ReadStatus::Record);
    CHECK(r.record().lsn == last);
    CHECK(r.read_record() == ReadStatus::EndOfWal);

    // The next segment does not exist: end of WAL, with pg_waldump's words.
    WalBuilder b2;
    b2.add_data(10);
    while (b2.pos() < b2.start() + b2.seg_size() - 3000) b2.add_data(2000);
    b2.add_data(5000);  // crosses into the missing segment
    TempDirectory dir2;
    dir2.write(segment_file_name(1, 1, b2.seg_size()),
               std::span(b2.bytes()).first(b2.seg_size()));
    DirectorySource src2(dir2.path, 1, b2.seg_size());
    WalReader r2(src2);
    r2.begin_read(b2.start() + SizeOfXLogLongPHD);
    read_all(r2, st);
    CHECK(st == ReadStatus::EndOfWal);
    CHECK(r2.end_reason() ==
          "could not find file \"000000010000000000000002\": No such file or directory");
}

TEST_CASE("timeline history files parse and reject bad input") {
    auto h = parse_timeline_history("1\t0/3000000\tno recovery target specified\n\n2\t0/5000158\tx\n");
    REQUIRE(h);
    REQUIRE(h->size() == 2);
    CHECK((*h)[1].tli == 2);
    CHECK((*h)[1].switchpoint == 0x5000158);
    CHECK_FALSE(parse_timeline_history("2\t0/1\tx\n1\t0/2\ty\n"));
    CHECK_FALSE(parse_timeline_history("garbage\n"));
}
