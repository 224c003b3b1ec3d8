// `understudy replay` against PostgreSQL 15's own startup process. A base backup of a primary
// is taken; the primary runs the all-rmgrs workload and pgbench, then a checkpoint. A real
// PostgreSQL 15 recovers a copy of the backup from the same WAL segments to the same LSN
// (recovery_target_lsn, exclusive, pause) and is shut down (its shutdown restartpoint writes
// every page). understudy replays another copy of the backup from the backup's start LSN to
// that LSN. Every heap, btree and sequence page (main fork) and every visibility map page both
// directories have is compared after masking with the rmgr's mask routine: identical.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "redo/rmgr.h"
#include "redo/storage/mask.h"
#include "tests/integration/replay_common.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/process.h"

using namespace understudy::testing;
using namespace understudy::testing::replay;
namespace fsys = std::filesystem;

namespace {

constexpr std::size_t kBlcksz = 8192;

std::string backup_label_field(const std::string& dir, const std::string& field) {
    std::istringstream in(waldump::read_file(dir + "/backup_label"));
    for (std::string line; std::getline(in, line);)
        if (line.rfind(field + ": ", 0) == 0) {
            std::string v = line.substr(field.size() + 2);
            return v.substr(0, v.find(' '));
        }
    throw std::runtime_error("no " + field + " in backup_label");
}

// A PostgreSQL 15 server on a data directory we made ourselves; stopped (immediate) if the
// test fails before it is stopped cleanly.
class Recovery {
public:
    Recovery(std::string data_dir, int port) : data_dir_(std::move(data_dir)), port_(port) {}
    ~Recovery() {
        if (running_) run(as_postgres({pg_tool("pg_ctl"), "-D", data_dir_, "-m", "immediate", "-w", "stop"}));
    }
    void start() {
        auto r = run(as_postgres({pg_tool("pg_ctl"), "-D", data_dir_, "-l", data_dir_ + "/../recovery.log", "-w",
                                  "-t", "300", "start"}));
        REQUIRE_MESSAGE(r.exit_code == 0, r.output, waldump::read_file(data_dir_ + "/../recovery.log"));
        running_ = true;
    }
    void stop() {
        auto r = run(as_postgres({pg_tool("pg_ctl"), "-D", data_dir_, "-m", "fast", "-w", "-t", "300", "stop"}));
        REQUIRE_MESSAGE(r.exit_code == 0, r.output);
        running_ = false;
    }
    std::string sql(const std::string& q) const {
        auto r = run(as_postgres({pg_tool("psql"), "-X", "-At", "-h", "127.0.0.1", "-p", std::to_string(port_), "-U",
                                  "postgres", "-d", "postgres", "-c", q}));
        if (r.exit_code != 0) return "";
        while (!r.output.empty() && r.output.back() == '\n') r.output.pop_back();
        return r.output;
    }

private:
    std::string data_dir_;
    int port_;
    bool running_ = false;
};

enum class Kind { heap, btree, sequence };

// "base/<db>/<filenode>" (or pg_tblspc path) -> kind, for every relation of every connectable
// database of the primary.
std::map<std::string, Kind> relation_kinds(const PgCluster& pg) {
    std::map<std::string, Kind> out;
    std::istringstream dbs(pg.sql("select datname from pg_database where datallowconn"));
    for (std::string db; std::getline(dbs, db);) {
        std::istringstream rows(pg.sql(
            "select pg_relation_filepath(c.oid), c.relkind, coalesce(a.amname, '') from pg_class c "
            "left join pg_am a on a.oid = c.relam where pg_relation_filepath(c.oid) is not null "
            "and c.relpersistence = 'p'",
            db));
        for (std::string row; std::getline(rows, row);) {
            auto p1 = row.find('|'), p2 = row.rfind('|');
            const std::string path = row.substr(0, p1), relkind = row.substr(p1 + 1, p2 - p1 - 1),
                              am = row.substr(p2 + 1);
            if (relkind == "S") out[path] = Kind::sequence;
            else if (am == "heap") out[path] = Kind::heap;
            else if (am == "btree") out[path] = Kind::btree;
        }
    }
    return out;
}

std::string read_all(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

struct Compared {
    std::size_t pages = 0, relations = 0, differing = 0, vm_pages = 0;
    std::string first;
};

void compare_fork(const std::string& a, const std::string& b, understudy::MaskFn mask, bool vm,
                  const std::string& what, Compared& c) {
    if (!fsys::exists(a) || !fsys::exists(b)) return;
    std::string pa = read_all(a), pb = read_all(b);
    const std::size_t n = std::min(pa.size(), pb.size()) / kBlcksz;
    for (std::size_t blk = 0; blk < n; ++blk) {
        auto* x = reinterpret_cast<std::uint8_t*>(pa.data() + blk * kBlcksz);
        auto* y = reinterpret_cast<std::uint8_t*>(pb.data() + blk * kBlcksz);
        if (mask != nullptr) {
            mask(x, static_cast<understudy::BlockNumber>(blk));
            mask(y, static_cast<understudy::BlockNumber>(blk));
        } else {
            understudy::storage::mask_page_lsn_and_checksum(x);
            understudy::storage::mask_page_lsn_and_checksum(y);
        }
        (vm ? c.vm_pages : c.pages)++;
        if (std::memcmp(x, y, kBlcksz) != 0) {
            ++c.differing;
            if (c.first.size() < 2000) {
                auto off = understudy::storage::first_page_difference(x, y);
                c.first += what + " block " + std::to_string(blk) + " offset " + std::to_string(off.value_or(0)) + "\n";
            }
        }
    }
}

}  // namespace

TEST_CASE("replay ends with the pages a PostgreSQL 15 standby ends with at the same LSN") {
    auto opts = waldump::workload_options("off", false);
    opts.conf.push_back("max_replication_slots = 4");
    PgCluster pg(opts);
    TempDir work("replay-standby", true);
    const std::string backup = work.path() + "/backup";
    auto bb = run(as_postgres({pg_tool("pg_basebackup"), "-D", backup, "-h", "127.0.0.1", "-p",
                               std::to_string(pg.port()), "-U", "postgres", "-X", "none", "--checkpoint=fast",
                               "--no-sync"}));
    REQUIRE_MESSAGE(bb.exit_code == 0, bb.output);
    const std::string start = backup_label_field(backup, "START WAL LOCATION");

    waldump::run_workload(pg, "all_rmgrs.sql");
    pg.pgbench_init(2);
    auto bench = pg.pgbench(3, 2);
    REQUIRE_MESSAGE(bench.exit_code == 0, bench.output);
    pg.sql("CHECKPOINT");  // the standby's shutdown restartpoint needs a checkpoint to restart at
    const std::string target = pg.sql("select pg_current_wal_insert_lsn()");
    pg.sql("select pg_logical_emit_message(false, 'after', 'target')");  // WAL past the target
    const std::string wal = work.path() + "/wal";
    switch_and_copy_wal(pg, wal);
    run({"chown", "-R", "postgres", wal});
    const auto kinds = relation_kinds(pg);
    REQUIRE(kinds.size() > 100);

    // PostgreSQL: targeted archive recovery of a copy of the backup.
    const std::string pgdir = work.path() + "/pg";
    REQUIRE(run(as_postgres({"cp", "-a", backup, pgdir})).exit_code == 0);
    const int port = free_port();
    {
        std::ofstream conf(pgdir + "/postgresql.auto.conf", std::ios::app);
        conf << "port = " << port << "\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '"
             << work.path() << "'\nrestore_command = 'cp " << wal << "/%f \"%p\"'\nrecovery_target_lsn = '"
             << target << "'\nrecovery_target_inclusive = off\nrecovery_target_action = 'pause'\n"
             << "hot_standby = on\narchive_mode = off\n"
             // The workload's restart raises max_wal_senders to 12 (PARAMETER_CHANGE): a hot
             // standby with a lower setting pauses recovery there ("insufficient parameter settings").
             << "max_wal_senders = 20\n";
    }
    REQUIRE(run(as_postgres({"touch", pgdir + "/recovery.signal"})).exit_code == 0);
    Recovery rec(pgdir, port);
    rec.start();
    const bool paused = wait_until([&] { return rec.sql("select pg_get_wal_replay_pause_state()") == "paused"; },
                                   std::chrono::seconds(300), std::chrono::milliseconds(200));
    REQUIRE_MESSAGE(paused, waldump::read_file(work.path() + "/recovery.log"));
    const std::string pg_replayed = rec.sql("select pg_last_wal_replay_lsn()");
    if (pg_replayed != target) {
        auto log = waldump::read_file(work.path() + "/recovery.log");
        MESSAGE("PostgreSQL paused at ", pg_replayed, " before the target ", target, "; its log ends:\n",
                log.substr(log.size() > 3000 ? log.size() - 3000 : 0));
    }
    rec.stop();

    // understudy: a copy of the same backup, from the backup's start to the same target.
    const std::string usdir = work.path() + "/us";
    REQUIRE(run({"cp", "-a", backup, usdir}).exit_code == 0);
    const std::string report = work.path() + "/report.json";
    auto r = run_replay({"--wal-dir", wal, "--data-dir", usdir, "--start", start, "--end", target, "--report",
                         report},
                        work.path());
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto j = read_json(report);
    MESSAGE("PostgreSQL replayed to ", pg_replayed, "; understudy to ", j["end_lsn"], " (target ", target, ")");
    CHECK(j["end_lsn"] == pg_replayed);

    Compared c;
    for (const auto& [path, kind] : kinds) {
        const char* rm = kind == Kind::heap ? "Heap" : kind == Kind::btree ? "Btree" : "Sequence";
        const understudy::RmgrInfo* info = understudy::find_rmgr_by_name(rm);
        REQUIRE(info != nullptr);
        const std::size_t before = c.pages;
        compare_fork(pgdir + "/" + path, usdir + "/" + path, info->mask, false, path, c);
        if (kind == Kind::heap)
            compare_fork(pgdir + "/" + path + "_vm", usdir + "/" + path + "_vm", nullptr, true, path + "_vm", c);
        c.relations += c.pages > before;
    }
    MESSAGE("compared ", c.pages, " pages of ", c.relations, " relations and ", c.vm_pages,
            " visibility map pages; differing: ", c.differing);
    CHECK(c.pages > 1000);
    CHECK_MESSAGE(c.differing == 0, c.first);
}
