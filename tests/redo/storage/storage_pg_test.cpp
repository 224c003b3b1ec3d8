// The storage layer against a real PostgreSQL 15: relation paths (pg_relation_filepath),
// smgr reads of its files, page parsing (pageinspect's page_header / heap_page_items), and our
// page primitives reproducing PostgreSQL's own page changes (heap inserts, prune + vacuum,
// btree vacuum) byte for byte.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "redo/storage/page.h"
#include "wal/relpath.h"
#include "redo/storage/smgr.h"
#include "tests/redo/storage/pg_pages.h"
#include "tests/support/pg_cluster.h"

using namespace understudy;
using namespace understudy::storage;
using namespace understudy::storage::test;
using understudy::testing::PgCluster;
using understudy::testing::PgOptions;
using understudy::testing::TempDir;

namespace {

PgOptions quiet_options() {
    PgOptions o;
    o.conf = {"autovacuum = off"};
    return o;
}

RelFileNode rnode_of(const PgCluster& pg, const std::string& rel, const std::string& db = "postgres") {
    auto r = rows(pg.sql("select case when c.reltablespace = 0 then d.dattablespace else c.reltablespace end, "
                         "case when c.reltablespace = 1664 then 0 else d.oid end, "
                         "pg_relation_filenode(c.oid) from pg_class c, pg_database d "
                         "where c.oid = '" + rel + "'::regclass and d.datname = current_database()", db));
    REQUIRE(r.size() == 1);
    return RelFileNode{static_cast<Oid>(std::stoul(r[0][0])), static_cast<Oid>(std::stoul(r[0][1])),
                       static_cast<Oid>(std::stoul(r[0][2]))};
}

// Bytes from `from` to the end of the page that differ; -1 if none.
int first_difference(const RawPage& a, const RawPage& b, std::size_t from, std::size_t to = BLCKSZ) {
    for (std::size_t i = from; i < to; ++i)
        if (a[i] != b[i]) return static_cast<int>(i);
    return -1;
}

}  // namespace

// Relation paths agree with pg_relation_filepath (tablespace included); the fork files exist
// where we look for them and have the sizes PostgreSQL reports.
static void check_relation_paths(const PgCluster& pg) {
    TempDir spc_dir("understudy-spc", true);
    pg.sql("create tablespace ts1 location '" + spc_dir.path() + "'");
    pg.sql("create table t_def(x int)");
    pg.sql("create table t_spc(x int) tablespace ts1");
    for (const std::string rel : {"t_def", "t_spc", "pg_database", "pg_class"}) {
        const RelFileNode rn = rnode_of(pg, rel);
        CAPTURE(rel);
        CHECK(relation_path(rn, MAIN_FORKNUM) == pg.sql("select pg_relation_filepath('" + rel + "')"));
    }
    CHECK(relation_path(rnode_of(pg, "pg_database"), MAIN_FORKNUM).rfind("global/", 0) == 0);
    // The fork files PostgreSQL made exist where relation_path says.
    pg.sql("insert into t_def select generate_series(1, 1000)");
    pg.sql("vacuum t_def");
    pg.sql("checkpoint");
    Smgr smgr(pg.data_dir());
    const RelFileNode rn = rnode_of(pg, "t_def");
    for (ForkNumber f : {MAIN_FORKNUM, FSM_FORKNUM, VISIBILITYMAP_FORKNUM}) {
        CAPTURE(fork_name(f));
        CHECK(smgr.exists(rn, f));
        auto n = smgr.nblocks(rn, f);
        REQUIRE(n);
        CHECK(std::to_string(*n) ==
              pg.sql(std::string("select pg_relation_size('t_def', '") + fork_name(f) + "') / 8192"));
    }
    CHECK_FALSE(smgr.exists(rn, INIT_FORKNUM));
    pg.sql("create unlogged table t_unlogged(x int)");
    CHECK(smgr.exists(rnode_of(pg, "t_unlogged"), INIT_FORKNUM));
}

// The page header and line pointers we parse from a data file match pageinspect.
static void check_page_parsing(const PgCluster& pg) {
    pg.sql("create table hp(id int, s text)");
    pg.sql("insert into hp select g, repeat('x', g % 37) from generate_series(1, 120) g");
    pg.sql("delete from hp where id % 7 = 0");
    pg.sql("update hp set s = s || 'y' where id % 11 = 0");
    pg.sql("checkpoint");
    Smgr smgr(pg.data_dir());
    const RelFileNode rn = rnode_of(pg, "hp");
    RawPage page{};
    auto st = smgr.read(rn, MAIN_FORKNUM, 0, page);
    REQUIRE(st);
    REQUIRE(*st == ReadStatus::ok);
    // The file block equals the buffer pageinspect reads.
    CHECK(first_difference(page, raw_page(pg, "hp", 0), 0) == -1);

    auto h = rows(pg.sql("select lsn, checksum, flags, lower, upper, special, pagesize, version, prune_xid "
                         "from page_header(get_raw_page('hp', 0))"));
    REQUIRE(h.size() == 1);
    const PageHeaderData ours = page_header(page.data());
    CHECK(format_lsn(ours.pd_lsn) == h[0][0]);
    CHECK(std::to_string(ours.pd_checksum) == h[0][1]);
    CHECK(std::to_string(ours.pd_flags) == h[0][2]);
    CHECK(std::to_string(ours.pd_lower) == h[0][3]);
    CHECK(std::to_string(ours.pd_upper) == h[0][4]);
    CHECK(std::to_string(ours.pd_special) == h[0][5]);
    CHECK(std::to_string(page_get_page_size(page.data())) == h[0][6]);
    CHECK(std::to_string(page_get_page_layout_version(page.data())) == h[0][7]);
    CHECK(std::to_string(ours.pd_prune_xid) == h[0][8]);

    auto items = rows(pg.sql("select lp, lp_off, lp_flags, lp_len from heap_page_items(get_raw_page('hp', 0)) order by lp"));
    REQUIRE(items.size() == page_get_max_offset_number(page.data()));
    REQUIRE(items.size() > 100);
    for (const auto& it : items) {
        const auto lp = page_get_item_id(page.data(), static_cast<OffsetNumber>(std::stoi(it[0])));
        CAPTURE(it[0]);
        CHECK(std::to_string(lp.lp_off) == it[1]);
        CHECK(std::to_string(lp.lp_flags) == it[2]);
        CHECK(std::to_string(lp.lp_len) == it[3]);
    }
    // A missing block and a missing relation are told apart.
    auto nb = smgr.nblocks(rn, MAIN_FORKNUM);
    REQUIRE(nb);
    CHECK(*smgr.read(rn, MAIN_FORKNUM, *nb, page) == ReadStatus::missing_block);
    CHECK(*smgr.read(RelFileNode{rn.spcNode, rn.dbNode, 999999}, MAIN_FORKNUM, 0, page) == ReadStatus::missing_file);
}

// PageInit + PageAddItem rebuild PostgreSQL's heap page byte for byte.
static void check_heap_rebuild(const PgCluster& pg) {
    pg.sql("create table rb(id int, s text, f float8)");
    pg.sql("insert into rb select g, repeat(chr(65 + g % 26), g % 53), g * 1.5 from generate_series(1, 90) g");
    const RawPage pgpage = raw_page(pg, "rb", 0);
    RawPage ours{};
    page_init(ours.data(), 0);
    const OffsetNumber n = page_get_max_offset_number(pgpage.data());
    REQUIRE(n > 50);
    for (OffsetNumber off = 1; off <= n; ++off) {
        const ItemIdData lp = page_get_item_id(pgpage.data(), off);
        REQUIRE(lp.is_normal());
        std::span<const std::uint8_t> tuple(pgpage.data() + lp.lp_off, lp.lp_len);
        REQUIRE(page_add_item_extended(ours.data(), tuple, InvalidOffsetNumber, PAI_IS_HEAP) == off);
    }
    // Everything but pd_lsn/pd_checksum/pd_flags (bytes 0..11) and pd_prune_xid is the same.
    CHECK(first_difference(ours, pgpage, 12, 20) == -1);
    CHECK(first_difference(ours, pgpage, 24) == -1);
}

// Prune + vacuum: PageRepairFragmentation and PageTruncateLinePointerArray as VACUUM does them.
static void check_prune_vacuum(const PgCluster& pg) {
    pg.sql("create table pv(id int, s text) with (fillfactor = 100)");
    pg.sql("insert into pv select g, repeat('v', (g * 7) % 61) from generate_series(1, 60) g");
    pg.sql("delete from pv where id in (3, 4, 17, 30, 31, 32, 45, 58, 59, 60)");
    pg.sql("select count(*) from pv");  // sets hint bits, so VACUUM changes only what it prunes
    const RawPage before = raw_page(pg, "pv", 0);
    pg.sql("vacuum (index_cleanup on) pv");
    const RawPage after = raw_page(pg, "pv", 0);

    RawPage ours = before;
    const OffsetNumber n = page_get_max_offset_number(before.data());
    std::vector<OffsetNumber> removed;
    for (OffsetNumber off = 1; off <= n; ++off) {
        const bool gone = off > page_get_max_offset_number(after.data()) ||
                          !page_get_item_id(after.data(), off).is_used();
        if (gone && page_get_item_id(before.data(), off).is_normal()) removed.push_back(off);
    }
    REQUIRE(removed.size() == 10);
    // heap_page_prune: dead tuples become LP_DEAD, then PageRepairFragmentation.
    for (OffsetNumber off : removed) page_set_item_id(ours.data(), off, ItemIdData::dead());
    REQUIRE(page_repair_fragmentation(ours.data()));
    // lazy_vacuum_heap_page: LP_DEAD -> LP_UNUSED, then PageTruncateLinePointerArray.
    for (OffsetNumber off : removed) page_set_item_id(ours.data(), off, ItemIdData::unused());
    page_truncate_line_pointer_array(ours.data());

    CHECK(pd_lower(ours.data()) == pd_lower(after.data()));
    CHECK(pd_upper(ours.data()) == pd_upper(after.data()));
    CHECK(page_has_free_line_pointers(ours.data()) == page_has_free_line_pointers(after.data()));
    CHECK(page_get_max_offset_number(ours.data()) == 57);  // 58..60 trimmed
    CHECK(first_difference(ours, after, 24) == -1);  // free space garbage included
}

// Btree vacuum: PageIndexMultiDelete (and its retail path) as _bt_delitems_vacuum does it.
static void check_btree_vacuum(const PgCluster& pg) {
    for (const auto& [name, deleted] : std::vector<std::pair<std::string, std::string>>{
             {"multi", "5, 6, 40, 41, 42, 77, 150"}, {"retail", "9, 100"}}) {
        CAPTURE(name);
        pg.sql("create table " + name + "(id int)");
        pg.sql("create index " + name + "_idx on " + name + "(id)");
        pg.sql("insert into " + name + " select g from generate_series(1, 150) g");
        pg.sql("delete from " + name + " where id in (" + deleted + ")");
        const RawPage before = raw_page(pg, name + "_idx", 1);
        pg.sql("vacuum (index_cleanup on) " + name);
        const RawPage after = raw_page(pg, name + "_idx", 1);

        // Which items went: keys (int4 after the 8-byte IndexTupleData) in the deleted list.
        std::set<int> del;
        for (auto& r : rows(pg.sql("select unnest(array[" + deleted + "])"))) del.insert(std::stoi(r[0]));
        std::vector<OffsetNumber> offsets;
        for (OffsetNumber off = 1; off <= page_get_max_offset_number(before.data()); ++off) {
            const ItemIdData lp = page_get_item_id(before.data(), off);
            std::int32_t key;
            std::memcpy(&key, before.data() + lp.lp_off + 8, 4);
            if (del.count(key)) offsets.push_back(off);
        }
        REQUIRE(offsets.size() == del.size());
        RawPage ours = before;
        REQUIRE(page_index_multi_delete(ours.data(), offsets));
        CHECK(pd_lower(ours.data()) == pd_lower(after.data()));
        CHECK(pd_upper(ours.data()) == pd_upper(after.data()));
        // Special space (btpo_cycleid, flags) is the btree routine's business, not bufpage's.
        CHECK(first_difference(ours, after, 24, pd_special(after.data())) == -1);
    }
}

// Btree vacuum of posting lists: PageIndexTupleOverwrite, then PageIndexMultiDelete.
static void check_btree_posting_vacuum(const PgCluster& pg) {
    pg.sql("create table d(id int, k int)");
    pg.sql("insert into d select g, g % 50 from generate_series(1, 1000) g");
    pg.sql("create index d_k on d(k)");  // built deduplicated: one posting tuple per key
    // Block 1 is the only leaf (the root); no high key.
    REQUIRE(pg.sql("select type::text || ':' || btpo_next from bt_page_stats('d_k', 1)") == "l:0");
    pg.sql("delete from d where k in (5, 20, 30)");          // whole posting tuples go
    pg.sql("delete from d where k = 7 and id % 100 = 7");    // posting list shrinks (10 of 20)
    pg.sql("delete from d where k = 9 and id > 9");          // down to one TID: a plain tuple
    const RawPage before = raw_page(pg, "d_k", 1);
    pg.sql("vacuum (index_cleanup on) d");
    const RawPage after = raw_page(pg, "d_k", 1);

    auto key_at = [](const RawPage& p, OffsetNumber off) {
        const ItemIdData lp = page_get_item_id(p.data(), off);
        std::int32_t key;
        std::memcpy(&key, p.data() + lp.lp_off + 8, 4);
        return key;
    };
    std::vector<OffsetNumber> deletable, updatable;
    for (OffsetNumber off = 1; off <= page_get_max_offset_number(before.data()); ++off) {
        const int k = key_at(before, off);
        if (k == 5 || k == 20 || k == 30) deletable.push_back(off);
        if (k == 7 || k == 9) updatable.push_back(off);
    }
    REQUIRE(deletable.size() == 3);
    REQUIRE(updatable.size() == 2);
    RawPage ours = before;
    for (OffsetNumber off : updatable) {
        // The new tuple is what VACUUM left at the same key's place on the after page.
        const auto shift = static_cast<OffsetNumber>(
            std::count_if(deletable.begin(), deletable.end(), [&](OffsetNumber d) { return d < off; }));
        const ItemIdData lp = page_get_item_id(after.data(), static_cast<OffsetNumber>(off - shift));
        REQUIRE(key_at(after, static_cast<OffsetNumber>(off - shift)) == key_at(before, off));
        CHECK(lp.lp_len < page_get_item_id(before.data(), off).lp_len);
        auto r = page_index_tuple_overwrite(ours.data(), off, std::span<const std::uint8_t>(after.data() + lp.lp_off, lp.lp_len));
        REQUIRE(r);
        REQUIRE(*r);
    }
    REQUIRE(page_index_multi_delete(ours.data(), deletable));
    CHECK(pd_lower(ours.data()) == pd_lower(after.data()));
    CHECK(pd_upper(ours.data()) == pd_upper(after.data()));
    CHECK(first_difference(ours, after, 24, pd_special(after.data())) == -1);
}

TEST_CASE("storage layer against one PostgreSQL 15 server") {
    PgCluster pg(quiet_options());
    pg.sql("create extension pageinspect");
    check_relation_paths(pg);
    check_page_parsing(pg);
    check_heap_rebuild(pg);
    check_prune_vacuum(pg);
    check_btree_vacuum(pg);
    check_btree_posting_vacuum(pg);
}
