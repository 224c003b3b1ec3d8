// `understudy standby` against a real PostgreSQL 15 primary: positions equal
// pg_stat_replication's once quiet, lags populated under load, remote_apply commits go through
// with understudy as the synchronous standby and wait while replay is paused (SIGUSR1), /status
// parses as JSON and /metrics as Prometheus text, kill -9 under load + restart catches up.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/integration/receive_helpers.h"

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::receive;

namespace {

std::vector<std::string> standby_argv(const PgCluster& pg, const std::string& dir, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {understudy_bin(), "standby", "--primary", pg.conninfo(), "--dir", dir,
                                     "--application-name", "understudy", "--status-interval", "0.2", "-v"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

std::string replication_field(const PgCluster& pg, const std::string& field) {
    return pg.sql("select coalesce(" + field + "::text, '') from pg_stat_replication where application_name = 'understudy'");
}

XLogRecPtr status_lsn(const std::string& status_path, const char* field) {
    auto j = read_status(status_path);
    if (!j || !j->contains(field)) return 0;
    return parse_lsn((*j)[field].get<std::string>()).value_or(0);
}

// A plain HTTP/1.0 GET on 127.0.0.1; returns the body ("" on failure).
std::string http_get(int port, const std::string& path, std::string* head = nullptr) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return "";
    }
    std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    (void)!::write(fd, req.data(), req.size());
    std::string resp;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) resp.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    auto sep = resp.find("\r\n\r\n");
    if (sep == std::string::npos) return "";
    if (head) *head = resp.substr(0, sep);
    return resp.substr(sep + 4);
}

// Every non-comment line of Prometheus text exposition: name{labels} value.
bool is_prometheus_text(const std::string& text, int& samples) {
    static const std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.eE+-]+(Inf|NaN)?$)");
    static const std::regex comment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$)");
    std::istringstream in(text);
    samples = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        if (std::regex_match(line, comment)) continue;
        if (!std::regex_match(line, sample)) return false;
        ++samples;
    }
    return samples > 0;
}

}  // namespace

TEST_CASE("standby: positions equal pg_stat_replication, lag under load, remote_apply, pause, HTTP") {
    PgCluster pg;
    pg.pgbench_init(1);
    TempDir dir("understudy-standby");
    const std::string sdir = dir.path() + "/s";
    const std::string status_path = sdir + "/status.json";
    const int http_port = free_port();
    auto sb = Child::spawn(standby_argv(pg, sdir, {"--http", std::to_string(http_port)}), dir.path() + "/standby.log");
    REQUIRE_MESSAGE(wait_until([&] { return replication_field(pg, "state") == "streaming"; }, 60s),
                    slurp(dir.path() + "/standby.log"));

    // Under load: the primary's write/flush/replay lag columns are populated.
    auto load = pg.pgbench(5, 2);
    CHECK(load.exit_code == 0);
    CHECK(replication_field(pg, "write_lag") != "");
    CHECK(replication_field(pg, "replay_lag") != "");

    // Quiet: our positions equal the primary's view of us.
    XLogRecPtr end = current_lsn(pg);
    REQUIRE_MESSAGE(wait_until([&] { return status_lsn(status_path, "applied_lsn") >= end; }, 60s),
                    slurp(dir.path() + "/standby.log"));
    REQUIRE(wait_until([&] {
        return replication_field(pg, "replay_lsn") == format_lsn(status_lsn(status_path, "applied_lsn")) &&
               replication_field(pg, "flush_lsn") == format_lsn(status_lsn(status_path, "flushed_lsn")) &&
               replication_field(pg, "write_lsn") == format_lsn(status_lsn(status_path, "received_lsn"));
    }, 30s));
    CHECK(status_lsn(status_path, "applied_lsn") == lsn_of(replication_field(pg, "replay_lsn")));
    auto status = read_status(status_path);
    REQUIRE(status);
    CHECK((*status)["system_identifier"].get<std::string>() == pg.sql("select system_identifier from pg_control_system()"));
    // Caught up on an idle primary: time lags go to zero and stay there.
    CHECK(wait_until([&] {
        auto j = read_status(status_path);
        return j && (*j)["lag"]["apply_seconds"].get<double>() == 0.0 && (*j)["lag"]["apply_bytes"].get<std::uint64_t>() == 0;
    }, 15s));
    CHECK((*read_status(status_path))["replay"]["records"].get<std::uint64_t>() > 0);

    // HTTP: /status is JSON, /metrics Prometheus text.
    std::string head;
    auto status_body = http_get(http_port, "/status", &head);
    CHECK(head.find("200") != std::string::npos);
    CHECK_NOTHROW(nlohmann::json::parse(status_body));
    int samples = 0;
    auto metrics = http_get(http_port, "/metrics");
    CHECK_MESSAGE(is_prometheus_text(metrics, samples), metrics);
    CHECK(samples >= 10);
    CHECK(metrics.find("understudy_apply_lag_seconds ") != std::string::npos);
    CHECK(metrics.find("understudy_received_lsn_bytes ") != std::string::npos);

    // remote_apply with understudy as the synchronous standby.
    pg.sql("alter system set synchronous_standby_names = 'understudy'");
    pg.sql("alter system set synchronous_commit = 'remote_apply'");
    pg.sql("select pg_reload_conf()");
    REQUIRE(wait_until([&] { return replication_field(pg, "sync_state") == "sync"; }, 30s));
    auto sync_load = pg.pgbench(5, 2);
    CHECK_MESSAGE(sync_load.exit_code == 0, sync_load.output);
    std::smatch m;
    REQUIRE(std::regex_search(sync_load.output, m, std::regex(R"(number of transactions actually processed: (\d+))")));
    const long txns = std::stol(m[1]);
    MESSAGE("remote_apply pgbench 5 s, 2 clients: " << txns << " transactions");
    CHECK(txns > 50);

    // Paused replay: a commit waits (cancelled by statement_timeout after 2 s, with the
    // syncrep warning); resumed: a commit returns at once.
    sb.signal(SIGUSR1);
    std::this_thread::sleep_for(300ms);
    auto t0 = std::chrono::steady_clock::now();
    auto waited = pg.client("psql", {"-X", "-c", "set statement_timeout = 2000", "-c", "create table paused_t(x int)"});
    auto waited_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(waited_s >= 1.9);
    CHECK_MESSAGE(waited.output.find("canceling wait for synchronous replication") != std::string::npos, waited.output);
    sb.signal(SIGUSR2);
    t0 = std::chrono::steady_clock::now();
    auto quick = pg.client("psql", {"-X", "-c", "set statement_timeout = 20000", "-c", "create table resumed_t(x int)"});
    auto quick_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(quick.output.find("canceling") == std::string::npos);
    CHECK(quick_s < 5.0);
    MESSAGE("commit while paused waited " << waited_s << " s; after resume " << quick_s << " s");

    // Back to async for the crash part.
    pg.sql("alter system reset synchronous_standby_names");
    pg.sql("alter system reset synchronous_commit");
    pg.sql("select pg_reload_conf()");

    // kill -9 under load, restart: catches up, nothing lost, no verification failure.
    auto bg = Child::spawn({pg_tool("pgbench"), "-h", "127.0.0.1", "-p", std::to_string(pg.port()), "-U", "postgres",
                            "-T", "6", "-c", "2", "postgres"},
                           dir.path() + "/pgbench.log");
    std::this_thread::sleep_for(2s);
    sb.kill9();
    std::this_thread::sleep_for(500ms);
    sb = Child::spawn(standby_argv(pg, sdir), dir.path() + "/standby2.log");
    bg.wait(60s);
    end = current_lsn(pg);
    CHECK_MESSAGE(wait_until([&] { return status_lsn(status_path, "applied_lsn") >= end; }, 90s),
                  slurp(dir.path() + "/standby2.log"));
    CHECK(sb.running());
    sb.signal(SIGTERM);
    CHECK(sb.wait(30s) == 0);
    auto final_status = read_status(status_path);
    REQUIRE(final_status);
    CHECK((*final_status)["state"] == "stopped");
    CHECK(std::filesystem::file_size(sdir + "/lag.jsonl") > 0);
}
