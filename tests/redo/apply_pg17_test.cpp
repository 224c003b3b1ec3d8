// What PostgreSQL 17 changed outside Heap2 that redo reads as data: the int64 SLRU page numbers
// of CLOG, CommitTs and MultiXact records (kSlruPageNumberVersions, redo::slru_page_number) and
// XLOG_CHECKPOINT_REDO (kXlogVersions). Heap2's PRUNE_* records: apply_heap_test.cpp.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "redo/apply/record_data.h"
#include "redo/rmgr.h"
#include "tests/redo/page_cache_context.h"
#include "tests/redo/storage/scratch.h"
#include "wal/records/clog.h"
#include "wal/records/commit_ts.h"
#include "wal/records/multixact.h"
#include "wal/records/xlog.h"

using namespace understudy;
using understudy::storage::test::ScratchDir;
using understudy::testing::ImageOnlyContext;

namespace {

template <typename T>
void put(std::vector<std::uint8_t>& out, T v) {
    std::uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.insert(out.end(), b, b + sizeof(T));
}

struct MainOnlyRecord {
    DecodedRecord rec;
    std::vector<std::uint8_t> main;

    MainOnlyRecord(std::uint8_t rmid, std::uint8_t info, const WalFormat& format, std::vector<std::uint8_t> bytes)
        : main(std::move(bytes)) {
        rec.xl_rmid = rmid;
        rec.xl_info = info;
        rec.lsn = 0x3000028;
        rec.end_lsn = 0x3000050;
        rec.format = &format;
        rec.main_data = main;
        rec.main_data_len = static_cast<std::uint32_t>(main.size());
    }
};

Result<redo::RedoOutcome> apply(ImageOnlyContext& ctx, const DecodedRecord& rec) {
    return find_rmgr(rec.xl_rmid)->redo(ctx, rec);
}

}  // namespace

TEST_CASE("SLRU page numbers: an int in 14-16 WAL, an int64 in 17's; too short or too large is an error") {
    std::vector<std::uint8_t> wide;
    put<std::int64_t>(wide, 33);
    put<TransactionId>(wide, 1000);
    put<Oid>(wide, 5);
    MainOnlyRecord trunc17(RM_CLOG_ID, CLOG_TRUNCATE, kWalFormatPg17, wide);
    auto p17 = redo::slru_page_number(trunc17.rec, "xl_clog_truncate", sizeof(xl_clog_truncate_fields));
    REQUIRE_MESSAGE(p17, p17.message());
    CHECK(*p17 == 33);
    // The same 16 bytes read as 16's record: the int is the low half of the int64.
    MainOnlyRecord trunc16(RM_CLOG_ID, CLOG_TRUNCATE, kWalFormatPg16, wide);
    CHECK(*redo::slru_page_number(trunc16.rec, "xl_clog_truncate", sizeof(xl_clog_truncate_fields)) == 33);

    // 16's 12-byte xl_clog_truncate is too short for 17's.
    MainOnlyRecord short17(RM_CLOG_ID, CLOG_TRUNCATE, kWalFormatPg17,
                           std::vector<std::uint8_t>(wide.begin(), wide.begin() + 12));
    auto s = redo::slru_page_number(short17.rec, "xl_clog_truncate", sizeof(xl_clog_truncate_fields));
    REQUIRE_FALSE(s);
    CHECK(s.message() == "CLOG TRUNCATE record at 0/3000028: main data has 12 bytes, xl_clog_truncate of PostgreSQL "
                         "17 needs 16; the WAL is damaged");

    std::vector<std::uint8_t> huge;
    put<std::int64_t>(huge, std::int64_t{1} << 40);
    MainOnlyRecord zero17(RM_CLOG_ID, CLOG_ZEROPAGE, kWalFormatPg17, huge);
    auto h = redo::slru_page_number(zero17.rec);
    REQUIRE_FALSE(h);
    CHECK(h.message() == "CLOG ZEROPAGE record at 0/3000028: page number 1099511627776 is outside this SLRU's pages");
}

TEST_CASE("CLOG, CommitTs and MultiXact zero pages of 17 WAL land on the page its int64 names") {
    ScratchDir dir;
    ImageOnlyContext ctx(dir.path());
    // Page 33 of pg_xact is page 1 of segment 0001 (32 pages per segment).
    std::vector<std::uint8_t> page33;
    put<std::int64_t>(page33, 33);
    MainOnlyRecord clog(RM_CLOG_ID, CLOG_ZEROPAGE, kWalFormatPg17, page33);
    auto out = apply(ctx, clog.rec);
    REQUIRE_MESSAGE(out, out.message());
    CHECK(std::filesystem::file_size(dir.path() + "/pg_xact/0001") == 2 * BLCKSZ);

    MainOnlyRecord commit_ts(RM_COMMIT_TS_ID, COMMIT_TS_ZEROPAGE, kWalFormatPg17, page33);
    out = apply(ctx, commit_ts.rec);
    REQUIRE_MESSAGE(out, out.message());
    CHECK(std::filesystem::file_size(dir.path() + "/pg_commit_ts/0001") == 2 * BLCKSZ);

    std::vector<std::uint8_t> page2;
    put<std::int64_t>(page2, 2);
    MainOnlyRecord members(RM_MULTIXACT_ID, XLOG_MULTIXACT_ZERO_MEM_PAGE, kWalFormatPg17, page2);
    out = apply(ctx, members.rec);
    REQUIRE_MESSAGE(out, out.message());
    CHECK(std::filesystem::file_size(dir.path() + "/pg_multixact/members/0000") == 3 * BLCKSZ);

    // A 4-byte page number in 17 WAL is a damaged record.
    MainOnlyRecord narrow(RM_MULTIXACT_ID, XLOG_MULTIXACT_ZERO_OFF_PAGE, kWalFormatPg17, {1, 0, 0, 0});
    out = apply(ctx, narrow.rec);
    REQUIRE_FALSE(out);
    CHECK(out.message() == "MultiXact ZERO_OFF_PAGE record at 0/3000028: main data has 4 bytes, the page number of "
                           "PostgreSQL 17 needs 8; the WAL is damaged");
}

TEST_CASE("XLOG_CHECKPOINT_REDO: applied (nothing to do) in 17 WAL; 0xE0 is no XLOG type in 16's") {
    ScratchDir dir;
    ImageOnlyContext ctx(dir.path());
    std::vector<std::uint8_t> wal_level;
    put<int>(wal_level, WAL_LEVEL_REPLICA);
    MainOnlyRecord redo17(RM_XLOG_ID, XLOG_CHECKPOINT_REDO, kWalFormatPg17, wal_level);
    auto out = apply(ctx, redo17.rec);
    REQUIRE_MESSAGE(out, out.message());
    CHECK(*out == redo::RedoOutcome::applied);
    MainOnlyRecord redo16(RM_XLOG_ID, XLOG_CHECKPOINT_REDO, kWalFormatPg16, wal_level);
    out = apply(ctx, redo16.rec);
    REQUIRE_MESSAGE(out, out.message());
    CHECK(*out == redo::RedoOutcome::unsupported);
}
