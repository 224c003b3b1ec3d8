// `understudy standby` against a real PostgreSQL 15 primary: the positions it reports equal
// the primary's pg_stat_replication once quiet; write/flush/replay lag there are populated under
// load; its own time lag is zero when caught up and does not grow on an idle primary; the last
// applied commit time equals the primary's (track_commit_timestamp); /status is JSON and
// /metrics strict Prometheus text; hot standby feedback makes the slot's xmin the oldest running
// xid; SIGTERM writes a final status and exits 0; bad input gives errors naming the option/dir.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "tests/integration/standby_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;
using namespace understudy::testing::standby;

namespace {

std::string primary_last_commit_time(const PgCluster& pg) {
    return pg.sql("select to_char(timestamp at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
                  "from pg_last_committed_xact()");
}

std::string slot_xmin(const PgCluster& pg) {
    return pg.sql("select coalesce(xmin::text, '') from pg_replication_slots where slot_name = 'understudy'");
}

}  // namespace

TEST_CASE("standby: pg_stat_replication positions and lags, idle lag, commit time, HTTP, hot standby feedback") {
    PgCluster pg(PgOptions{.conf = {"track_commit_timestamp = on"}});
    pg.pgbench_init(1);
    TempDir dir("understudy-standby");
    const std::string sdir = dir.path() + "/s";
    const std::string log_path = dir.path() + "/standby.log";
    const std::string status_path = sdir + "/status.json";
    const int http_port = free_port();
    HangReporter hang({log_path}, 240s);
    auto sb = Child::spawn(standby_argv(pg, sdir, {"--http", std::to_string(http_port), "--hot-standby-feedback"}),
                           log_path);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log_path));

    // Under load: the primary's write/flush/replay lag columns get populated.
    auto bg = Child::spawn({pg_tool("pgbench"), "-n", "-h", "127.0.0.1", "-p", std::to_string(pg.port()), "-U",
                            "postgres", "-T", "6", "-c", "2", "postgres"},
                           dir.path() + "/pgbench.log");
    std::string write_lag, flush_lag, replay_lag;
    CHECK_MESSAGE(wait_until([&] {
                      write_lag = replication_field(pg, "write_lag");
                      flush_lag = replication_field(pg, "flush_lag");
                      replay_lag = replication_field(pg, "replay_lag");
                      return !write_lag.empty() && !flush_lag.empty() && !replay_lag.empty();
                  }, 6s, 100ms),
                  read_file(log_path));
    MESSAGE("under load, pg_stat_replication: write_lag " << write_lag << ", flush_lag " << flush_lag
                                                         << ", replay_lag " << replay_lag);
    CHECK(bg.wait(60s) == 0);

    // Quiet: our positions equal the primary's view of us.
    XLogRecPtr end = current_lsn(pg);
    REQUIRE_MESSAGE(wait_until([&] { return status_lsn(status_path, "applied_lsn") >= end; }, 60s), read_file(log_path));
    CHECK_MESSAGE(wait_until([&] {
                      return replication_field(pg, "replay_lsn") == format_lsn(status_lsn(status_path, "applied_lsn")) &&
                             replication_field(pg, "flush_lsn") == format_lsn(status_lsn(status_path, "flushed_lsn")) &&
                             replication_field(pg, "write_lsn") == format_lsn(status_lsn(status_path, "received_lsn"));
                  }, 30s),
                  "primary: " << pg.sql("select write_lsn, flush_lsn, replay_lsn from pg_stat_replication")
                              << "\nstatus: " << read_file(status_path));
    auto status = read_status(status_path);
    REQUIRE(status);
    CHECK((*status)["system_identifier"].get<std::string>() == pg.sql("select system_identifier from pg_control_system()"));
    CHECK((*status)["timeline"].get<int>() == std::stoi(pg.sql("select timeline_id from pg_control_checkpoint()")));
    CHECK((*status)["rmgrs"]["Heap"]["records"].get<std::uint64_t>() > 0);
    // An empty --dir without --base-backup is sparse: status.json says so, and that no server
    // can start on it.
    REQUIRE((*status)["directory"].is_object());
    CHECK((*status)["directory"]["mode"] == "sparse");
    CHECK((*status)["directory"]["server_can_start"] == false);
    CHECK((*status)["rmgrs"]["Transaction"]["applied"].get<std::uint64_t>() > 0);

    // The standby's own lag during the load (DIR/lag.jsonl, one line per status interval).
    double max_apply_seconds = 0;
    std::size_t lines = 0;
    {
        std::ifstream hist(sdir + "/lag.jsonl");
        for (std::string line; std::getline(hist, line); ++lines) {
            auto j = nlohmann::json::parse(line);
            REQUIRE(j.contains("t"));
            REQUIRE(j.contains("apply_bytes"));
            max_apply_seconds = std::max(max_apply_seconds, j["apply_seconds"].get<double>());
        }
    }
    MESSAGE("lag.jsonl: " << lines << " lines, max apply lag " << max_apply_seconds << " s");
    CHECK(lines > 10);
    CHECK(max_apply_seconds > 0.0);
    CHECK(max_apply_seconds < 30.0);

    // A commit: its time is pg_last_xact_replay_timestamp() on a standby = the primary's commit time.
    pg.sql("create table commit_time_probe(x int)");
    end = current_lsn(pg);
    REQUIRE(wait_until([&] { return status_lsn(status_path, "applied_lsn") >= end; }, 30s));
    const std::string commit_time = primary_last_commit_time(pg);
    CHECK(wait_until([&] {
        auto j = read_status(status_path);
        return j && (*j)["last_applied_commit_time"].is_string() &&
               (*j)["last_applied_commit_time"].get<std::string>() == commit_time;
    }, 10s));
    MESSAGE("last commit on the primary " << commit_time << ", status "
                                          << (*read_status(status_path))["last_applied_commit_time"]);

    // Idle primary: time lags reach zero, then stay zero over many status intervals.
    REQUIRE_MESSAGE(wait_until([&] {
                        auto j = read_status(status_path);
                        return j && (*j)["lag"]["apply_seconds"].get<double>() == 0.0 &&
                               (*j)["lag"]["write_seconds"].get<double>() == 0.0 &&
                               (*j)["lag"]["apply_bytes"].get<std::uint64_t>() == 0;
                    }, 20s),
                    read_file(status_path));
    int samples = 0, zero = 0;
    double idle_max = 0;
    for (auto t0 = std::chrono::steady_clock::now(); std::chrono::steady_clock::now() - t0 < 3s; ++samples) {
        auto j = read_status(status_path);
        REQUIRE(j);
        const double a = (*j)["lag"]["apply_seconds"].get<double>();
        idle_max = std::max(idle_max, a);
        if (a == 0.0 && (*j)["lag"]["flush_seconds"].get<double>() == 0.0) ++zero;
        std::this_thread::sleep_for(200ms);
    }
    MESSAGE("idle 3 s (15 status intervals): " << zero << " of " << samples << " samples zero, max " << idle_max << " s");
    CHECK(idle_max < 0.5);  // at most a fresh sample of a background record, never a growing lag
    CHECK(zero >= samples - 2);

    // HTTP: /status is JSON, /metrics strict Prometheus text.
    std::string head;
    auto status_body = http_get(http_port, "/status", &head);
    CHECK(head.find(" 200 ") != std::string::npos);
    auto http_status = nlohmann::json::parse(status_body);
    CHECK(http_status["system_identifier"] == (*read_status(status_path))["system_identifier"]);
    for (const char* f : {"primary_wal_end_lsn", "received_lsn", "flushed_lsn", "applied_lsn", "updated_at"})
        CHECK_MESSAGE(http_status.contains(f), f);
    for (const char* f : {"receive_bytes", "flush_bytes", "apply_bytes", "write_seconds", "flush_seconds", "apply_seconds"})
        CHECK_MESSAGE(http_status["lag"].contains(f), f);
    auto metrics_text = http_get(http_port, "/metrics", &head);
    CHECK(head.find("text/plain") != std::string::npos);
    auto prom = parse_prometheus_text(metrics_text);
    REQUIRE_MESSAGE(prom.ok, prom.error << "\n" << metrics_text);
    for (const char* name : {"understudy_received_lsn_bytes", "understudy_flushed_lsn_bytes",
                             "understudy_applied_lsn_bytes", "understudy_apply_lag_bytes", "understudy_apply_lag_seconds",
                             "understudy_write_lag_seconds", "understudy_flush_lag_seconds", "understudy_flush_lag_bytes"})
        CHECK_MESSAGE(prom.samples.contains(name), name);
    CHECK(prom.types["understudy_reconnects_total"] == "counter");
    CHECK(prom.samples.contains("understudy_reconnects_total{reason=\"stream_error\"}"));
    CHECK(prom.samples["understudy_records_applied_total{rmgr=\"Heap\"}"] > 0);
    CHECK(prom.samples["understudy_applied_lsn_bytes"] >= static_cast<double>(end));
    CHECK(prom.samples.contains("understudy_directory_full"));
    CHECK(prom.samples["understudy_directory_full"] == 0);  // sparse
    CHECK(prom.samples["understudy_directory_server_can_start"] == 0);
    CHECK(http_get(http_port, "/nope", &head).find("not found") != std::string::npos);
    CHECK(head.find(" 404 ") != std::string::npos);

    // Hot standby feedback: a transaction left open on the primary holds the slot's xmin at its xid.
    pg.sql("create table hsf(x int)");
    auto holder = Child::spawn({pg_tool("psql"), "-X", "-At", "-h", "127.0.0.1", "-p", std::to_string(pg.port()), "-U",
                                "postgres", "-c", "begin", "-c", "insert into hsf values (1)", "-c",
                                "select 'xid=' || txid_current()", "-c", "select pg_sleep(12)", "-c", "commit",
                                "postgres"},
                               dir.path() + "/holder.log");
    std::string xid;
    REQUIRE(wait_until([&] {
        std::smatch m;
        std::string text = read_file(dir.path() + "/holder.log");
        if (!std::regex_search(text, m, std::regex(R"(xid=(\d+))"))) return false;
        xid = m[1];
        return true;
    }, 10s));
    pg.sql("checkpoint");  // a RUNNING_XACTS record listing it
    CHECK_MESSAGE(wait_until([&] { return slot_xmin(pg) == xid; }, 10s),
                  "slot xmin " << slot_xmin(pg) << ", open xid " << xid << "\n" << read_file(status_path));
    MESSAGE("open transaction " << xid << ": slot xmin " << slot_xmin(pg));
    CHECK(holder.wait(30s) == 0);
    pg.sql("insert into hsf values (2)");  // a later xid, committed
    CHECK_MESSAGE(wait_until([&] {
                      auto x = slot_xmin(pg);
                      return !x.empty() && std::stoull(x) > std::stoull(xid);
                  }, 20s),
                  "slot xmin " << slot_xmin(pg) << " after xid " << xid << " ended");

    // The primary restarts: the control loop reconnects and counts why.
    pg.restart();
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log_path));
    double reconnects = 0;
    CHECK(wait_until([&] {
        auto p = parse_prometheus_text(http_get(http_port, "/metrics"));
        reconnects = 0;
        for (const auto& [series, v] : p.samples)
            if (series.rfind("understudy_reconnects_total{", 0) == 0) reconnects += v;
        return reconnects >= 1;
    }, 10s));
    MESSAGE("after a primary restart: " << reconnects << " reconnects; status "
                                        << (*read_status(status_path))["reconnects"].dump());

    // SIGTERM: a final status, exit 0.
    sb.signal(SIGTERM);
    CHECK(sb.wait(30s) == 0);
    auto final_status = read_status(status_path);
    REQUIRE(final_status);
    CHECK((*final_status)["state"] == "stopped");
    CHECK(parse_lsn((*final_status)["applied_lsn"].get<std::string>()).value_or(0) >= end);

    // A sparse DIR/data is never a half-working server: it has no PG_VERSION and no
    // global/pg_control, pg_ctl refuses it with PostgreSQL's own words, no postmaster is left,
    // and `understudy lag --dir` says why and what to do instead.
    const std::string data = sdir + "/data";
    CHECK(!std::filesystem::exists(data + "/PG_VERSION"));
    CHECK(!std::filesystem::exists(data + "/global/pg_control"));
    if (::geteuid() == 0) REQUIRE(run({"chown", "-R", "postgres:postgres", dir.path()}).exit_code == 0);
    REQUIRE(run({"chmod", "0700", data}).exit_code == 0);
    auto start = run(as_postgres({pg_tool("pg_ctl"), "start", "-D", data, "-w", "-t", "10", "-o",
                                  fmt::format("-p {} -c listen_addresses=127.0.0.1", free_port())}));
    INFO(start.output);
    CHECK(start.exit_code != 0);
    CHECK(start.output.find("is not a database cluster directory") != std::string::npos);
    CHECK(!std::filesystem::exists(data + "/postmaster.pid"));
    const std::string lag_text = run({understudy_bin(), "lag", "--dir", sdir}).output;
    CHECK_MESSAGE(lag_text.find("server can start: no (sparse:") != std::string::npos, lag_text);
    CHECK_MESSAGE(lag_text.find("--base-backup") != std::string::npos, lag_text);
}

TEST_CASE("standby: errors name the option or directory") {
    PgCluster pg;
    TempDir dir("understudy-standby-err");

    auto bad_http = run(standby_argv(pg, dir.path() + "/a", {"--http", "localhost:http"}));
    CHECK(bad_http.exit_code == 2);
    CHECK_MESSAGE(bad_http.output.find("--http") != std::string::npos, bad_http.output);

    // --http :PORT means 127.0.0.1:PORT; a port in use is an error naming the address.
    {
        const int port = free_port();
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(fd, 1) == 0);
        auto in_use = run(standby_argv(pg, dir.path() + "/h", {"--http", ":" + std::to_string(port)}));
        ::close(fd);
        CHECK(in_use.exit_code == 1);
        CHECK_MESSAGE(in_use.output.find("--http: could not listen on 127.0.0.1:" + std::to_string(port)) !=
                          std::string::npos,
                      in_use.output);
    }

    // Not a directory we can create: a path under a regular file.
    { std::ofstream(dir.path() + "/file") << "x"; }
    auto unwritable = run(standby_argv(pg, dir.path() + "/file/standby"));
    CHECK(unwritable.exit_code == 1);
    CHECK_MESSAGE(unwritable.output.find("--dir \"" + dir.path() + "/file/standby\"") != std::string::npos,
                  unwritable.output);

    // Somebody else's non-empty directory.
    sfs::create_directories(dir.path() + "/other");
    { std::ofstream(dir.path() + "/other/PG_VERSION") << "15\n"; }
    auto foreign = run(standby_argv(pg, dir.path() + "/other"));
    CHECK(foreign.exit_code == 1);
    CHECK_MESSAGE(foreign.output.find("is not empty and is not an understudy standby directory") != std::string::npos,
                  foreign.output);

    // A standby directory of another database system (its WAL ident names another system id).
    const std::string sysid = pg.sql("select system_identifier from pg_control_system()");
    const std::string other_id = std::to_string(std::stoull(sysid) + 1);
    sfs::create_directories(dir.path() + "/old/pg_wal");
    {
        std::ofstream(dir.path() + "/old/pg_wal/understudy.ident")
            << "{\"system_identifier\": \"" << other_id << "\", \"wal_segment_size\": 16777216}\n";
    }
    auto other_system = run(standby_argv(pg, dir.path() + "/old"));
    CHECK(other_system.exit_code == 1);
    CHECK_MESSAGE(other_system.output.find("holds a standby of database system " + other_id) != std::string::npos,
                  other_system.output);
    CHECK(other_system.output.find(sysid) != std::string::npos);
}
