#include "tests/integration/replay_standby_common.h"

#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "redo/rmgr.h"
#include "redo/storage/mask.h"
#include "tests/integration/replay_common.h"
#include "tests/support/files.h"
#include "tests/support/process.h"

namespace understudy::testing::replay {

namespace {

namespace fsys = std::filesystem;
constexpr std::size_t kBlcksz = 8192;

// A PostgreSQL 15 server on a data directory we made ourselves; stopped (immediate) if the
// test fails before it is stopped cleanly.
class Recovery {
public:
    Recovery(std::string data_dir, int port) : data_dir_(std::move(data_dir)), port_(port) {}
    Recovery(const Recovery&) = delete;
    Recovery& operator=(const Recovery&) = delete;
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

// Pages of one fork present in both directories, masked with `mask` (or just LSN and
// checksum), compared.
void compare_fork(const std::string& a, const std::string& b, MaskFn mask, bool vm, const std::string& what,
                  const std::string& kind, PageComparison& c) {
    if (!fsys::exists(a) || !fsys::exists(b)) return;
    std::string pa = read_file(a), pb = read_file(b);
    const std::size_t n = std::min(pa.size(), pb.size()) / kBlcksz;
    for (std::size_t blk = 0; blk < n; ++blk) {
        auto* x = reinterpret_cast<std::uint8_t*>(pa.data() + blk * kBlcksz);
        auto* y = reinterpret_cast<std::uint8_t*>(pb.data() + blk * kBlcksz);
        if (mask != nullptr) {
            mask(x, static_cast<BlockNumber>(blk));
            mask(y, static_cast<BlockNumber>(blk));
        } else {
            storage::mask_page_lsn_and_checksum(x);
            storage::mask_page_lsn_and_checksum(y);
        }
        if (vm) {
            ++c.vm_pages;
        } else {
            ++c.pages;
            ++c.pages_by_kind[kind];
        }
        if (std::memcmp(x, y, kBlcksz) != 0) {
            ++c.differing;
            if (c.first.size() < 2000) {
                auto off = storage::first_page_difference(x, y);
                c.first += kind + " " + what + " block " + std::to_string(blk) + " offset " +
                           std::to_string(off.value_or(0)) + "\n";
            }
        }
    }
}

}  // namespace

std::string backup_label_field(const std::string& dir, const std::string& field) {
    std::istringstream in(waldump::read_file(dir + "/backup_label"));
    for (std::string line; std::getline(in, line);)
        if (line.rfind(field + ": ", 0) == 0) {
            std::string v = line.substr(field.size() + 2);
            return v.substr(0, v.find(' '));
        }
    throw std::runtime_error("no " + field + " in backup_label");
}

std::map<std::string, std::string> relation_kinds(const PgCluster& pg) {
    std::map<std::string, std::string> out;
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
            if (relkind == "S") out[path] = "sequence";
            else if (!am.empty()) out[path] = am;
        }
    }
    return out;
}

std::string mask_rmgr_of(const std::string& kind) {
    static const std::map<std::string, std::string> rmgrs = {
        {"heap", "Heap"},     {"sequence", "Sequence"}, {"btree", "Btree"}, {"hash", "Hash"},  {"gin", "Gin"},
        {"gist", "Gist"},     {"spgist", "SPGist"},     {"brin", "BRIN"},   {"bloom", "Generic"},
    };
    auto it = rmgrs.find(kind);
    return it != rmgrs.end() ? it->second : std::string();
}

StandbyRecovery recover_with_both(PgCluster& pg, const TempDir& work, const std::function<void()>& workload) {
    StandbyRecovery out;
    const std::string backup = work.path() + "/backup";
    auto bb = run(as_postgres({pg_tool("pg_basebackup"), "-D", backup, "-h", "127.0.0.1", "-p",
                               std::to_string(pg.port()), "-U", "postgres", "-X", "none", "--checkpoint=fast",
                               "--no-sync"}));
    REQUIRE_MESSAGE(bb.exit_code == 0, bb.output);
    const std::string start = backup_label_field(backup, "START WAL LOCATION");

    workload();
    pg.sql("CHECKPOINT");  // the standby's shutdown restartpoint needs a checkpoint to restart at
    out.target = pg.sql("select pg_current_wal_insert_lsn()");
    pg.sql("select pg_logical_emit_message(false, 'after', 'target')");  // WAL past the target
    const std::string wal = work.path() + "/wal";
    switch_and_copy_wal(pg, wal);
    run({"chown", "-R", "postgres", wal});
    out.kinds = relation_kinds(pg);

    // PostgreSQL: targeted archive recovery of a copy of the backup.
    out.pg_dir = work.path() + "/pg";
    REQUIRE(run(as_postgres({"cp", "-a", backup, out.pg_dir})).exit_code == 0);
    const int port = free_port();
    {
        std::ofstream conf(out.pg_dir + "/postgresql.auto.conf", std::ios::app);
        conf << "port = " << port << "\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '"
             << work.path() << "'\nrestore_command = 'cp " << wal << "/%f \"%p\"'\nrecovery_target_lsn = '"
             << out.target << "'\nrecovery_target_inclusive = off\nrecovery_target_action = 'pause'\n"
             << "hot_standby = on\narchive_mode = off\n"
             // A workload's restart may raise max_wal_senders (PARAMETER_CHANGE): a hot standby
             // with a lower setting pauses recovery there ("insufficient parameter settings").
             << "max_wal_senders = 20\n";
    }
    REQUIRE(run(as_postgres({"touch", out.pg_dir + "/recovery.signal"})).exit_code == 0);
    Recovery rec(out.pg_dir, port);
    rec.start();
    const bool paused = wait_until([&] { return rec.sql("select pg_get_wal_replay_pause_state()") == "paused"; },
                                   std::chrono::seconds(300), std::chrono::milliseconds(200));
    REQUIRE_MESSAGE(paused, waldump::read_file(work.path() + "/recovery.log"));
    out.pg_replayed = rec.sql("select pg_last_wal_replay_lsn()");
    if (out.pg_replayed != out.target) {
        auto log = waldump::read_file(work.path() + "/recovery.log");
        MESSAGE("PostgreSQL paused at ", out.pg_replayed, " before the target ", out.target, "; its log ends:\n",
                log.substr(log.size() > 3000 ? log.size() - 3000 : 0));
    }
    rec.stop();

    // understudy: a copy of the same backup, from the backup's start to the same target.
    out.us_dir = work.path() + "/us";
    REQUIRE(run({"cp", "-a", backup, out.us_dir}).exit_code == 0);
    const std::string report = work.path() + "/report.json";
    auto r = run_replay({"--wal-dir", wal, "--data-dir", out.us_dir, "--start", start, "--end", out.target,
                         "--report", report},
                        work.path());
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    out.report = read_json(report);
    return out;
}

PageComparison compare_relations(const StandbyRecovery& r, const std::set<std::string>& kinds) {
    PageComparison c;
    for (const auto& [path, kind] : r.kinds) {
        if (kinds.count(kind) == 0) continue;
        const std::string rm = mask_rmgr_of(kind);
        REQUIRE_MESSAGE(!rm.empty(), "no mask for relation kind ", kind);
        const RmgrInfo* info = find_rmgr_by_name(rm);
        REQUIRE(info != nullptr);
        const std::size_t before = c.pages;
        compare_fork(r.pg_dir + "/" + path, r.us_dir + "/" + path, info->mask, false, path, kind, c);
        if (kind == "heap")
            compare_fork(r.pg_dir + "/" + path + "_vm", r.us_dir + "/" + path + "_vm", nullptr, true, path + "_vm",
                         kind, c);
        c.relations += c.pages > before;
    }
    return c;
}

}  // namespace understudy::testing::replay
