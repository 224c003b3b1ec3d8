// The Btree redo routines (redo/apply/btree.cpp) against PostgreSQL 15's own pages: a primary
// with wal_consistency_checking = all runs tests/workloads/heap_btree.sql (every Btree record
// type) and btree_deep.sql (internal page deletion, posting list split inside a page split,
// posting lists shrunk by bottom-up deletion); its WAL is read from the redo point of a checkpoint taken before the workload, into an
// empty scratch directory (sparse start). Full-page images flagged for apply (of any rmgr) are
// restored as recovery restores them; every Btree record goes through btree_redo, and each
// page image the record carries for consistency checking is compared, after btree_mask on
// both sides, with the page we produced. Zero mismatches, zero errors, every record type seen
// and every type that touches pages checked at least once.
//
// The harness plays the replay engine's part: ImageOnlyContext (tests/redo/page_cache_context.h),
// a RedoContext over the storage layer's PageCache.
#include <doctest/doctest.h>

#include <array>
#include <map>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "common/wal_format.h"
#include "redo/apply/redo_block.h"
#include "wal/page_image.h"
#include "wal/records/nbtree.h"
#include "redo/redo_context.h"
#include "redo/replay_state.h"
#include "redo/rmgr.h"
#include "redo/storage/mask.h"
#include "redo/storage/page_cache.h"
#include "wal/wal_reader.h"
#include "wal/wal_source.h"
#include "tests/integration/replay_common.h"
#include "tests/integration/waldump_common.h"
#include "tests/redo/page_cache_context.h"
#include "tests/redo/storage/scratch.h"
#include "tests/support/pg_cluster.h"

using namespace understudy;
using namespace understudy::testing;

namespace {

using Page = std::array<std::uint8_t, BLCKSZ>;

// Record variants that take their own path through the redo routines, by name.
void count_variants(const DecodedRecord& rec, std::map<std::string, std::uint64_t>& variants) {
    const std::uint8_t info = rec.info();
    if (info == XLOG_BTREE_SPLIT_L || info == XLOG_BTREE_SPLIT_R) {
        auto x = read_record_struct<xl_btree_split>(rec.main_data, SizeOfBtreeSplit);
        if (x && x->postingoff != 0) ++variants["split with posting split"];
        if (x && x->level > 0) ++variants["split of an internal page"];
    } else if (info == XLOG_BTREE_VACUUM) {
        auto x = read_record_struct<xl_btree_vacuum>(rec.main_data, SizeOfBtreeVacuum);
        if (x && x->nupdated > 0) ++variants["vacuum with updated posting lists"];
    } else if (info == XLOG_BTREE_DELETE) {
        auto x = read_record_struct<xl_btree_delete>(rec.main_data, SizeOfBtreeDelete);
        if (x && x->nupdated > 0) ++variants["delete with updated posting lists"];
    } else if (info == XLOG_BTREE_UNLINK_PAGE || info == XLOG_BTREE_UNLINK_PAGE_META) {
        if (rec.has_block_ref(3)) ++variants["unlink of an internal page (leaf re-created)"];
    } else if (info == XLOG_BTREE_NEWROOT) {
        auto x = read_record_struct<xl_btree_newroot>(rec.main_data, SizeOfBtreeNewroot);
        if (x && x->level > 0) ++variants["new root above a split root"];
    }
}

struct TypeStats {
    std::uint64_t records = 0;
    std::uint64_t images_checked = 0;
    std::uint64_t images_mismatched = 0;
    std::uint64_t images_page_missing = 0;  // sparse start: the page never came
};

}  // namespace

TEST_CASE("Btree redo reproduces PostgreSQL's pages under wal_consistency_checking, every record type") {
    auto opts = waldump::workload_options("lz4", true);
    opts.conf.push_back("autovacuum = off");
    PgCluster pg(opts);
    pg.sql("checkpoint");
    const auto redo_lsn = parse_lsn(pg.sql("select redo_lsn from pg_control_checkpoint()"));
    REQUIRE(redo_lsn);
    waldump::run_workload(pg, "heap_btree.sql");
    auto range = waldump::run_workload(pg, "btree_deep.sql");
    const auto end_lsn = parse_lsn(range.end);
    REQUIRE(end_lsn);
    TempDir work("replay-btree");
    const std::string wal = work.path() + "/wal";
    replay::switch_and_copy_wal(pg, wal);
    pg.stop();
    MESSAGE("heap_btree.sql + btree_deep.sql, wal_consistency_checking: replay from redo point "
            << format_lsn(*redo_lsn) << " to " << range.end);

    storage::test::ScratchDir scratch;
    ImageOnlyContext ctx(scratch.path(), 8192);
    DirectorySource source(wal, 1, 16 * 1024 * 1024);
    WalReader reader(source);
    reader.begin_read(*redo_lsn);

    std::map<std::string, TypeStats> stats;
    std::map<std::string, std::uint64_t> variants;
    std::uint64_t records = 0, btree_records = 0, mismatches = 0;
    std::string first_mismatches, redo_error;
    std::uint64_t unsupported = 0;
    ReadStatus st;
    while ((st = reader.read_record()) == ReadStatus::Record) {
        const DecodedRecord& rec = reader.record();
        if (rec.lsn >= *end_lsn) break;
        ++records;
        if (rec.xl_rmid != RM_BTREE_ID) {
            // Images flagged for apply are restored (XLOG FPI / FPI_FOR_HINT of index pages,
            // index builds): what another rmgr's record does to the Btree pages.
            auto restored = redo::restore_apply_images(ctx, rec);
            REQUIRE_MESSAGE(restored.ok(), restored.message());
            continue;
        }
        ++btree_records;
        const std::string type = btree_identify(rec.xl_info) ? btree_identify(rec.xl_info) : "?";
        TypeStats& ts = stats[type];
        ++ts.records;
        count_variants(rec, variants);
        auto outcome = btree_redo(ctx, rec);
        if (!outcome.ok()) {  // pages after this one are not to be trusted: stop, report below
            redo_error = outcome.message();
            break;
        }
        if (*outcome != redo::RedoOutcome::applied) ++unsupported;

        for (int id = 0; id <= rec.max_block_id; id++) {
            const DecodedBkpBlock* b = rec.block(id);
            if (!b || !b->has_image || b->apply_image) continue;
            Page expected{};
            auto ri = restore_block_image(rec, id, expected);
            REQUIRE_MESSAGE(ri.ok(), ri.message());
            auto ours = ctx.pages().read_for_redo(key_of(*b), storage::ReadBufferMode::RBM_NORMAL);
            REQUIRE_MESSAGE(ours.ok(), ours.message());
            if (ours->status != storage::PageStatus::ok) {
                ++ts.images_page_missing;
                continue;
            }
            Page got{};
            std::memcpy(got.data(), ours->page.data(), BLCKSZ);
            btree_mask(expected.data(), b->blkno);
            btree_mask(got.data(), b->blkno);
            ++ts.images_checked;
            if (auto diff = storage::first_page_difference(got.data(), expected.data())) {
                ++ts.images_mismatched;
                if (++mismatches <= 10)
                    first_mismatches += fmt::format("{} {} rel {}/{}/{} block {}: first difference at byte {}\n",
                                                    format_lsn(rec.lsn), type, b->rnode.spcNode, b->rnode.dbNode,
                                                    b->rnode.relNode, b->blkno, *diff);
            }
        }
    }
    INFO(reader.error_message());
    CHECK(st != ReadStatus::Corrupt);

    std::string summary = fmt::format("{} records, {} Btree, {} pages not found (sparse start)\n", records,
                                      btree_records, ctx.blocks_not_found);
    std::uint64_t checked = 0;
    for (const auto& [type, ts] : stats) {
        summary += fmt::format("  {:<20} records {:>6}  images checked {:>6}  mismatched {}  page missing {}\n", type,
                               ts.records, ts.images_checked, ts.images_mismatched, ts.images_page_missing);
        checked += ts.images_checked;
    }
    for (const auto& [name, n] : variants) summary += fmt::format("  {}: {}\n", name, n);
    MESSAGE(summary);
    CHECK_MESSAGE(redo_error.empty(), redo_error);
    CHECK(unsupported == 0);
    CHECK_MESSAGE(mismatches == 0, first_mismatches);
    CHECK(checked > 0);

    // Every Btree record type was replayed, and each that touches pages was verified.
    for (const char* type : {"INSERT_LEAF", "INSERT_UPPER", "INSERT_META", "SPLIT_L", "SPLIT_R", "INSERT_POST",
                             "DEDUP", "VACUUM", "DELETE", "MARK_PAGE_HALFDEAD", "UNLINK_PAGE", "UNLINK_PAGE_META",
                             "NEWROOT", "REUSE_PAGE", "META_CLEANUP"}) {
        INFO(type);
        auto it = stats.find(type);
        REQUIRE(it != stats.end());
        CHECK(it->second.records > 0);
        if (std::string(type) != "REUSE_PAGE") CHECK(it->second.images_checked > 0);
    }
    // ... and each variant with its own path through them.
    for (const char* variant : {"split with posting split", "split of an internal page",
                                "vacuum with updated posting lists", "delete with updated posting lists",
                                "unlink of an internal page (leaf re-created)", "new root above a split root"}) {
        INFO(variant);
        CHECK(variants[variant] > 0);
    }

    // The same WAL through the replay engine: `understudy replay --verify` from the same
    // sparse start reports no Btree record unsupported and no Btree image mismatched.
    const std::string data = work.path() + "/data", report = work.path() + "/report.json";
    auto run = replay::run_replay(
        {"--wal-dir", wal, "--data-dir", data, "--start", format_lsn(*redo_lsn), "--verify", "--report", report},
        work.path());
    INFO("stderr: ", run.err);
    auto j = replay::read_json(report);
    CHECK(j["error"] == "");
    REQUIRE(j["rmgrs"].contains("Btree"));
    const auto& bt = j["rmgrs"]["Btree"];
    MESSAGE("understudy replay --verify: Btree records ", bt["records"], " applied ", bt["applied"], " skipped_done ",
            bt["skipped_done"], " unsupported ", bt["unsupported"], " images checked ", bt["images_checked"],
            " mismatched ", bt["images_mismatched"]);
    CHECK(bt["records"].get<std::uint64_t>() == btree_records);
    CHECK(bt["unsupported"] == 0);
    CHECK(bt["images_mismatched"] == 0);
    CHECK(bt["images_checked"].get<std::uint64_t>() == checked);
    for (const auto& m : j["mismatches"]) CHECK_MESSAGE(m["rmgr"] != "Btree", m.dump());
    CHECK(run.exit_code == 0);
}
