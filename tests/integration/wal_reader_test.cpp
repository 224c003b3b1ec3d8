// The reader, decoder and page-image restore against WAL from a real PostgreSQL 15, and
// `understudy waldump` against pg_waldump on the same range.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/bytes.h"
#include "common/lsn.h"
#include "wal/page_image.h"
#include "wal/wal_reader.h"
#include "wal/wal_source.h"
#include "tests/support/pg_cluster.h"

using namespace understudy;
using namespace understudy::testing;

namespace {

constexpr std::uint32_t kSegSize = 16u << 20;

XLogRecPtr lsn_of(const PgCluster& pg, const std::string& expr = "pg_current_wal_insert_lsn()") {
    auto l = parse_lsn(pg.sql("select " + expr));
    REQUIRE(l);
    return *l;
}

std::string read_binary(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

// Runs pg_waldump and understudy waldump with the same arguments.
struct DumpPair {
    RunResult pg, us;
};
DumpPair dump_both(const std::vector<std::string>& args) {
    std::vector<std::string> a = {pg_tool("pg_waldump")};
    a.insert(a.end(), args.begin(), args.end());
    std::vector<std::string> b = {understudy_bin(), "waldump"};
    b.insert(b.end(), args.begin(), args.end());
    return {run(a), run(b)};
}

}  // namespace

TEST_CASE("page images restored from pglz, lz4, zstd and plain WAL equal the pages VACUUM FULL wrote") {
    PgCluster pg;
    for (const std::string method : {"off", "pglz", "lz4", "zstd"}) {
        CAPTURE(method);
        pg.sql("alter system set wal_compression = '" + method + "'");
        pg.sql("select pg_reload_conf()");
        REQUIRE(pg.sql("show wal_compression") == method);
        const std::string table = "img_" + method;
        pg.sql("create table " + table + " (a int, b text) with (autovacuum_enabled = off)");
        pg.sql("insert into " + table +
               " select g, repeat(chr(65 + g % 26), 50 + g % 300) from generate_series(1, 3000) g");
        const XLogRecPtr start = lsn_of(pg);
        pg.sql("vacuum full " + table);
        const XLogRecPtr end = lsn_of(pg);
        const std::string path = pg.data_dir() + "/" + pg.sql("select pg_relation_filepath('" + table + "')");
        const auto filenode = static_cast<Oid>(std::stoul(pg.sql("select pg_relation_filenode('" + table + "')")));
        pg.sql("checkpoint");
        const std::string file = read_binary(path);
        REQUIRE(file.size() % BLCKSZ == 0);
        REQUIRE(file.size() >= 10 * BLCKSZ);

        DirectorySource src(pg.wal_dir(), 1, kSegSize);
        WalReaderOptions opts;
        opts.end_lsn = end;
        WalReader reader(src, opts);
        REQUIRE(reader.find_next_record(start) != InvalidXLogRecPtr);
        std::size_t images = 0, compressed = 0, mismatches = 0;
        std::array<std::uint8_t, BLCKSZ> page;
        while (reader.read_record() == ReadStatus::Record) {
            const DecodedRecord& rec = reader.record();
            for (int id = 0; id <= rec.max_block_id; ++id) {
                const DecodedBkpBlock* b = rec.block(id);
                if (!b || !b->has_image || b->rnode.relNode != filenode) continue;
                auto ok = restore_block_image(rec, id, page);
                REQUIRE_MESSAGE(ok, ok.message());
                ++images;
                if (b->compression != ImageCompression::None) {
                    ++compressed;
                    CHECK(std::string(image_compression_name(b->compression)) == method);
                }
                REQUIRE(static_cast<std::size_t>(b->blkno + 1) * BLCKSZ <= file.size());
                const char* disk = file.data() + static_cast<std::size_t>(b->blkno) * BLCKSZ;
                // pd_lsn (bytes 0-7) and pd_checksum (8-9) are set after the image was logged
                // (log_newpage stamps the record's LSN; the checksum is set at write time).
                std::size_t diff = 10;
                while (diff < BLCKSZ && page[diff] == static_cast<std::uint8_t>(disk[diff])) ++diff;
                if (diff != BLCKSZ && mismatches++ < 3)
                    MESSAGE("block " << b->blkno << " differs at byte " << diff);
                if (load<std::uint64_t>(page.data()) > rec.lsn) ++mismatches;
            }
        }
        CHECK(images == file.size() / BLCKSZ);
        CHECK(mismatches == 0);
        if (method != "off") CHECK(compressed > 0);
        else CHECK(compressed == 0);
    }
}

TEST_CASE("understudy waldump prints pg_waldump's lines (records, block references, stats)") {
    PgOptions o;
    o.conf = {"wal_compression = lz4"};
    PgCluster pg(o);
    const XLogRecPtr start = lsn_of(pg);
    pg.pgbench_init(1);
    pg.pgbench(3, 2);
    pg.sql("create table w (a int primary key, b text); insert into w select g, md5(g::text) from "
           "generate_series(1, 20000) g; create index on w (b); delete from w where a % 3 = 0");
    pg.sql("vacuum w");
    pg.sql("checkpoint");
    pg.sql("update w set b = b || 'x' where a % 10 = 1");
    const XLogRecPtr end = lsn_of(pg);
    const std::vector<std::string> range = {"-p", pg.wal_dir(), "-s", format_lsn(start), "-e",
                                            format_lsn(end)};
    for (const std::vector<std::string>& extra :
         {std::vector<std::string>{}, {"-b"}, {"--stats"}, {"--stats=record"}, {"-z", "-r", "Heap"}, {"-w", "-b"},
          {"-n", "100", "-F", "main"}}) {
        auto args = range;
        args.insert(args.end(), extra.begin(), extra.end());
        CAPTURE(fmt::format("{}", fmt::join(args, " ")));
        auto r = dump_both(args);
        CHECK(r.pg.exit_code == 0);
        CHECK(r.us.exit_code == 0);
        auto pl = lines(r.pg.output), ul = lines(r.us.output);
        CHECK(pl.size() > 5);
        REQUIRE(pl.size() == ul.size());
        std::size_t differing = 0;
        for (std::size_t i = 0; i < pl.size(); ++i) {
            if (pl[i] != ul[i]) {
                if (differing++ < 3) MESSAGE("pg: " << pl[i] << "\nus: " << ul[i]);
            }
        }
        CHECK(differing == 0);
    }

    // --json: one object per record, the same records as the text output.
    {
        auto text = run({understudy_bin(), "waldump", "-p", pg.wal_dir(), "-s", format_lsn(start),
                         "-e", format_lsn(end)});
        auto json = run({understudy_bin(), "waldump", "--json", "-p", pg.wal_dir(), "-s",
                         format_lsn(start), "-e", format_lsn(end)});
        REQUIRE(json.exit_code == 0);
        auto tl = lines(text.output), jl = lines(json.output);
        if (!tl.empty() && tl[0].starts_with("first record is after")) tl.erase(tl.begin());
        REQUIRE(tl.size() == jl.size());
        for (std::size_t i = 0; i < jl.size(); ++i) {
            auto j = nlohmann::json::parse(jl[i]);
            auto lsn = parse_lsn(j["lsn"].get<std::string>());
            REQUIRE(lsn);
            const std::string lsn08 = fmt::format("lsn: {:X}/{:08X},", *lsn >> 32, *lsn & 0xFFFFFFFF);
            REQUIRE(tl[i].find(lsn08) != std::string::npos);
            CHECK(tl[i].find("rmgr: " + j["rmgr"].get<std::string>()) == 0);
            CHECK(tl[i].find(fmt::format("tx: {:>10}", j["xid"].get<std::uint32_t>())) != std::string::npos);
            if (!j["desc"].get<std::string>().empty())
                CHECK(tl[i].find(j["desc"].get<std::string>()) != std::string::npos);
        }
    }

    // Reading on past the end: both stop at the same place with the same error.
    auto r = dump_both({"-p", pg.wal_dir(), "-s", format_lsn(end), "-q"});
    CHECK(r.pg.exit_code == 1);
    CHECK(r.us.exit_code == 1);
    auto tail = [](const std::string& s) { return s.substr(s.find("error: ")); };
    CHECK(tail(r.pg.output) == tail(r.us.output));
}

TEST_CASE("an XLOG_SWITCH that ends exactly on a page boundary, then the next segment") {
    PgCluster pg;
    XLogRecPtr switch_lsn = InvalidXLogRecPtr;
    // Pad with non-transactional logical messages so the 24-byte switch record ends at a page
    // end; other backends may write WAL in between, so verify and retry.
    for (int attempt = 0; attempt < 20 && switch_lsn == InvalidXLogRecPtr; ++attempt) {
        XLogRecPtr p = lsn_of(pg);
        const std::uint64_t room = XLOG_BLCKSZ - p % XLOG_BLCKSZ;  // bytes left on this page
        if (room < 24 + 56) {
            pg.sql("select pg_logical_emit_message(false, 'p', repeat('x', 100))");
            continue;
        }
        // Message record = 24 header + data header (2 short, 5 long) + 24 xl_logical_message
        // + prefix "p\0" + message; it must end where the switch record starts.
        const std::uint64_t want = room - 24;
        const std::uint64_t msg = want - 52 <= 229 ? want - 52 : want - 55;
        const std::string q = fmt::format(
            "select pg_logical_emit_message(false, 'p', repeat('x', {})), pg_switch_wal()", msg);
        pg.sql(q);
        // Find the switch record: the last record of that segment.
        DirectorySource src(pg.wal_dir(), 1, kSegSize);
        WalReader reader(src);
        if (reader.find_next_record(p) == InvalidXLogRecPtr) continue;
        while (reader.read_record() == ReadStatus::Record) {
            const DecodedRecord& rec = reader.record();
            if (rec.xl_rmid == 0 && rec.info() == XLOG_SWITCH) {
                if ((rec.lsn + SizeOfXLogRecord) % XLOG_BLCKSZ == 0) switch_lsn = rec.lsn;
                break;
            }
        }
    }
    REQUIRE(switch_lsn != InvalidXLogRecPtr);
    pg.sql("create table after_switch (a int); insert into after_switch values (1)");
    pg.sql("checkpoint");
    const XLogRecPtr end = lsn_of(pg);

    DirectorySource src(pg.wal_dir(), 1, kSegSize);
    WalReader reader(src);
    reader.begin_read(switch_lsn);
    REQUIRE(reader.read_record() == ReadStatus::Record);
    CHECK(reader.record().end_lsn % kSegSize == 0);
    REQUIRE(reader.read_record() == ReadStatus::Record);
    CHECK(reader.record().lsn == reader.record().lsn / kSegSize * kSegSize + SizeOfXLogLongPHD);
    CHECK(reader.record().xl_prev == switch_lsn);

    auto r = dump_both({"-p", pg.wal_dir(), "-s", format_lsn(switch_lsn - 200), "-e", format_lsn(end)});
    CHECK(r.us.exit_code == r.pg.exit_code);
    auto pl = lines(r.pg.output), ul = lines(r.us.output);
    REQUIRE(pl.size() == ul.size());
    for (std::size_t i = 0; i < pl.size(); ++i) CHECK(pl[i] == ul[i]);
}

TEST_CASE("following pg_wal: the reader waits at the end of WAL and continues as it grows") {
    PgCluster pg;
    const XLogRecPtr start = lsn_of(pg);
    DirectorySource src(pg.wal_dir(), 1, kSegSize);
    WalReader reader(src);
    REQUIRE(reader.find_next_record(start - start % XLOG_BLCKSZ) != InvalidXLogRecPtr);
    // Read to the current end.
    while (reader.read_record() == ReadStatus::Record) {
    }
    CHECK(reader.error_message().starts_with("invalid record length"));

    pg.sql("create table grow (a int); insert into grow select generate_series(1, 50000)");
    const XLogRecPtr target = lsn_of(pg, "pg_current_wal_flush_lsn()");
    std::atomic<bool> stop{false};
    bool reached = false;
    for (int i = 0; i < 200000 && !reached; ++i) {
        ReadStatus st = reader.read_record_following(std::chrono::milliseconds(20), &stop);
        REQUIRE(st == ReadStatus::Record);
        reached = reader.record().end_lsn >= target;
    }
    CHECK(reached);
}
