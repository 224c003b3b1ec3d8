// A throwaway PostgreSQL server for integration tests: initdb in a temp dir owned by the
// postgres user, listening on 127.0.0.1 on a free port, stopped and removed when the object goes
// away (also when the test fails or crashes: a signal handler stops registered postmasters).
#pragma once

#include <string>
#include <vector>

#include "tests/support/process.h"

namespace understudy::testing {

// Directory holding initdb, pg_ctl, postgres, pg_basebackup, pgbench: UNDERSTUDY_PG_BINDIR if
// set, else `pg_config --bindir`.
std::string pg_bindir();
std::string pg_tool(const std::string& name);  // pg_bindir() + "/" + name

// initdb, pg_ctl and postgres of another major version (14, 16, 17, 18), as tools/pg_versions.sh
// leaves them: $UNDERSTUDY_PG_VERSIONS_DIR (else /tmp/understudy-pgversions) + "/<major>/bin".
// Throws std::runtime_error saying to run tools/pg_versions.sh when they are missing (a test
// fails, never skips: tools/setup.sh installs them).
std::string pg_version_bindir(int major);

struct PgOptions {
    std::vector<std::string> conf;       // extra postgresql.conf lines, e.g. "wal_level = logical"
    std::vector<std::string> hba;        // pg_hba.conf lines placed before the default trust lines
    std::vector<std::string> initdb_args;  // e.g. {"--wal-segsize=1"}
    std::string bindir;                  // empty: pg_bindir()
};

class PgCluster {
public:
    // initdb + start a primary (wal_level=replica, max_wal_senders, trust auth on 127.0.0.1).
    explicit PgCluster(const PgOptions& opts = {});
    // A streaming standby of `primary`, made with pg_basebackup -R; started.
    static PgCluster standby_of(const PgCluster& primary, const PgOptions& opts = {});
    // A data directory made by someone else (DIR/data, e.g. understudy's full standby directory,
    // made owned by postgres and 0700 here), configured with a free port and not started.
    static PgCluster adopt(TempDir dir, const PgOptions& opts = {});
    PgCluster(PgCluster&&) noexcept;
    PgCluster(const PgCluster&) = delete;
    PgCluster& operator=(const PgCluster&) = delete;
    ~PgCluster();

    int port() const { return port_; }
    const std::string& data_dir() const { return data_dir_; }
    std::string wal_dir() const { return data_dir_ + "/pg_wal"; }
    const std::string& base_dir() const { return dir_.path(); }
    // "host=127.0.0.1 port=N user=U dbname=D"
    std::string conninfo(const std::string& user = "postgres", const std::string& db = "postgres") const;

    // Runs SQL through libpq; returns rows of the last result as psql -At prints them
    // (fields joined by '|', rows by '\n'). Throws std::runtime_error with the server's message.
    std::string sql(const std::string& query, const std::string& db = "postgres") const;

    void start();
    void stop(const std::string& mode = "fast");
    void restart(const std::string& mode = "fast");
    void promote();
    // Moves a stopped server to another port (a `port = N` line appended to postgresql.conf);
    // port() and conninfo() give the new one, start() uses it.
    void set_port(int port);
    bool running() const { return running_; }

    // Runs a client program from the bindir (pgbench, pg_receivewal, ...) against this server:
    // host/port/user arguments are added. Returns its result. A bindir without the program (a
    // server-only one from pg_version_bindir) falls back to pg_bindir()'s.
    RunResult client(const std::string& tool, std::vector<std::string> args) const;
    // pgbench -i -s scale, then pgbench for `seconds` with `clients`.
    void pgbench_init(int scale = 1) const;
    RunResult pgbench(int seconds, int clients = 2, std::vector<std::string> extra = {}) const;

    // Server log (for failure messages).
    std::string server_log() const;

private:
    PgCluster(TempDir dir, int port, std::string bindir);
    void write_conf(const PgOptions& opts, bool standby);
    std::string ctl_log() const { return dir_.path() + "/server.log"; }

    TempDir dir_;
    int port_ = 0;
    std::string bindir_;
    std::string data_dir_;
    bool running_ = false;
};

}  // namespace understudy::testing
