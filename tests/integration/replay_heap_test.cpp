// Heap and Heap2 redo + heap_mask against a real PostgreSQL 15 running with
// wal_consistency_checking = all: the WAL of tests/workloads/heap_btree.sql (every Heap / Heap2
// record type the server can write) is replayed from a sparse start at the redo point of a
// checkpoint taken before it, and after every Heap / Heap2 record each page image the primary
// attached for checking (an image without BKPIMAGE_APPLY) is compared, after heap_mask on both
// sides, with the page our redo produced -- PostgreSQL's checkConsistency (xlogrecovery.c).
//
// The replay engine (redo/replayer.*) is not in this branch yet, so this test drives the redo
// routines through a minimal RedoContext over the real page cache and smgr (ImageOnlyContext,
// tests/redo/page_cache_context.h): Heap / Heap2 records go through the rmgr table's redo routines; for every other
// record only its BKPIMAGE_APPLY images are restored (XLOG FPI / FPI_FOR_HINT records are
// nothing else), which is all the heap pages need.
#include <doctest/doctest.h>

#include <array>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/lsn.h"
#include "common/wal_format.h"
#include "redo/apply/redo_block.h"
#include "wal/page_image.h"
#include "wal/records/heap.h"
#include "redo/redo_context.h"
#include "redo/replay_state.h"
#include "redo/rmgr.h"
#include "redo/storage/page.h"
#include "redo/storage/mask.h"
#include "redo/storage/page_cache.h"
#include "wal/relpath.h"
#include "redo/storage/slru.h"
#include "redo/storage/smgr.h"
#include "wal/wal_reader.h"
#include "wal/wal_source.h"
#include "tests/integration/replay_common.h"
#include "tests/integration/waldump_common.h"
#include "tests/redo/page_cache_context.h"
#include "tests/support/pg_cluster.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::waldump;

namespace {

using understudy::testing::ImageOnlyContext;
using understudy::testing::key_of;

struct TypeStats {
    std::uint64_t records = 0;
    std::uint64_t applied = 0;
    std::uint64_t unsupported = 0;
    std::uint64_t images_checked = 0;
    std::uint64_t images_mismatched = 0;
};

struct Mismatch {
    std::string lsn, type, rel;
    int fork = 0;
    BlockNumber block = 0;
    std::size_t offset = 0;
};

struct VerifyRun {
    std::map<std::string, TypeStats> by_type;  // "Heap/INSERT"
    std::vector<Mismatch> mismatches;
    std::vector<std::string> errors;
    std::uint64_t records = 0;
    std::uint64_t images_not_present = 0;  // images for pages we do not have (sparse start)
    std::uint64_t update_prefix_suffix_checked = 0;  // UPDATE / HOT_UPDATE with prefix or suffix from old
    std::uint64_t update_two_pages_checked = 0;      // UPDATE with the old tuple on another page
    std::uint64_t vm_pages_checked = 0;              // VISIBLE: the VM page image compared
};

// checkConsistency (xlogrecovery.c, PG15) for one record: every image not flagged for apply
// is compared, masked, with our page.
void check_images(ImageOnlyContext& ctx, const DecodedRecord& rec, const RmgrInfo& rmgr, const std::string& type,
                  VerifyRun& run, bool& all_checked) {
    all_checked = true;
    for (int id = 0; id <= rec.max_block_id; ++id) {
        const DecodedBkpBlock* blk = rec.block(id);
        if (blk == nullptr || !blk->has_image || blk->apply_image) continue;
        auto ours = ctx.pages().read_for_redo(key_of(*blk), storage::ReadBufferMode::RBM_NORMAL);
        if (!ours || ours->status != storage::PageStatus::ok) {
            ++run.images_not_present;
            all_checked = false;
            continue;
        }
        std::array<std::uint8_t, BLCKSZ> replay{}, primary{};
        std::memcpy(replay.data(), ours->page.data(), BLCKSZ);
        ours->page.release();
        // A page already past this record (restarted recovery) cannot be expected to match.
        if (storage::page_get_lsn(replay.data()) > rec.end_lsn) continue;
        if (auto r = restore_block_image(rec, id, primary); !r) {
            run.errors.push_back(r.message());
            continue;
        }
        rmgr.mask(replay.data(), blk->blkno);
        rmgr.mask(primary.data(), blk->blkno);
        auto& st = run.by_type[type];
        ++st.images_checked;
        if (blk->forknum == VISIBILITYMAP_FORKNUM) ++run.vm_pages_checked;
        if (auto off = storage::first_page_difference(replay.data(), primary.data())) {
            ++st.images_mismatched;
            run.mismatches.push_back(Mismatch{format_lsn(rec.lsn), type, storage::format_relfilenode(blk->rnode),
                                              blk->forknum, blk->blkno, *off});
        }
    }
}

VerifyRun replay_and_verify(const std::string& wal_dir, XLogRecPtr start, XLogRecPtr end, const std::string& scratch) {
    VerifyRun run;
    ImageOnlyContext ctx(scratch);
    DirectorySource source(wal_dir, 1, 16 * 1024 * 1024);
    WalReaderOptions options;
    options.end_lsn = end;
    WalReader reader(source, options);
    reader.begin_read(start);
    for (;;) {
        const ReadStatus st = reader.read_record();
        if (st == ReadStatus::Corrupt) {
            run.errors.push_back("corrupt WAL at " + format_lsn(reader.error_lsn()) + ": " + reader.error_message());
            break;
        }
        if (st == ReadStatus::EndOfWal) break;
        const DecodedRecord& rec = reader.record();
        ++run.records;
        const RmgrInfo* rmgr = find_rmgr(rec.xl_rmid);
        if (rmgr == nullptr || (rec.xl_rmid != RM_HEAP_ID && rec.xl_rmid != RM_HEAP2_ID)) {
            // A record of another rmgr: its BKPIMAGE_APPLY images restored (what XLOG FPI redo
            // does and what every other rmgr's XLogReadBufferForRedo does first).
            if (auto r = redo::restore_apply_images(ctx, rec); !r) run.errors.push_back(r.message());
            continue;
        }
        const char* id = rmgr->identify(rec.xl_info);
        const std::string type = std::string(rmgr->name) + "/" + (id ? id : "UNKNOWN");
        auto& ts = run.by_type[type];
        ++ts.records;
        auto outcome = rmgr->redo(ctx, rec);
        if (!outcome) {
            run.errors.push_back(outcome.message());
            continue;
        }
        if (*outcome == redo::RedoOutcome::unsupported) {
            ++ts.unsupported;
            continue;
        }
        ++ts.applied;
        bool all_checked = false;
        const std::uint64_t before = ts.images_checked;
        check_images(ctx, rec, *rmgr, type, run, all_checked);
        const bool checked = run.by_type[type].images_checked > before;
        if (rec.xl_rmid == RM_HEAP_ID && checked &&
            ((rec.info() & XLOG_HEAP_OPMASK) == XLOG_HEAP_UPDATE ||
             (rec.info() & XLOG_HEAP_OPMASK) == XLOG_HEAP_HOT_UPDATE)) {
            const std::uint8_t flags = rec.main_data.size() > 7 ? rec.main_data[7] : 0;  // xl_heap_update.flags
            if (flags & (XLH_UPDATE_PREFIX_FROM_OLD | XLH_UPDATE_SUFFIX_FROM_OLD)) ++run.update_prefix_suffix_checked;
            if (rec.has_block_ref(1)) ++run.update_two_pages_checked;
        }
    }
    if (auto r = ctx.pages().flush_all(); !r) run.errors.push_back(r.message());
    MESSAGE("blocks not found (sparse start): " << ctx.blocks_not_found);
    return run;
}

struct WorkloadRelation {
    std::string name;
    RelFileNode rnode;
};

// The heap relations the workload created (hb_* tables and their TOAST tables): every page of
// these was built from WAL after the checkpoint, so our final pages must be the primary's.
std::vector<WorkloadRelation> workload_relations(const PgCluster& pg) {
    std::vector<WorkloadRelation> out;
    std::istringstream in(pg.sql(
        "select c.relname, d.dattablespace, d.oid, pg_relation_filenode(c.oid) from pg_class c, pg_database d "
        "where d.datname = current_database() and c.relkind in ('r', 't') and c.relpersistence = 'p' and "
        "(c.relname like 'hb\\_%' or c.oid in (select reltoastrelid from pg_class where relname like 'hb\\_%'))"));
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::istringstream fields(line);
        for (std::string x; std::getline(fields, x, '|');) f.push_back(x);
        REQUIRE(f.size() == 4);
        out.push_back({f[0], RelFileNode{static_cast<Oid>(std::stoul(f[1])), static_cast<Oid>(std::stoul(f[2])),
                                         static_cast<Oid>(std::stoul(f[3]))}});
    }
    return out;
}

struct FinalCompare {
    std::uint64_t heap_pages = 0, heap_mismatched = 0, vm_pages = 0, vm_mismatched = 0;
    std::vector<std::string> details;  // the first differences
};

// After the primary's shutdown checkpoint its files hold the final pages. Main fork pages are
// compared after heap_mask (hint bits are set without WAL); visibility map pages byte for byte
// in their map contents (every VM bit change is WAL-logged). Never-initialised pages the
// primary extended but no record touched are skipped.
FinalCompare compare_final_pages(const std::string& primary_dir, const std::string& scratch,
                                 const std::vector<WorkloadRelation>& rels) {
    FinalCompare fc;
    storage::Smgr primary(primary_dir);
    storage::Smgr ours(scratch);
    auto note = [&](const std::string& what) {
        if (fc.details.size() < 20) fc.details.push_back(what);
    };
    for (const auto& rel : rels) {
        for (ForkNumber fork : {MAIN_FORKNUM, VISIBILITYMAP_FORKNUM}) {
            if (!primary.exists(rel.rnode, fork)) continue;
            auto n = primary.nblocks(rel.rnode, fork);
            REQUIRE(n);
            for (BlockNumber b = 0; b < *n; ++b) {
                std::array<std::uint8_t, BLCKSZ> p{}, o{};
                auto rp = primary.read(rel.rnode, fork, b, p);
                REQUIRE(rp);
                if (storage::page_is_new(p.data())) continue;
                auto ro = ours.read(rel.rnode, fork, b, o);
                const bool have = ro && *ro == storage::ReadStatus::ok && !storage::page_is_new(o.data());
                const std::string where = fmt::format("{} ({}) {} block {}", rel.name,
                                                      storage::format_relfilenode(rel.rnode), fork_name(fork), b);
                if (fork == MAIN_FORKNUM) {
                    ++fc.heap_pages;
                    if (have) {
                        heap_mask(p.data(), b);
                        heap_mask(o.data(), b);
                    }
                    if (!have || std::memcmp(p.data(), o.data(), BLCKSZ) != 0) {
                        ++fc.heap_mismatched;
                        auto off = storage::first_page_difference(p.data(), o.data());
                        note(where + (have ? fmt::format(": differs at offset {}", off.value_or(0)) : ": missing"));
                    }
                } else {
                    ++fc.vm_pages;
                    const std::size_t h = storage::SizeOfPageHeaderData;
                    if (!have || std::memcmp(p.data() + h, o.data() + h, BLCKSZ - h) != 0) {
                        ++fc.vm_mismatched;
                        note(where + (have ? ": visibility map bits differ" : ": missing"));
                    }
                }
            }
        }
    }
    return fc;
}

XLogRecPtr lsn_of(const std::string& text) {
    auto v = parse_lsn(text);
    REQUIRE_MESSAGE(v.has_value(), "not an LSN: " << text);
    return *v;
}

}  // namespace

TEST_CASE("Heap and Heap2 redo reproduce the primary's pages (wal_consistency_checking = all), every record type") {
    auto opts = workload_options("pglz", true);
    opts.conf.push_back("autovacuum = off");
    PgCluster pg(opts);
    pg.sql("checkpoint");
    const std::string redo_lsn = pg.sql("select redo_lsn from pg_control_checkpoint()");
    auto range = run_workload(pg, "heap_btree.sql", false);
    const auto rels = workload_relations(pg);
    REQUIRE(rels.size() > 10);
    TempDir work("understudy-replay-heap-engine");
    const std::string wal_copy = work.path() + "/wal";
    replay::switch_and_copy_wal(pg, wal_copy);
    pg.stop();
    MESSAGE("heap_btree.sql: replay from checkpoint redo " << redo_lsn << " to " << range.end);

    TempDir scratch("understudy-replay-heap");
    const VerifyRun run = replay_and_verify(pg.wal_dir(), lsn_of(redo_lsn), lsn_of(range.end), scratch.path());

    for (const auto& e : run.errors) FAIL_CHECK(e);
    // The first mismatches are enough to debug; the count is checked below.
    for (std::size_t i = 0; i < run.mismatches.size() && i < 20; ++i) {
        const auto& m = run.mismatches[i];
        FAIL_CHECK("mismatch at " << m.lsn << " " << m.type << " rel " << m.rel << " fork " << m.fork << " block "
                                  << m.block << " offset " << m.offset);
    }

    std::uint64_t checked = 0, mismatched = 0, unsupported = 0, records = 0;
    for (const auto& [type, st] : run.by_type) {
        MESSAGE(type << ": records " << st.records << ", applied " << st.applied << ", unsupported "
                     << st.unsupported << ", images checked " << st.images_checked << ", mismatched "
                     << st.images_mismatched);
        checked += st.images_checked;
        mismatched += st.images_mismatched;
        unsupported += st.unsupported;
        records += st.records;
    }
    MESSAGE("records read " << run.records << ", Heap/Heap2 records " << records << ", images checked " << checked
                            << ", mismatched " << mismatched << ", unsupported " << unsupported
                            << ", images for pages not present " << run.images_not_present
                            << "; UPDATEs with prefix/suffix checked " << run.update_prefix_suffix_checked
                            << ", two-page UPDATEs checked " << run.update_two_pages_checked
                            << ", VM pages checked " << run.vm_pages_checked);
    CHECK(run.errors.empty());
    CHECK(mismatched == 0);
    CHECK(unsupported == 0);
    CHECK(checked > 0);

    // Every record type the workload writes was replayed; those that change pages were checked.
    const std::vector<std::string> page_changing = {
        "Heap/INSERT",       "Heap/INSERT+INIT",   "Heap/DELETE",          "Heap/UPDATE",
        "Heap/UPDATE+INIT",  "Heap/HOT_UPDATE",    "Heap/HEAP_CONFIRM",    "Heap/LOCK",
        "Heap/INPLACE",      "Heap2/PRUNE",        "Heap2/VACUUM",         "Heap2/FREEZE_PAGE",
        "Heap2/VISIBLE",     "Heap2/MULTI_INSERT", "Heap2/MULTI_INSERT+INIT", "Heap2/LOCK_UPDATED"};
    for (const auto& type : page_changing) {
        CAPTURE(type);
        auto it = run.by_type.find(type);
        REQUIRE(it != run.by_type.end());
        CHECK(it->second.applied > 0);
        CHECK(it->second.images_checked > 0);
    }
    for (const std::string type : {"Heap/TRUNCATE", "Heap2/NEW_CID", "Heap2/REWRITE"}) {
        CAPTURE(type);
        auto it = run.by_type.find(type);
        REQUIRE(it != run.by_type.end());
        CHECK(it->second.applied == it->second.records);
    }
    CHECK(run.update_prefix_suffix_checked > 0);
    CHECK(run.update_two_pages_checked > 0);
    CHECK(run.vm_pages_checked > 0);

    // The final state: every page of the relations the workload created, main and VM forks.
    const FinalCompare fc = compare_final_pages(pg.data_dir(), scratch.path(), rels);
    for (const auto& d : fc.details) FAIL_CHECK("final page " << d);
    MESSAGE("final pages of " << rels.size() << " workload relations: heap pages " << fc.heap_pages
                              << " (mismatched " << fc.heap_mismatched << "), VM pages " << fc.vm_pages
                              << " (mismatched " << fc.vm_mismatched << ")");
    CHECK(fc.heap_pages > 0);
    CHECK(fc.vm_pages > 0);
    CHECK(fc.heap_mismatched == 0);
    CHECK(fc.vm_mismatched == 0);

    // The same WAL through the replay engine: `understudy replay --verify` from the same
    // sparse start; Heap and Heap2 must show zero unsupported and zero mismatched images.
    const std::string data = work.path() + "/data", report = work.path() + "/report.json";
    auto engine = replay::run_replay({"--wal-dir", wal_copy, "--data-dir", data, "--start", redo_lsn, "--verify",
                                      "--report", report},
                                     work.path());
    INFO("stderr: ", engine.err);
    auto j = replay::read_json(report);
    CHECK(j["error"] == "");
    for (const std::string name : {"Heap", "Heap2"}) {
        CAPTURE(name);
        REQUIRE(j["rmgrs"].contains(name));
        auto& c = j["rmgrs"][name];
        MESSAGE("understudy replay --verify: ", name, ": records ", c["records"], " applied ", c["applied"],
                " skipped_done ", c["skipped_done"], " unsupported ", c["unsupported"], " images checked ",
                c["images_checked"], " mismatched ", c["images_mismatched"]);
        CHECK(c["unsupported"] == 0);
        CHECK(c["images_mismatched"] == 0);
        CHECK(c["images_checked"].get<std::uint64_t>() > 0);
    }
    for (const auto& m : j["mismatches"])
        if (m["rmgr"] == "Heap" || m["rmgr"] == "Heap2") FAIL_CHECK("engine mismatch: " << m.dump());
}
