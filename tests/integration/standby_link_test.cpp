// The link to the primary, honestly reported, against a real PostgreSQL 15: a walsender that
// stops answering (SIGSTOP: no RST, no FIN, the primary writing on) turns "streaming" into
// "waiting", then the --timeout drops the connection and the state says "reconnecting" /
// "connecting"; seconds_since_last_message and every lag grow through the cut, in status.json
// and /metrics; the reconnects are counted by reason (timeout; sqlstate_57P01 when the walsender
// is terminated). TLS: sslmode=verify-full against a server certificate made by a CA the test
// makes works; a wrong host name or a wrong CA is refused with libpq's message.
#include <pwd.h>
#include <sys/stat.h>

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
namespace sfs = std::filesystem;

namespace {

struct LinkSample {
    std::string state;
    double since = -1;  // seconds_since_last_message (-1: null)
    double write = 0, apply = 0;
};

LinkSample sample(const std::string& status_path) {
    LinkSample s;
    auto j = read_status(status_path);
    if (!j) return s;
    s.state = (*j)["state"].get<std::string>();
    if (!(*j)["seconds_since_last_message"].is_null()) s.since = (*j)["seconds_since_last_message"].get<double>();
    s.write = (*j)["lag"]["write_seconds"].get<double>();
    s.apply = (*j)["lag"]["apply_seconds"].get<double>();
    return s;
}

std::string describe(const LinkSample& s) {
    return fmt::format("state {}, {:.1f} s since the last message, write lag {:.1f} s, apply lag {:.1f} s", s.state,
                       s.since, s.write, s.apply);
}

double reconnects(const std::string& metrics, const std::string& reason) {
    auto p = parse_prometheus_text(metrics);
    auto it = p.samples.find("understudy_reconnects_total{reason=\"" + reason + "\"}");
    return it == p.samples.end() ? 0 : it->second;
}

}  // namespace

TEST_CASE("a silent walsender: state waiting then reconnecting, seconds since the last message and the lags grow, reconnects counted by reason") {
    PgCluster pg;
    pg.sql("create table w(x int)");
    TempDir dir("understudy-link");
    const std::string sdir = dir.path() + "/s";
    const std::string log_path = dir.path() + "/standby.log";
    const std::string status_path = sdir + "/status.json";
    const int port = free_port();
    HangReporter hang({log_path}, 200s);
    auto sb = Child::spawn(standby_argv(pg, sdir, {"--http", std::to_string(port), "--reply-interval", "0.5",
                                                   "--timeout", "5"}),
                           log_path);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log_path));
    REQUIRE(wait_until([&] { return sample(status_path).state == "streaming"; }, 30s));
    // Healthy: heard from within the reply interval, no lag made up.
    std::this_thread::sleep_for(2s);
    const LinkSample healthy = sample(status_path);
    MESSAGE("healthy: " << describe(healthy));
    CHECK(healthy.state == "streaming");
    CHECK(healthy.since >= 0);
    CHECK(healthy.since < 2.0);
    CHECK(healthy.apply < 2.0);

    const std::string walsender = pg.sql("select pid from pg_stat_replication where application_name = 'understudy'");
    REQUIRE(!walsender.empty());
    const pid_t ws = static_cast<pid_t>(std::stol(walsender));
    REQUIRE(::kill(ws, SIGSTOP) == 0);
    // The primary writes on during the cut.
    std::vector<LinkSample> samples;
    const auto cut_start = std::chrono::steady_clock::now();
    for (int i = 0; i < 9; ++i) {
        pg.sql("insert into w values (" + std::to_string(i) + ")");
        std::this_thread::sleep_for(1s);
        samples.push_back(sample(status_path));
        MESSAGE("cut +" << std::chrono::duration<double>(std::chrono::steady_clock::now() - cut_start).count()
                        << " s: " << describe(samples.back()));
    }
    const std::string metrics_in_cut = http_get(port, "/metrics");
    ::kill(ws, SIGCONT);

    // At +3 s (limit 2 s = 2 x reply interval): waiting, silence counted into the lags.
    CHECK(samples[2].state == "waiting");
    CHECK(samples[2].since >= 2.0);
    CHECK(samples[2].write >= 2.0);
    CHECK(samples[2].apply >= 2.0);
    // Growing, never frozen, through the cut.
    for (std::size_t i = 3; i < samples.size(); ++i) {
        CAPTURE(i);
        CHECK(samples[i].since > samples[i - 1].since);
        CHECK(samples[i].apply >= samples[i - 1].apply);
        CHECK(samples[i].state != "streaming");
    }
    CHECK(samples.back().apply >= 8.0);
    // After the 5 s timeout: the receiver dropped the connection and tries again.
    CHECK((samples.back().state == "reconnecting" || samples.back().state == "connecting"));
    CHECK(reconnects(metrics_in_cut, "timeout") >= 1);
    CHECK(metrics_in_cut.find("understudy_receiver_streaming 0") != std::string::npos);
    CHECK(metrics_in_cut.find("understudy_seconds_since_last_message ") != std::string::npos);
    CHECK(read_file(log_path).find("no message from the primary for") != std::string::npos);

    // SIGCONT: the old walsender finds its connection gone; the standby streams again and
    // catches up with what was written during the cut.
    const XLogRecPtr target = current_lsn(pg);
    CHECK_MESSAGE(wait_until([&] { return sample(status_path).state == "streaming" &&
                                          status_lsn(status_path, "applied_lsn") >= target; }, 60s, 200ms),
                  read_file(log_path));
    const LinkSample after = sample(status_path);
    MESSAGE("after the cut: " << describe(after));
    CHECK(after.since < 2.0);

    // pg_terminate_backend of the walsender: FATAL 57P01, counted under its SQLSTATE.
    const std::string ws2 = pg.sql("select pid from pg_stat_replication where application_name = 'understudy'");
    REQUIRE(!ws2.empty());
    pg.sql("select pg_terminate_backend(" + ws2 + ")");
    CHECK_MESSAGE(wait_until([&] { return reconnects(http_get(port, "/metrics"), "sqlstate_57P01") >= 1; }, 30s, 200ms),
                  http_get(port, "/metrics") << read_file(log_path));
    auto st = read_status(status_path);
    REQUIRE(st);
    MESSAGE("reconnects: " << (*st)["reconnects"].dump());
    CHECK((*st)["reconnects"]["timeout"].get<int>() >= 1);
    CHECK(wait_streaming(pg));
    sb.signal(SIGTERM);
    CHECK(sb.wait(20s) == 0);
}

TEST_CASE("TLS: sslmode=verify-full works with the test's CA; a wrong host name or CA is refused with libpq's message") {
    TempDir certs("understudy-tls", true);
    const std::string d = certs.path();
    auto openssl = [&](std::vector<std::string> args) {
        args.insert(args.begin(), "openssl");
        RunResult r = run(args);
        REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    };
    // A CA, a server certificate for "localhost" signed by it, and another CA.
    openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=understudy test CA",
             "-keyout", d + "/ca.key", "-out", d + "/ca.crt"});
    openssl({"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", d + "/server.key", "-out",
             d + "/server.csr"});
    {
        std::ofstream ext(d + "/san.ext");
        ext << "subjectAltName=DNS:localhost\n";
    }
    openssl({"x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.crt", "-CAkey", d + "/ca.key",
             "-CAcreateserial", "-days", "2", "-extfile", d + "/san.ext", "-out", d + "/server.crt"});
    openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=some other CA", "-keyout",
             d + "/other.key", "-out", d + "/other.crt"});
    if (::geteuid() == 0) {
        struct passwd* pw = ::getpwnam("postgres");
        REQUIRE(pw != nullptr);
        for (const char* f : {"/server.key", "/server.crt", "/ca.crt"})
            REQUIRE(::chown((d + f).c_str(), pw->pw_uid, pw->pw_gid) == 0);
    }
    ::chmod((d + "/server.key").c_str(), 0600);
    PgOptions o;
    o.conf = {"ssl = on", "ssl_cert_file = '" + d + "/server.crt'", "ssl_key_file = '" + d + "/server.key'"};
    o.hba = {"hostssl all all 127.0.0.1/32 trust", "hostssl replication all 127.0.0.1/32 trust",
             "hostnossl all all 127.0.0.1/32 reject", "hostnossl replication all 127.0.0.1/32 reject"};
    PgCluster pg(o);
    const std::string port = std::to_string(pg.port());
    TempDir dir("understudy-tls");

    const std::string good = "host=localhost hostaddr=127.0.0.1 port=" + port +
                             " user=postgres dbname=postgres sslmode=verify-full sslrootcert=" + d + "/ca.crt";
    const std::string sdir = dir.path() + "/s";
    const std::string log_path = dir.path() + "/standby.log";
    HangReporter hang({log_path}, 200s);
    auto sb = Child::spawn({understudy_bin(), "standby", "--primary", good, "--dir", sdir, "--application-name",
                            "understudy", "--status-interval", "0.2", "-v"},
                           log_path);
    REQUIRE_MESSAGE(wait_streaming(pg), read_file(log_path));
    const std::string ssl = pg.sql("select s.ssl::text from pg_stat_ssl s join pg_stat_replication r using (pid) "
                                   "where r.application_name = 'understudy'");
    CHECK(ssl == "true");
    sb.signal(SIGTERM);
    CHECK(sb.wait(20s) == 0);

    // The certificate is for localhost, not for 127.0.0.1.
    const RunResult wrong_host = run({understudy_bin(), "standby", "--primary",
                                      "host=127.0.0.1 port=" + port + " user=postgres sslmode=verify-full sslrootcert=" +
                                          d + "/ca.crt",
                                      "--dir", dir.path() + "/x"});
    MESSAGE("wrong host name: " << wrong_host.output);
    CHECK(wrong_host.exit_code == 1);
    CHECK(wrong_host.output.find("server certificate for \"localhost\"") != std::string::npos);
    CHECK(wrong_host.output.find("does not match host name \"127.0.0.1\"") != std::string::npos);
    const RunResult wrong_ca = run({understudy_bin(), "standby", "--primary",
                                    "host=localhost hostaddr=127.0.0.1 port=" + port +
                                        " user=postgres sslmode=verify-full sslrootcert=" + d + "/other.crt",
                                    "--dir", dir.path() + "/x"});
    MESSAGE("wrong CA: " << wrong_ca.output);
    CHECK(wrong_ca.exit_code == 1);
    CHECK(wrong_ca.output.find("certificate verify failed") != std::string::npos);
    // The replication connection checks the same (understudy receive).
    const RunResult recv_wrong = run({understudy_bin(), "receive", "--no-loop", "--primary",
                                      "host=127.0.0.1 port=" + port + " user=postgres sslmode=verify-full sslrootcert=" +
                                          d + "/ca.crt",
                                      "--wal-dir", dir.path() + "/w"});
    CHECK(recv_wrong.exit_code == 1);
    CHECK(recv_wrong.output.find("does not match host name") != std::string::npos);
    CHECK(!sfs::exists(dir.path() + "/x"));
}
