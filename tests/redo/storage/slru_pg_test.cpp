// SLRU files written by a real PostgreSQL 15, read with our code: transaction status of known
// xids (top-level, committed and aborted subtransactions, a commit spanning two clog pages, a
// prepared transaction still in progress), commit timestamps, multixact members; and the same
// data written by our code gives the same bytes.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <vector>

#include "redo/storage/slru.h"
#include "tests/redo/storage/pg_pages.h"
#include "tests/redo/storage/scratch.h"
#include "tests/support/pg_cluster.h"

using namespace understudy;
using namespace understudy::storage;
using namespace understudy::storage::test;
using understudy::testing::PgCluster;
using understudy::testing::PgOptions;

namespace {

TransactionId xid_of(const std::string& s) { return static_cast<TransactionId>(std::stoul(s)); }

// The xid a DO block reports through its exception message "xid=N" (the block then aborts).
TransactionId aborted_xid(const PgCluster& pg, const std::string& body) {
    try {
        pg.sql("do $$ begin " + body + " raise exception 'xid=%', txid_current(); end $$");
    } catch (const std::runtime_error& e) {
        std::smatch m;
        const std::string msg = e.what();
        if (std::regex_search(msg, m, std::regex("xid=([0-9]+)"))) return xid_of(m[1]);
        FAIL("unexpected error: " << msg);
    }
    FAIL("the DO block did not fail");
    return 0;
}

std::vector<std::uint8_t> file_page(const std::string& path, int page_in_segment) {
    std::ifstream f(path, std::ios::binary);
    std::vector<std::uint8_t> all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const std::size_t off = static_cast<std::size_t>(page_in_segment) * BLCKSZ;
    if (all.size() < off + BLCKSZ) return {};
    return {all.begin() + static_cast<long>(off), all.begin() + static_cast<long>(off + BLCKSZ)};
}

}  // namespace

TEST_CASE("pg_xact, pg_commit_ts and pg_multixact of a real PostgreSQL 15") {
    PgOptions opts;
    opts.conf = {"autovacuum = off", "track_commit_timestamp = on", "max_prepared_transactions = 5"};
    PgCluster pg(opts);
    pg.sql("create extension pageinspect");
    pg.sql("create table t(id int primary key, v int)");

    // Committed top-level transactions.
    std::vector<TransactionId> committed;
    for (int i = 1; i <= 5; ++i)
        committed.push_back(xid_of(pg.sql("insert into t values (" + std::to_string(i) + ", 0) returning txid_current()")));
    // Aborted ones.
    std::vector<TransactionId> aborted;
    for (int i = 0; i < 3; ++i) aborted.push_back(aborted_xid(pg, "insert into t values (100 + " + std::to_string(i) + ", 0);"));

    // Subtransactions (PL/pgSQL blocks with an exception clause): one committed with its
    // parent, one rolled back, parent commits.
    pg.sql("do $$ begin insert into t values (10, 0); "
           "begin insert into t values (11, 0); exception when division_by_zero then null; end; "
           "begin insert into t values (12, 0); raise exception 'no'; exception when others then null; end; "
           "end $$");
    const TransactionId top10 = xid_of(pg.sql("select xmin from t where id = 10"));
    const TransactionId sub11 = xid_of(pg.sql("select xmin from t where id = 11"));
    TransactionId sub12 = 0;
    for (auto& r : rows(pg.sql("select t_xmin, t_data from heap_page_items(get_raw_page('t', 0))"))) {
        if (r[1] == "\\x0c00000000000000") sub12 = xid_of(r[0]);  // id 12, v 0
    }
    REQUIRE(sub12 != 0);
    CHECK(sub11 != top10);

    // A commit whose subtransactions span two clog pages (more than 32768 xids); the parent
    // itself has no xid (it wrote nothing), so this is set_status_by_pages territory.
    pg.sql("create table big(id int)");
    pg.sql("do $$ begin for i in 1..33000 loop begin insert into big values (i); exception when division_by_zero then null; end; end loop; end $$");
    auto big_xids = rows(pg.sql("select distinct xmin::text::bigint from big order by 1"));
    REQUIRE(big_xids.size() == 33000);
    CHECK(clog_page_of(xid_of(big_xids.front()[0])) != clog_page_of(xid_of(big_xids.back()[0])));

    // A prepared transaction stays in progress.
    pg.sql("begin; insert into t values (50, 0); prepare transaction 'p1'");
    const TransactionId prepared = xid_of(pg.sql("select transaction from pg_prepared_xacts where gid = 'p1'"));

    // A multixact: a share lock by the parent and an update by a subtransaction.
    pg.sql("begin; select * from t where id = 1 for share; savepoint s; update t set v = 1 where id = 1; commit");
    auto multi_rows = rows(pg.sql("select t_xmax from heap_page_items(get_raw_page('t', 0)) "
                                  "where (t_infomask & 4096) <> 0"));
    REQUIRE(multi_rows.size() >= 1);
    const MultiXactId multi = static_cast<MultiXactId>(std::stoul(multi_rows[0][0]));
    auto pg_members = rows(pg.sql("select xid, mode from pg_get_multixact_members('" + std::to_string(multi) + "'::xid)"));
    REQUIRE(pg_members.size() == 2);

    pg.sql("checkpoint");

    {  // transaction status
        Clog clog(pg.data_dir());
        for (auto x : committed) CHECK(*clog.get_status(x) == TRANSACTION_STATUS_COMMITTED);
        for (auto x : aborted) CHECK(*clog.get_status(x) == TRANSACTION_STATUS_ABORTED);
        CHECK(*clog.get_status(top10) == TRANSACTION_STATUS_COMMITTED);
        CHECK(*clog.get_status(sub11) == TRANSACTION_STATUS_COMMITTED);
        CHECK(*clog.get_status(sub12) == TRANSACTION_STATUS_ABORTED);
        CHECK(*clog.get_status(prepared) == TRANSACTION_STATUS_IN_PROGRESS);
        int big_committed = 0;
        for (auto& r : big_xids) big_committed += *clog.get_status(xid_of(r[0])) == TRANSACTION_STATUS_COMMITTED;
        CHECK(big_committed == 33000);
        // PostgreSQL's own view agrees for the top-level ones.
        for (auto x : committed) CHECK(pg.sql("select pg_xact_status('" + std::to_string(x) + "')") == "committed");
        for (auto x : aborted) CHECK(pg.sql("select pg_xact_status('" + std::to_string(x) + "')") == "aborted");
        CHECK(pg.sql("select pg_xact_status('" + std::to_string(prepared) + "')") == "in progress");
    }

    {  // our writer reproduces PostgreSQL's pg_xact pages byte for byte
        Clog theirs(pg.data_dir());
        const TransactionId next = xid_of(pg.sql("select txid_current()"));  // itself committed after checkpoint
        ScratchDir dir;
        {
            Clog ours(dir.path());
            const std::vector<TransactionId> none;
            for (TransactionId x = 3; x < next; ++x) {
                auto st = theirs.get_status(x);
                REQUIRE(st);
                if (*st != TRANSACTION_STATUS_IN_PROGRESS) REQUIRE(ours.set_tree_status(x, none, *st));
            }
            REQUIRE(ours.flush());
        }
        for (int page = 0; page <= clog_page_of(next - 1); ++page) {
            CAPTURE(page);
            auto a = file_page(pg.data_dir() + "/pg_xact/0000", page);
            auto b = file_page(dir.path() + "/pg_xact/0000", page);
            REQUIRE(a.size() == BLCKSZ);
            CHECK(a == b);
        }
    }

    {  // commit timestamps
        CommitTs cts(pg.data_dir());
        for (TransactionId x : {committed[0], committed[4], top10, sub11}) {
            CAPTURE(x);
            const std::string pg_ts = pg.sql("select ((extract(epoch from pg_xact_commit_timestamp('" + std::to_string(x) +
                                             "'::xid)) - 946684800) * 1000000)::bigint");
            auto e = cts.get(x);
            REQUIRE(e);
            CHECK(std::to_string(e->time) == pg_ts);
            CHECK(e->nodeid == 0);
        }
        // Subtransactions carry the parent's timestamp.
        CHECK(cts.get(sub11)->time == cts.get(top10)->time);
        // Aborted transactions have none.
        CHECK(cts.get(aborted[0])->time == 0);
    }

    {  // multixact members and their bytes
        MultiXactSlrus mx(pg.data_dir());
        auto off = mx.get_offset(multi);
        REQUIRE(off);
        static const std::map<std::string, MultiXactStatus> modes{
            {"keysh", MultiXactStatusForKeyShare}, {"sh", MultiXactStatusForShare},
            {"fornokeyupd", MultiXactStatusForNoKeyUpdate}, {"forupd", MultiXactStatusForUpdate},
            {"nokeyupd", MultiXactStatusNoKeyUpdate}, {"upd", MultiXactStatusUpdate}};
        std::vector<MultiXactMember> ours;
        for (std::size_t i = 0; i < pg_members.size(); ++i) {
            auto m = mx.get_member(*off + static_cast<MultiXactOffset>(i));
            REQUIRE(m);
            CHECK(std::to_string(m->xid) == pg_members[i][0]);
            REQUIRE(modes.count(pg_members[i][1]));
            CHECK(m->status == modes.at(pg_members[i][1]));
            ours.push_back(*m);
        }
        // Rewriting every multixact so far with our writer gives PostgreSQL's pages; the
        // checkpoint record says where the next multixact and its members will go.
        auto next = rows(pg.sql("select next_multixact_id, next_multi_offset from pg_control_checkpoint()"));
        REQUIRE(next.size() == 1);
        const auto next_multi = static_cast<MultiXactId>(std::stoul(next[0][0]));
        const auto next_offset = static_cast<MultiXactOffset>(std::stoul(next[0][1]));
        REQUIRE(next_multi > multi);
        ScratchDir dir;
        {
            MultiXactSlrus copy(dir.path());
            for (MultiXactId m = FirstMultiXactId; m < next_multi; ++m) {
                auto o = mx.get_offset(m);
                REQUIRE(o);
                auto end = m + 1 < next_multi ? mx.get_offset(m + 1) : Result<MultiXactOffset>(next_offset);
                REQUIRE(end);
                std::vector<MultiXactMember> members;
                for (MultiXactOffset k = *o; k < *end; ++k) members.push_back(*mx.get_member(k));
                REQUIRE(copy.record_new_multixact(m, *o, members));
            }
            REQUIRE(copy.flush());
        }
        CHECK(file_page(pg.data_dir() + "/pg_multixact/offsets/0000", 0) == file_page(dir.path() + "/pg_multixact/offsets/0000", 0));
        CHECK(file_page(pg.data_dir() + "/pg_multixact/members/0000", 0) == file_page(dir.path() + "/pg_multixact/members/0000", 0));
    }

    pg.sql("rollback prepared 'p1'");
}
