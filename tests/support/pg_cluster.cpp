#include "tests/support/pg_cluster.h"

#include "tests/support/files.h"

#include <libpq-fe.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace understudy::testing {

namespace {

// Postmaster pids to kill if the test process dies without running destructors.
constexpr int kMaxRegistered = 32;
std::array<std::atomic<pid_t>, kMaxRegistered> g_postmasters{};

void emergency_stop(int sig) {
    for (auto& p : g_postmasters) {
        pid_t pid = p.load();
        if (pid > 0) ::kill(pid, SIGQUIT);  // immediate shutdown
    }
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

void install_handlers_once() {
    static bool done = false;
    if (done) return;
    done = true;
    for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTERM, SIGINT})
        ::signal(sig, emergency_stop);
}

void register_pid(pid_t pid) {
    install_handlers_once();
    for (auto& p : g_postmasters) {
        pid_t expected = 0;
        if (p.compare_exchange_strong(expected, pid)) return;
    }
}

void unregister_pid(pid_t pid) {
    for (auto& p : g_postmasters) {
        pid_t expected = pid;
        if (p.compare_exchange_strong(expected, 0)) return;
    }
}

pid_t read_postmaster_pid(const std::string& data_dir) {
    std::ifstream f(data_dir + "/postmaster.pid");
    pid_t pid = 0;
    f >> pid;
    return pid;
}

void append_file(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::app);
    f << text;
}

void check(const RunResult& r, const std::string& what) {
    if (r.exit_code != 0)
        throw std::runtime_error(what + " failed (exit " + std::to_string(r.exit_code) + "):\n" + r.output);
}

}  // namespace

std::string pg_bindir() {
    if (const char* e = std::getenv("UNDERSTUDY_PG_BINDIR"); e && *e) return e;
    auto r = run({"pg_config", "--bindir"});
    std::string out = r.output;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    if (r.exit_code != 0 || out.empty()) return "/usr/lib/postgresql/15/bin";
    return out;
}

std::string pg_tool(const std::string& name) { return pg_bindir() + "/" + name; }

std::string pg_version_bindir(int major) {
    const char* e = std::getenv("UNDERSTUDY_PG_VERSIONS_DIR");
    const std::string root = e != nullptr && *e != '\0' ? e : "/tmp/understudy-pgversions";
    const std::string bindir = root + "/" + std::to_string(major) + "/bin";
    for (const char* tool : {"initdb", "pg_ctl", "postgres"})
        if (::access((bindir + "/" + tool).c_str(), X_OK) != 0)
            throw std::runtime_error("PostgreSQL " + std::to_string(major) + "'s " + tool + " is not in " + bindir +
                                     ": run tools/pg_versions.sh (tools/setup.sh does)");
    return bindir;
}

PgCluster::PgCluster(TempDir dir, int port, std::string bindir)
    : dir_(std::move(dir)), port_(port), bindir_(std::move(bindir)), data_dir_(dir_.path() + "/data") {}

PgCluster::PgCluster(const PgOptions& opts)
    : PgCluster(TempDir("understudy-pg", true), free_port(), opts.bindir.empty() ? pg_bindir() : opts.bindir) {
    std::vector<std::string> argv = {bindir_ + "/initdb", "-D", data_dir_, "-U", "postgres",
                                     "--auth=trust", "--no-sync", "--no-instructions", "-E", "UTF8",
                                     "--locale=C"};
    argv.insert(argv.end(), opts.initdb_args.begin(), opts.initdb_args.end());
    check(run(as_postgres(argv)), "initdb");
    write_conf(opts, false);
    start();
}

PgCluster PgCluster::standby_of(const PgCluster& primary, const PgOptions& opts) {
    PgCluster s(TempDir("understudy-pg", true), free_port(),
                opts.bindir.empty() ? primary.bindir_ : opts.bindir);
    check(run(as_postgres({s.bindir_ + "/pg_basebackup", "-D", s.data_dir_, "-h", "127.0.0.1", "-p",
                           std::to_string(primary.port_), "-U", "postgres", "-X", "stream", "-R",
                           "--checkpoint=fast", "--no-sync"})),
          "pg_basebackup");
    s.write_conf(opts, true);
    s.start();
    return s;
}

PgCluster PgCluster::adopt(TempDir dir, const PgOptions& opts) {
    PgCluster s(std::move(dir), free_port(), opts.bindir.empty() ? pg_bindir() : opts.bindir);
    if (::geteuid() == 0)
        check(run({"chown", "-R", "postgres:postgres", s.dir_.path()}), "chown -R postgres " + s.dir_.path());
    check(run({"chmod", "0700", s.data_dir_}), "chmod 0700 " + s.data_dir_);
    s.write_conf(opts, true);
    return s;
}

PgCluster::PgCluster(PgCluster&& o) noexcept
    : dir_(std::move(o.dir_)), port_(o.port_), bindir_(std::move(o.bindir_)),
      data_dir_(std::move(o.data_dir_)), running_(o.running_) {
    o.running_ = false;
}

PgCluster::~PgCluster() {
    if (running_) {
        try {
            stop("immediate");
        } catch (...) {
        }
    }
}

void PgCluster::write_conf(const PgOptions& opts, bool standby) {
    std::string conf;
    conf += "\n# understudy test fixture\n";
    conf += "listen_addresses = '127.0.0.1'\n";
    conf += "port = " + std::to_string(port_) + "\n";
    conf += "unix_socket_directories = '" + dir_.path() + "'\n";
    if (!standby) {
        conf += "wal_level = replica\nmax_wal_senders = 10\nmax_replication_slots = 10\n";
        conf += "wal_keep_size = 256MB\n";
    }
    conf += "hot_standby = on\n";
    conf += "log_line_prefix = '%m [%p] %q%a '\n";
    for (auto& l : opts.conf) conf += l + "\n";
    append_file(data_dir_ + "/postgresql.conf", conf);
    if (!standby || !opts.hba.empty()) {
        std::string hba;
        for (auto& l : opts.hba) hba += l + "\n";
        std::string old = read_file(data_dir_ + "/pg_hba.conf");
        std::ofstream f(data_dir_ + "/pg_hba.conf", std::ios::trunc);
        f << hba << old;
    }
}

std::string PgCluster::conninfo(const std::string& user, const std::string& db) const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=" + user + " dbname=" + db;
}

std::string PgCluster::sql(const std::string& query, const std::string& db) const {
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(conninfo("postgres", db).c_str()), PQfinish);
    if (PQstatus(conn.get()) != CONNECTION_OK)
        throw std::runtime_error(std::string("connect failed: ") + PQerrorMessage(conn.get()));
    std::unique_ptr<PGresult, decltype(&PQclear)> res(PQexec(conn.get(), query.c_str()), PQclear);
    auto st = PQresultStatus(res.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        throw std::runtime_error("SQL failed: " + query + ": " + PQresultErrorMessage(res.get()));
    std::string out;
    for (int r = 0; r < PQntuples(res.get()); ++r) {
        if (r) out += '\n';
        for (int c = 0; c < PQnfields(res.get()); ++c) {
            if (c) out += '|';
            out += PQgetvalue(res.get(), r, c);
        }
    }
    return out;
}

void PgCluster::start() {
    check(run(as_postgres({bindir_ + "/pg_ctl", "-D", data_dir_, "-l", ctl_log(), "-w", "-t", "60", "start"})),
          "pg_ctl start\n" + server_log());
    running_ = true;
    register_pid(read_postmaster_pid(data_dir_));
}

void PgCluster::stop(const std::string& mode) {
    pid_t pid = read_postmaster_pid(data_dir_);
    auto r = run(as_postgres({bindir_ + "/pg_ctl", "-D", data_dir_, "-m", mode, "-w", "-t", "60", "stop"}));
    running_ = false;
    if (pid > 0) unregister_pid(pid);
    check(r, "pg_ctl stop");
}

void PgCluster::restart(const std::string& mode) {
    stop(mode);
    start();
}

void PgCluster::promote() {
    check(run(as_postgres({bindir_ + "/pg_ctl", "-D", data_dir_, "-w", "-t", "60", "promote"})), "pg_ctl promote");
}

void PgCluster::set_port(int port) {
    if (running_) throw std::runtime_error("PgCluster::set_port on a running server: stop it first");
    port_ = port;
    append_file(data_dir_ + "/postgresql.conf", "port = " + std::to_string(port_) + "\n");
}

RunResult PgCluster::client(const std::string& tool, std::vector<std::string> args) const {
    std::string path = bindir_ + "/" + tool;
    if (::access(path.c_str(), X_OK) != 0) path = pg_tool(tool);
    std::vector<std::string> argv = {path, "-h", "127.0.0.1", "-p", std::to_string(port_),
                                     "-U", "postgres"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
}

void PgCluster::pgbench_init(int scale) const {
    check(client("pgbench", {"-i", "-q", "-s", std::to_string(scale), "postgres"}), "pgbench -i");
}

RunResult PgCluster::pgbench(int seconds, int clients, std::vector<std::string> extra) const {
    std::vector<std::string> args = {"-n", "-T", std::to_string(seconds), "-c", std::to_string(clients)};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("postgres");
    return client("pgbench", args);
}

std::string PgCluster::server_log() const { return read_file(ctl_log()); }

}  // namespace understudy::testing
