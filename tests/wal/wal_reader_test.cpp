// The reader on WAL written by tests/redo/wal_builder.h: page and segment crossings, switch
// records, torn / zeroed tails, corruption, find-next, follow on a growing .partial file.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "wal/wal_reader.h"
#include "wal/wal_source.h"
#include "tests/wal/wal_builder.h"
#include "tests/support/files.h"

using namespace understudy;
using understudy::testing::WalBuilder;

namespace {

struct TempDirectory : understudy::testing::TempDirectory {
    TempDirectory() : understudy::testing::TempDirectory("understudy-reader") {}
};

std::vector<XLogRecPtr> read_all(WalReader& r, ReadStatus& last) {
    std::vector<XLogRecPtr> lsns;
    while ((last = r.read_record()) == ReadStatus::Record) lsns.push_back(r.record().lsn);
    return lsns;
}

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
        CHECK(r.error_kind() == WalErrorKind::RecordChecksum);
    }
    SUBCASE("torn, read with AbsoluteConsistency: the same message, but corruption") {
        for (XLogRecPtr p = b.start() + XLOG_BLCKSZ + 200; p < end; ++p) b.at(p) = 0;
        MemorySource src(b.bytes(), b.start(), b.seg_size());
        WalReaderOptions opts;
        opts.recovery_mode = WalRecoveryMode::AbsoluteConsistency;
        WalReader r(src, opts);
        r.begin_read(first);
        ReadStatus st;
        CHECK(read_all(r, st).size() == 2);
        CHECK(st == ReadStatus::Corrupt);
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
        CHECK(r.unsupported_version().empty());  // no version has D112
        CHECK(r.error_kind() == WalErrorKind::InvalidMagic);
    }
    SUBCASE("WAL of every supported version is read, and each record carries its version") {
        // PostgreSQL 16's XLOG_PAGE_MAGIC on every page (the record format is the same from
        // 14 to 18; checked against real servers' WAL in tests/integration/versions_test.cpp).
        for (std::size_t off = 0; off < b.bytes().size(); off += XLOG_BLCKSZ)
            store<std::uint16_t>(&b.at(b.start() + off), 0xD113);
        MemorySource src(b.bytes(), b.start(), b.seg_size());
        WalReader r(src);
        REQUIRE(r.find_next_record(b.start()) == first);
        REQUIRE(r.read_record() == ReadStatus::Record);
        CHECK(r.record().format->major_version == 16);
        CHECK(r.format() == &kWalFormatPg16);
    }
    SUBCASE("a page of another major version than the pages before it stops reading and says so") {
        store<std::uint16_t>(&b.at(b.start() + XLOG_BLCKSZ), 0xD113);  // second page: PostgreSQL 16
        MemorySource src(b.bytes(), b.start(), b.seg_size());
        WalReader r(src);
        r.begin_read(first);
        ReadStatus st;
        read_all(r, st);
        CHECK(st == ReadStatus::Corrupt);
        CHECK(r.error_kind() == WalErrorKind::MixedVersions);
        CHECK(r.error_message() ==
              "log segment 000000010000000000000001, offset 8192, is PostgreSQL 16 WAL (page magic 0xD113), "
              "but the WAL read before it is PostgreSQL 15 WAL (page magic 0xD110): one WAL directory or "
              "stream holds the WAL of one cluster; move the other cluster's segments to a directory of "
              "their own");
        CHECK(r.unsupported_version() == r.error_message());
        // Following does not wait on it.
        CHECK(r.read_record_following(std::chrono::milliseconds(10)) == ReadStatus::Corrupt);
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

TEST_CASE("a readable limit (the receiver's flushed position) hides bytes still being written") {
    WalBuilder b;
    XLogRecPtr first = b.add_data(100);
    for (int i = 0; i < 20; ++i) b.add_data(700);
    XLogRecPtr cut = b.add_data(5000);
    XLogRecPtr last = b.add_data(10);
    std::vector<std::uint8_t> full = b.bytes();
    full.resize(b.seg_size(), 0);
    const auto cut_off = static_cast<std::size_t>(cut - b.start());

    // The file already holds the whole header of the record at `cut` but its body is caught
    // mid-write (garbage, not zeros): without a limit that reads as corruption.
    std::vector<std::uint8_t> torn = full;
    for (std::size_t i = cut_off + 100; i < cut_off + 3000; ++i) torn[i] = static_cast<std::uint8_t>(i * 7 + 1);

    TempDirectory dir;
    const std::string name = segment_file_name(1, 1, b.seg_size()) + ".partial";
    dir.write(name, torn);
    {
        DirectorySource src(dir.path, 1, b.seg_size());
        WalReader r(src);
        r.begin_read(first);
        ReadStatus st;
        read_all(r, st);
        CHECK(st == ReadStatus::Corrupt);
        CHECK(r.error_lsn() == cut);
    }

    // Flushed only up to `cut` + 200: the record at `cut` is not there yet, for now.
    std::atomic<XLogRecPtr> flushed{cut + 200};
    DirectorySource src(dir.path, 1, b.seg_size());
    WalReaderOptions opts;
    opts.readable_limit = &flushed;
    WalReader r(src, opts);
    r.begin_read(first);
    ReadStatus st;
    auto got = read_all(r, st);
    CHECK(got.size() == 21);
    CHECK(st == ReadStatus::EndOfWal);
    CHECK(r.error_lsn() == cut);
    CHECK(r.end_reason().find("to be flushed") != std::string::npos);

    // The write completes and is flushed: the bytes read before are read again, not trusted.
    dir.write(name, full);
    flushed.store(last);
    REQUIRE(r.read_record() == ReadStatus::Record);
    CHECK(r.record().lsn == cut);
    CHECK(r.read_record() == ReadStatus::EndOfWal);  // `last` ends past the limit
    flushed.store(b.pos());
    REQUIRE(r.read_record() == ReadStatus::Record);
    CHECK(r.record().lsn == last);

    // The limit moves on between two reads that both succeed: the bytes past the old limit,
    // read while still being written, must not be trusted either. (A file shorter than a
    // segment is read with read(), not mapped: a copy that can go stale.)
    const std::size_t short_len = static_cast<std::size_t>(b.pos() - b.start()) + 100;
    dir.write(name, std::span(torn).first(short_len));
    std::atomic<XLogRecPtr> flushed2{cut};
    DirectorySource src2(dir.path, 1, b.seg_size());
    WalReaderOptions opts2;
    opts2.readable_limit = &flushed2;
    WalReader r2(src2, opts2);
    r2.begin_read(first);
    for (int i = 0; i < 21; ++i) REQUIRE(r2.read_record() == ReadStatus::Record);
    dir.write(name, std::span(full).first(short_len));
    flushed2.store(b.pos());
    REQUIRE(r2.read_record() == ReadStatus::Record);
    CHECK(r2.record().lsn == cut);
}

TEST_CASE("a record whose continuation was overwritten is skipped (XLP_FIRST_IS_OVERWRITE_CONTRECORD)") {
    WalBuilder b;
    XLogRecPtr first = b.add_data(100);
    while (b.pos() % XLOG_BLCKSZ < 4000) b.add_data(500);
    XLogRecPtr before = b.add_data(10);
    XLogRecPtr aborted = b.add_aborted(9000);
    CHECK(b.pos() % XLOG_BLCKSZ == 0);
    // PostgreSQL writes XLOG_OVERWRITE_CONTRECORD (0xD0) first; its prev-link is the last good
    // record.
    XLogRecPtr overwrite = b.add(0, 0xD0, WalBuilder::main_data(std::vector<std::uint8_t>(16, 1)));
    XLogRecPtr after = b.add_data(20);
    b.zero_fill_segment();

    MemorySource src(b.bytes(), b.start(), b.seg_size());
    WalReader r(src);
    r.begin_read(first);
    ReadStatus st;
    auto got = read_all(r, st);
    REQUIRE(got.size() >= 4);
    CHECK(got[got.size() - 3] == before);
    CHECK(got[got.size() - 2] == overwrite);
    CHECK(got.back() == after);
    CHECK(std::find(got.begin(), got.end(), aborted) == got.end());
    CHECK(r.overwritten_rec_ptr() == aborted);
    CHECK(overwrite == aborted - aborted % XLOG_BLCKSZ + XLOG_BLCKSZ + SizeOfXLogShortPHD);
}

TEST_CASE("timelines: segments are found through the history file; a timeline going back is corrupt") {
    WalBuilder b;
    XLogRecPtr first = b.add_data(50);
    while (b.pos() < b.start() + b.seg_size() - 2000) b.add_data(1500);
    b.add(0, XLOG_SWITCH, {});
    b.set_tli(2);  // timeline 2 starts in segment 2
    XLogRecPtr on_tli2 = b.add_data(30);
    b.add_data(30);
    b.zero_fill_segment();
    std::vector<std::uint8_t>& all = b.bytes();
    const std::size_t seg = b.seg_size();

    TempDirectory dir;
    dir.write(segment_file_name(1, 1, b.seg_size()), std::span(all).first(seg));
    dir.write(segment_file_name(2, 2, b.seg_size()), std::span(all).subspan(seg, seg));
    {
        std::ofstream h(dir.path + "/00000002.history");
        h << "1\t0/200000\tno recovery target specified\n";
    }
    SUBCASE("reading timeline 2 with its history reaches segment 1 on timeline 1") {
        DirectorySource src(dir.path, 2, b.seg_size());
        REQUIRE(src.load_history());
        WalReader r(src);
        r.begin_read(first);
        ReadStatus st;
        auto got = read_all(r, st);
        CHECK(got.front() == first);
        CHECK(std::find(got.begin(), got.end(), on_tli2) != got.end());
    }
    SUBCASE("without the history, timeline 2 has no segment 1") {
        DirectorySource src(dir.path, 2, b.seg_size());
        WalReader r(src);
        r.begin_read(first);
        CHECK(r.read_record() == ReadStatus::EndOfWal);
        CHECK(r.end_reason().find("000000020000000000000001") != std::string::npos);
    }
    SUBCASE("pages of timeline 1 after pages of timeline 2") {
        // Relabel segment 1's pages as timeline 3: segment 2 (timeline 2) then goes backwards.
        for (std::size_t off = 0; off < seg; off += XLOG_BLCKSZ)
            store<std::uint32_t>(all.data() + off + page_layout::xlp_tli, 3);
        MemorySource src(all, b.start(), b.seg_size());
        WalReader r(src);
        r.begin_read(first);
        ReadStatus st;
        read_all(r, st);
        CHECK(st == ReadStatus::Corrupt);
        CHECK(r.error_message() ==
              "out-of-sequence timeline ID 2 (after 3) in log segment 000000010000000000000002, offset 0");
    }
}

TEST_CASE("resource manager ids: built-in and custom ones are valid, 22..127 are not") {
    WalBuilder b;
    XLogRecPtr first = b.add_data(10);
    b.add_data(10, 130);  // a custom rmgr (PostgreSQL 15 allows 128..255)
    XLogRecPtr bad = b.add_data(10, 50);
    MemorySource src(b.bytes(), b.start(), b.seg_size());
    WalReader r(src);
    r.begin_read(first);
    REQUIRE(r.read_record() == ReadStatus::Record);
    REQUIRE(r.read_record() == ReadStatus::Record);
    CHECK(r.record().xl_rmid == 130);
    CHECK(r.read_record() == ReadStatus::Corrupt);
    CHECK(r.error_message() == fmt::format("invalid resource manager ID 50 at {}", format_lsn(bad)));
}

TEST_CASE("a single segment file is read from any path; its segment number comes from its name or header") {
    WalBuilder b;
    XLogRecPtr first = b.add_data(10);
    XLogRecPtr second = b.add_data(2000);
    b.zero_fill_segment();
    TempDirectory dir;
    dir.write("copy-of-wal", b.bytes());
    dir.write(segment_file_name(1, 1, b.seg_size()), b.bytes());
    for (const char* name : {"copy-of-wal", "000000010000000000000001"}) {
        CAPTURE(name);
        auto src = FileSource::open(dir.path + "/" + name);
        REQUIRE(src);
        CHECK(src->segno() == 1);
        CHECK(src->segment_size() == b.seg_size());
        WalReader r(*src);
        CHECK(r.find_next_record(b.start()) == first);
        REQUIRE(r.read_record() == ReadStatus::Record);
        REQUIRE(r.read_record() == ReadStatus::Record);
        CHECK(r.record().lsn == second);
        CHECK(r.read_record() == ReadStatus::EndOfWal);
    }
    dir.write("short", std::span(b.bytes()).first(100));
    CHECK_FALSE(FileSource::open(dir.path + "/short"));
}

namespace {

struct Seen {
    ReadStatus status;
    RecordSummary s;
    std::string error;
    XLogRecPtr error_lsn;
};

// Everything a reader reports, record by record, with or without decoding the blocks; with
// `batch` > 0, through WalReader::read_summaries() that many records at a time.
std::vector<Seen> read_summaries(WalBuilder& b, XLogRecPtr from, bool decode_blocks,
                                 std::size_t batch = 0) {
    MemorySource src(b.bytes(), b.start(), b.seg_size());
    WalReaderOptions o;
    o.decode_blocks = decode_blocks;
    WalReader r(src, o);
    r.begin_read(from);
    std::vector<Seen> out;
    std::vector<RecordSummary> got(batch);
    while (batch > 0) {
        ReadStatus st = ReadStatus::Corrupt;
        const std::size_t n = r.read_summaries(got, st);
        CHECK(n <= batch);
        for (std::size_t i = 0; i < n; ++i) out.push_back({ReadStatus::Record, got[i], "", 0});
        if (st == ReadStatus::Record) {
            CHECK(n == batch);
            continue;
        }
        out.push_back({st, RecordSummary{}, r.error_message(), r.error_lsn()});
        return out;
    }
    for (;;) {
        const ReadStatus st = r.read_record();
        out.push_back({st, st == ReadStatus::Record ? r.summary() : RecordSummary{},
                       r.error_message(), st == ReadStatus::Record ? 0 : r.error_lsn()});
        if (st != ReadStatus::Record) return out;
        if (decode_blocks) {
            CHECK(r.summary().lsn == r.record().lsn);
            CHECK(r.summary().xl_tot_len == r.record().xl_tot_len);
        }
    }
}

bool same(const std::vector<Seen>& a, const std::vector<Seen>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const RecordSummary &x = a[i].s, &y = b[i].s;
        if (a[i].status != b[i].status || a[i].error != b[i].error ||
            a[i].error_lsn != b[i].error_lsn || x.lsn != y.lsn || x.end_lsn != y.end_lsn ||
            x.xl_tot_len != y.xl_tot_len || x.xl_xid != y.xl_xid || x.xl_info != y.xl_info ||
            x.xl_rmid != y.xl_rmid || x.rec_len != y.rec_len || x.fpi_len != y.fpi_len)
            return false;
    }
    return true;
}

// A block reference with an uncompressed full-page image (no hole) and `data_len` bytes of data.
std::vector<std::uint8_t> body_with_image(std::uint16_t data_len, std::size_t origins = 0) {
    std::vector<std::uint8_t> h;
    const auto u8 = [&](std::uint8_t v) { h.push_back(v); };
    const auto u16 = [&](std::uint16_t v) { u8(static_cast<std::uint8_t>(v)); u8(static_cast<std::uint8_t>(v >> 8)); };
    const auto u32 = [&](std::uint32_t v) { u16(static_cast<std::uint16_t>(v)); u16(static_cast<std::uint16_t>(v >> 16)); };
    for (std::size_t i = 0; i < origins; ++i) {  // legal, if odd: DecodeXLogRecord takes repeats
        u8(XLR_BLOCK_ID_ORIGIN);
        u16(static_cast<std::uint16_t>(i));
    }
    u8(0);
    u8(static_cast<std::uint8_t>(BKPBLOCK_HAS_IMAGE | (data_len ? BKPBLOCK_HAS_DATA : 0)));
    u16(data_len);
    u16(BLCKSZ); u16(0); u8(0x02);
    u32(1663); u32(5); u32(16384); u32(9);
    u8(XLR_BLOCK_ID_DATA_SHORT); u8(4);
    for (std::size_t i = 0; i < BLCKSZ; ++i) u8(static_cast<std::uint8_t>(i * 13));
    for (std::size_t i = 0; i < data_len; ++i) u8(static_cast<std::uint8_t>(i));
    u32(0xABCDEF01u);
    return h;
}

}  // namespace

TEST_CASE("without block decoding the reader reports the same records, lengths and errors") {
    WalBuilder b;
    const XLogRecPtr first = b.add_data(10);
    for (int i = 0; i < 40; ++i) {
        b.add_data(static_cast<std::size_t>(5 + i * 53), 10, 0x20);
        b.add(10, 0x30, body_with_image(static_cast<std::uint16_t>(i * 11)), 1000u + static_cast<std::uint32_t>(i));
    }
    // Headers longer than the 1 kB head the reader copies first: it must read the record again.
    const XLogRecPtr long_headers = b.add(10, 0x40, body_with_image(20, 600));
    while (b.pos() < b.start() + b.seg_size() - 3000) b.add_data(900);
    const XLogRecPtr crossing = b.add(10, 0x30, body_with_image(100));  // into the next segment
    CHECK(crossing + 8300 > b.start() + b.seg_size());
    b.add_data(5);
    b.zero_fill_segment();

    const auto full = read_summaries(b, first, true);
    const auto lengths = read_summaries(b, first, false);
    CHECK(full.size() > 80);
    CHECK(same(full, lengths));
    for (const std::size_t batch : {1u, 7u, 64u}) {
        CAPTURE(batch);
        CHECK(same(full, read_summaries(b, first, false, batch)));
    }
    bool saw_long = false, saw_image = false;
    for (const auto& s : lengths) {
        saw_long = saw_long || (s.s.lsn == long_headers && s.s.fpi_len == BLCKSZ);
        saw_image = saw_image || (s.s.lsn == crossing && s.s.fpi_len == BLCKSZ &&
                                  s.s.rec_len == s.s.xl_tot_len - BLCKSZ);
    }
    CHECK(saw_long);
    CHECK(saw_image);

    // Damage inside a record that crosses pages (its image) and in a record's block header:
    // the same error, at the same LSN, either way.
    // A record inside a page (its data, then its xl_prev) fails as well.
    for (const XLogRecPtr at : {crossing + 5000, long_headers + SizeOfXLogRecord + 1800 + 6,
                                crossing + SizeOfXLogRecord + 1, first + SizeOfXLogRecord + 1,
                                long_headers + 9}) {
        WalBuilder damaged = b;
        damaged.at(at) ^= 0x40;
        const auto f = read_summaries(damaged, first, true);
        const auto l = read_summaries(damaged, first, false);
        CAPTURE(format_lsn(at));
        CHECK(f.back().status == ReadStatus::Corrupt);
        CHECK(same(f, l));
        CHECK(same(f, read_summaries(damaged, first, false, 7)));
    }
}

TEST_CASE("without block decoding, a record that crosses pages and does not decode fails the same") {
    WalBuilder b;
    const XLogRecPtr first = b.add_data(10);
    b.add_data(7000);
    auto body = body_with_image(0);
    body[1] |= BKPBLOCK_HAS_DATA;  // ... with no data: DecodeXLogRecord rejects it
    const XLogRecPtr bad = b.add(10, 0x30, body);
    b.add_data(5);
    b.zero_fill_segment();
    const auto full = read_summaries(b, first, true);
    const auto lengths = read_summaries(b, first, false);
    REQUIRE(full.size() == 3);
    CHECK(full.back().status == ReadStatus::Corrupt);
    CHECK(full.back().error_lsn == bad);
    CHECK(full.back().error.starts_with("BKPBLOCK_HAS_DATA set, but no data included at "));
    CHECK(same(full, lengths));
    CHECK(same(full, read_summaries(b, first, false, 2)));
}

TEST_CASE("read_summaries: a record inside a page that does not decode fails as read_record's") {
    WalBuilder b;
    const XLogRecPtr first = b.add_data(10);
    b.add_data(30);
    // One block reference with BKPBLOCK_HAS_DATA and no data, its relation, short main data.
    std::vector<std::uint8_t> body = {0, BKPBLOCK_HAS_DATA, 0, 0};
    for (int i = 0; i < 16; ++i) body.push_back(static_cast<std::uint8_t>(i + 1));
    body.push_back(XLR_BLOCK_ID_DATA_SHORT);
    body.push_back(3);
    body.insert(body.end(), {7, 8, 9});
    const XLogRecPtr bad = b.add(10, 0x00, body);
    b.add_data(5);
    b.zero_fill_segment();
    const auto full = read_summaries(b, first, true);
    REQUIRE(full.size() == 3);
    CHECK(full.back().status == ReadStatus::Corrupt);
    CHECK(full.back().error_lsn == bad);
    CHECK(full.back().error.starts_with("BKPBLOCK_HAS_DATA set, but no data included at "));
    CHECK(same(full, read_summaries(b, first, false)));
    for (const std::size_t batch : {1u, 2u, 3u, 64u}) {
        CAPTURE(batch);
        CHECK(same(full, read_summaries(b, first, false, batch)));
    }
}
