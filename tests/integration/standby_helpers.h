// Shared helpers for the `understudy standby` integration tests: start it, read its status, ask
// the primary how it sees it, GET over HTTP, and a strict Prometheus text-format parser.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/raw_http.h"
#include "tests/integration/receive_helpers.h"
#include "tests/support/files.h"

namespace understudy::testing::standby {

using receive::read_status;

inline std::vector<std::string> standby_argv(const PgCluster& pg, const std::string& dir,
                                             std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {understudy_bin(), "standby", "--primary", pg.conninfo(), "--dir", dir,
                                     "--application-name", "understudy", "--status-interval", "0.2", "-v"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

// A pg_stat_replication column for our walsender ("" when NULL or no row).
inline std::string replication_field(const PgCluster& pg, const std::string& field) {
    return pg.sql("select coalesce(" + field +
                  "::text, '') from pg_stat_replication where application_name = 'understudy'");
}

inline XLogRecPtr status_lsn(const std::string& status_path, const char* field) {
    auto j = read_status(status_path);
    if (!j || !j->contains(field)) return 0;
    return parse_lsn((*j)[field].get<std::string>()).value_or(0);
}

// The replay counters of status.json summed over the rmgrs.
struct VerifyCounts {
    std::uint64_t verified = 0, mismatched = 0, records = 0;
};

inline VerifyCounts verify_counts(const nlohmann::json& status) {
    VerifyCounts c;
    for (auto& [rmgr, r] : status["rmgrs"].items()) {
        c.records += r["records"].get<std::uint64_t>();
        c.verified += r["verified"].get<std::uint64_t>();
        c.mismatched += r["mismatched"].get<std::uint64_t>();
    }
    return c;
}

// Both positions at `target` or past it, on timeline `tli` (received and replayed).
inline bool caught_up_on(const std::string& status_path, XLogRecPtr target, int tli) {
    auto st = read_status(status_path);
    return st && (*st)["timeline"] == tli && (*st)["received_timeline"] == tli &&
           status_lsn(status_path, "flushed_lsn") >= target && status_lsn(status_path, "applied_lsn") >= target;
}

// Waits for the walsender to be streaming to us; the standby's log is the failure message.
inline bool wait_streaming(const PgCluster& pg, std::chrono::milliseconds timeout = std::chrono::seconds(90)) {
    return wait_until([&] { return replication_field(pg, "state") == "streaming"; }, timeout, std::chrono::milliseconds(200));
}

// A plain HTTP/1.0 GET on 127.0.0.1; returns the body ("" on failure), the head in *head.
inline std::string http_get(int port, const std::string& path, std::string* head = nullptr) {
    const std::string resp = http::http_exchange(port, "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    auto sep = resp.find("\r\n\r\n");
    if (sep == std::string::npos) return "";
    if (head) *head = resp.substr(0, sep);
    return resp.substr(sep + 4);
}

// If the test is still running after `after`, prints the standby logs to stderr (so a hang that
// the test runner kills still leaves them in the test output); the test itself goes on.
class HangReporter {
public:
    HangReporter(std::vector<std::string> logs, std::chrono::seconds after)
        : thread_([this, logs = std::move(logs), after] {
              std::unique_lock lock(mu_);
              if (cv_.wait_for(lock, after, [this] { return done_; })) return;
              std::fprintf(stderr, "\n=== still running after %lld s; standby logs follow ===\n",
                           static_cast<long long>(after.count()));
              for (const auto& path : logs)
                  std::fprintf(stderr, "--- %s ---\n%s\n", path.c_str(), read_file(path).c_str());
          }) {}
    ~HangReporter() {
        {
            std::lock_guard lock(mu_);
            done_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    HangReporter(const HangReporter&) = delete;
    HangReporter& operator=(const HangReporter&) = delete;

private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread thread_;
};

// Prometheus text exposition format 0.0.4, parsed strictly: every family announced by
// "# HELP name text" then "# TYPE name type" before its samples, sample names belonging to the
// family (counters end in _total), label sets `{k="v",...}` with valid names and escapes, a
// float value, no series twice. Samples are returned as "name{labels}" -> value.
struct PromParse {
    bool ok = false;
    std::string error;
    std::map<std::string, double> samples;
    std::map<std::string, std::string> types;
};

inline PromParse parse_prometheus_text(const std::string& text) {
    PromParse out;
    static const std::regex name_re(R"([a-zA-Z_:][a-zA-Z0-9_:]*)");
    static const std::regex help_re(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+))");
    static const std::regex type_re(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
    static const std::regex label_re(R"(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)\")");
    std::set<std::string> helped;
    std::string family;  // current family (after its TYPE line)
    std::istringstream in(text);
    int lineno = 0;
    auto fail = [&](const std::string& why, const std::string& line) {
        out.error = "line " + std::to_string(lineno) + ": " + why + ": " + line;
        return out;
    };
    for (std::string line; std::getline(in, line);) {
        ++lineno;
        std::smatch m;
        if (line.empty()) continue;
        if (line.rfind("# HELP ", 0) == 0) {
            if (!std::regex_match(line, m, help_re)) return fail("bad HELP", line);
            if (!helped.insert(m[1]).second) return fail("second HELP for a family", line);
            continue;
        }
        if (line.rfind("# TYPE ", 0) == 0) {
            if (!std::regex_match(line, m, type_re)) return fail("bad TYPE", line);
            if (!helped.contains(m[1])) return fail("TYPE before HELP", line);
            if (out.types.contains(m[1])) return fail("second TYPE for a family", line);
            family = m[1];
            out.types[family] = m[2];
            continue;
        }
        if (line[0] == '#') continue;  // other comments are allowed
        // name[{labels}] value
        std::size_t name_end = line.find_first_of("{ ");
        if (name_end == std::string::npos) return fail("no value", line);
        const std::string name = line.substr(0, name_end);
        if (!std::regex_match(name, name_re)) return fail("bad metric name", line);
        if (name != family) return fail("sample outside its family's HELP/TYPE block", line);
        if (out.types[family] == "counter" && !name.ends_with("_total")) return fail("counter without _total", line);
        std::size_t pos = name_end;
        std::string labels;
        if (line[pos] == '{') {
            std::size_t close = line.find("} ", pos);
            if (close == std::string::npos) return fail("unterminated labels", line);
            labels = line.substr(pos + 1, close - pos - 1);
            std::set<std::string> seen;
            std::size_t at = 0;
            while (at < labels.size()) {
                std::smatch lm;
                std::string rest = labels.substr(at);
                if (!std::regex_search(rest, lm, label_re, std::regex_constants::match_continuous))
                    return fail("bad label", line);
                if (!seen.insert(lm[1]).second) return fail("label twice", line);
                at += static_cast<std::size_t>(lm.length(0));
                if (at < labels.size()) {
                    if (labels[at] != ',') return fail("labels not comma-separated", line);
                    ++at;
                }
            }
            pos = close + 1;
        }
        if (line[pos] != ' ') return fail("no space before value", line);
        const std::string value = line.substr(pos + 1);
        double v = 0;
        if (value == "+Inf") v = INFINITY;
        else if (value == "-Inf") v = -INFINITY;
        else if (value == "NaN") v = NAN;
        else {
            std::size_t used = 0;
            try {
                v = std::stod(value, &used);
            } catch (...) {
                return fail("value is not a number", line);
            }
            if (used != value.size()) return fail("trailing text after the value", line);
        }
        const std::string key = labels.empty() ? name : name + "{" + labels + "}";
        if (out.samples.contains(key)) return fail("series twice", line);
        out.samples[key] = v;
    }
    out.ok = !out.samples.empty();
    if (!out.ok) out.error = "no samples";
    return out;
}

}  // namespace understudy::testing::standby
