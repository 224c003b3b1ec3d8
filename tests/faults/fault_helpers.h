// Shared pieces of the fault suite (tests/faults): skipping a test whose fault cannot be made
// here (meson's exit code 77), a network namespace joined to ours by a veth pair that the test
// creates and removes, the commits a primary acknowledged (recorded by client threads) and their
// status in a replayed pg_xact, and a one-line figure per test that tools/faults.sh collects.
#pragma once

#include <fmt/format.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/standby_helpers.h"

namespace understudy::testing::faults {

// Meson's "skipped" exit code: the test prints why and exits before creating anything.
[[noreturn]] inline void skip_test(const std::string& reason) {
    std::printf("SKIP: %s\n", reason.c_str());
    std::fflush(stdout);
    std::_Exit(77);
}

// A line tools/faults.sh reads from the test's output: "FAULT-FIGURES fault=NAME key=value ...".
inline void report_figures(const std::string& fault, const std::string& pairs) {
    std::printf("FAULT-FIGURES fault=%s %s\n", fault.c_str(), pairs.c_str());
    std::fflush(stdout);
}

// Whether a command runs with exit code 0 (its output dropped).
inline bool command_ok(const std::vector<std::string>& argv) { return run(argv).exit_code == 0; }

// A network namespace "uf<pid>" joined to ours by a veth pair: "uf<pid>h" here with host_addr
// (x.x.x.1/30), "uf<pid>n" inside with ns_addr (x.x.x.2/30), in 10.231.0.0/16, a block whose
// /30s are checked to be unused here first. Everything is removed by the destructor (deleting
// the namespace deletes the pair). Faults are made inside the namespace only: iptables rules that
// drop what goes to or comes from host_addr, and netem on the inner end.
class NetNamespace {
public:
    // nullopt when this machine can make one, else the reason it cannot (for skip_test).
    static std::optional<std::string> unavailable() {
        if (::geteuid() != 0) return "needs root (ip netns, veth pairs, iptables inside the namespace)";
        if (!command_ok({"ip", "-V"})) return "no ip(8) (Debian package iproute2)";
        if (!command_ok({"iptables", "--version"})) return "no iptables(8) (Debian package iptables)";
        const std::string probe = "ufp" + std::to_string(::getpid());
        if (!command_ok({"ip", "netns", "add", probe})) return "ip netns add fails here (no network namespaces)";
        const bool ipt = command_ok({"ip", "netns", "exec", probe, "iptables", "-A", "OUTPUT", "-d", "10.231.255.254",
                                     "-j", "DROP"});
        command_ok({"ip", "netns", "del", probe});
        if (!ipt) return "iptables does not work inside a network namespace here";
        return std::nullopt;
    }

    NetNamespace() : name_("uf" + std::to_string(::getpid())) {
        for (int attempt = 0; attempt < 64 && host_addr_.empty(); ++attempt) {
            const int block = (static_cast<int>(::getpid()) + attempt * 97) % (256 * 64);
            const std::string prefix = "10.231." + std::to_string(block / 64) + ".";
            const int base = (block % 64) * 4;
            const auto used = run({"ip", "-o", "addr", "show", "to", prefix + std::to_string(base) + "/30"});
            if (used.exit_code == 0 && used.output.find("inet ") == std::string::npos) {
                host_addr_ = prefix + std::to_string(base + 1);
                ns_addr_ = prefix + std::to_string(base + 2);
            }
        }
        if (host_addr_.empty()) throw std::runtime_error("no free /30 in 10.231.0.0/16 for the test's veth pair");
        const std::string host_if = name_ + "h", ns_if = name_ + "n";
        must({"ip", "netns", "add", name_});
        created_ = true;
        must({"ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if});
        must({"ip", "link", "set", ns_if, "netns", name_});
        must({"ip", "addr", "add", host_addr_ + "/30", "dev", host_if});
        must({"ip", "link", "set", host_if, "up"});
        must(in_ns({"ip", "addr", "add", ns_addr_ + "/30", "dev", ns_if}));
        must(in_ns({"ip", "link", "set", ns_if, "up"}));
        must(in_ns({"ip", "link", "set", "lo", "up"}));
    }
    ~NetNamespace() {
        if (!created_) return;
        run({"ip", "netns", "del", name_});
        run({"ip", "link", "del", name_ + "h"});  // normally gone with the namespace
    }
    NetNamespace(const NetNamespace&) = delete;
    NetNamespace& operator=(const NetNamespace&) = delete;

    const std::string& name() const { return name_; }
    const std::string& host_addr() const { return host_addr_; }  // ours, where the primary listens
    const std::string& ns_addr() const { return ns_addr_; }      // the namespace's
    std::string ns_interface() const { return name_ + "n"; }

    // argv run inside the namespace.
    std::vector<std::string> in_ns(std::vector<std::string> argv) const {
        argv.insert(argv.begin(), {"ip", "netns", "exec", name_});
        return argv;
    }

    // A silent cut: every packet to or from host_addr dropped inside the namespace (no RST, no
    // ICMP), as a pulled cable or a stateful firewall forgetting the connection looks.
    void cut() {
        must(in_ns({"iptables", "-I", "INPUT", "-s", host_addr_, "-j", "DROP"}));
        must(in_ns({"iptables", "-I", "OUTPUT", "-d", host_addr_, "-j", "DROP"}));
    }
    void heal() {
        must(in_ns({"iptables", "-D", "INPUT", "-s", host_addr_, "-j", "DROP"}));
        must(in_ns({"iptables", "-D", "OUTPUT", "-d", host_addr_, "-j", "DROP"}));
    }

    // nullopt when `tc qdisc ... netem` works on the inner end, else why not.
    std::optional<std::string> netem_unavailable() const {
        auto r = run(in_ns({"tc", "qdisc", "add", "dev", ns_interface(), "root", "netem", "delay", "1ms"}));
        if (r.exit_code != 0) {
            while (!r.output.empty() && std::isspace(static_cast<unsigned char>(r.output.back()))) r.output.pop_back();
            return "tc netem does not work here (kernel without sch_netem?): " + r.output;
        }
        run(in_ns({"tc", "qdisc", "del", "dev", ns_interface(), "root"}));
        return std::nullopt;
    }
    // netem on the inner end (packets leaving the namespace), e.g. {"delay", "200ms", "loss", "1%"}.
    void netem(const std::vector<std::string>& spec) {
        std::vector<std::string> argv = {"tc", "qdisc", "replace", "dev", ns_interface(), "root", "netem"};
        argv.insert(argv.end(), spec.begin(), spec.end());
        must(in_ns(argv));
    }
    // Random loss of packets in both directions (`probability`, e.g. "0.01") with iptables'
    // statistic match.
    void random_loss(const std::string& probability) {
        must(in_ns({"iptables", "-I", "INPUT", "-s", host_addr_, "-m", "statistic", "--mode", "random",
                    "--probability", probability, "-j", "DROP"}));
        must(in_ns({"iptables", "-I", "OUTPUT", "-d", host_addr_, "-m", "statistic", "--mode", "random",
                    "--probability", probability, "-j", "DROP"}));
    }

private:
    static void must(const std::vector<std::string>& argv) {
        auto r = run(argv);
        if (r.exit_code != 0) {
            std::string cmd;
            for (const auto& a : argv) cmd += a + " ";
            throw std::runtime_error("network namespace setup: " + cmd + "failed: " + r.output);
        }
    }

    std::string name_;
    std::string host_addr_, ns_addr_;
    bool created_ = false;
};

// PgOptions for a primary that also listens on `addr` (trust for the test's /30 only).
inline PgOptions listening_on(const std::string& addr, std::vector<std::string> conf = {}) {
    PgOptions o;
    o.conf = std::move(conf);
    o.conf.push_back("listen_addresses = '127.0.0.1," + addr + "'");
    const std::string net = addr + "/30";
    o.hba = {"host all all " + net + " trust", "host replication all " + net + " trust"};
    return o;
}

// Client threads that commit one row at a time (`insert ... returning txid_current()`, a
// transaction of its own) and keep the xid of every commit whose result came back: with
// synchronous_commit = remote_apply the primary acknowledges a commit only after the synchronous
// standby applied it, so every recorded xid must be committed in the standby's pg_xact.
class AckedCommits {
public:
    AckedCommits(std::string conninfo, int clients) : conninfo_(std::move(conninfo)) {
        for (int i = 0; i < clients; ++i) threads_.emplace_back([this] { loop(); });
    }
    ~AckedCommits() { stop(); }
    AckedCommits(const AckedCommits&) = delete;
    AckedCommits& operator=(const AckedCommits&) = delete;

    void stop() {
        stop_ = true;
        for (auto& t : threads_)
            if (t.joinable()) t.join();
    }
    std::vector<std::uint64_t> xids() const {
        std::lock_guard lock(mu_);
        return xids_;
    }
    std::uint64_t errors() const { return errors_; }

    // The table the threads insert into; run once on the primary before starting them.
    static constexpr const char* kCreateTable = "create table if not exists fault_acked (xid bigint not null)";

private:
    void loop() {
        std::unique_ptr<PGconn, decltype(&PQfinish)> conn(nullptr, PQfinish);
        while (!stop_) {
            if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
                conn.reset(PQconnectdb(conninfo_.c_str()));
                if (PQstatus(conn.get()) != CONNECTION_OK) {
                    ++errors_;
                    std::this_thread::sleep_for(std::chrono::milliseconds(200));
                    continue;
                }
            }
            std::unique_ptr<PGresult, decltype(&PQclear)> res(
                PQexec(conn.get(), "insert into fault_acked select txid_current() returning xid"), PQclear);
            // PQexec returns after ReadyForQuery, that is after the commit and its synchronous
            // replication wait: a row back is an acknowledged commit.
            if (PQresultStatus(res.get()) == PGRES_TUPLES_OK && PQntuples(res.get()) == 1) {
                std::lock_guard lock(mu_);
                xids_.push_back(std::stoull(PQgetvalue(res.get(), 0, 0)));
            } else {
                ++errors_;
            }
        }
    }

    std::string conninfo_;
    std::atomic<bool> stop_{false};
    std::atomic<std::uint64_t> errors_{0};
    mutable std::mutex mu_;
    std::vector<std::uint64_t> xids_;
    std::vector<std::thread> threads_;
};

// Transaction status in a pg_xact directory (clog.c, PG15): 2 bits per xid, 4 xids per byte,
// 8192-byte pages, 32 pages per segment file named %04X. 0 in progress (or never written),
// 1 committed, 2 aborted, 3 sub-committed; -1 when the file is missing or too short.
constexpr int kXactCommitted = 1;
inline int xact_status(const std::string& pg_xact_dir, std::uint64_t full_xid) {
    const std::uint32_t xid = static_cast<std::uint32_t>(full_xid);
    constexpr std::uint32_t kXactsPerPage = 8192 * 4;
    const std::uint32_t page = xid / kXactsPerPage;
    const std::uint32_t segment = page / 32;
    char name[16];
    std::snprintf(name, sizeof name, "%04X", segment);
    std::ifstream f(pg_xact_dir + "/" + name, std::ios::binary);
    if (!f) return -1;
    const std::uint64_t offset = (page % 32) * 8192ull + (xid % kXactsPerPage) / 4;
    f.seekg(static_cast<std::streamoff>(offset));
    char byte = 0;
    if (!f.get(byte)) return -1;
    return (static_cast<unsigned char>(byte) >> ((xid % 4) * 2)) & 3;
}

// The pid in the first line of a postmaster.pid (0 when unreadable).
inline pid_t postmaster_pid(const PgCluster& pg) {
    std::ifstream f(pg.data_dir() + "/postmaster.pid");
    pid_t pid = 0;
    f >> pid;
    return pid;
}

// Seconds since `t0` on the steady clock.
inline double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The sum of status.json's "reconnects" (by reason) and the text of the object.
inline std::uint64_t reconnects_total(const std::string& status_path, std::string* by_reason = nullptr) {
    auto st = receive::read_status(status_path);
    if (!st || !st->contains("reconnects")) return 0;
    std::uint64_t n = 0;
    for (auto& [reason, count] : (*st)["reconnects"].items()) n += count.get<std::uint64_t>();
    if (by_reason) *by_reason = (*st)["reconnects"].dump();
    return n;
}

}  // namespace understudy::testing::faults
