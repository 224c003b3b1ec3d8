// Hostile protocol input: `understudy receive` against a fake walsender on 127.0.0.1
// (tests/faults/fake_walsender.h) that sends malformed and truncated CopyData, messages of the
// wrong type, WAL that leaves a gap or overlaps, a timeline history that does not parse, and WAL
// whose page header carries another system identifier. Expected every time: a clear error
// naming what is wrong, an exit status of 1 (never a crash), and nothing in the WAL directory
// that the fake did not send as well-formed WAL before the bad message. (An empty CopyData is
// not among them: libpq drops it before the receiver sees it, as it does for PostgreSQL's own
// walreceiver.)
#include <signal.h>

#include <cstring>
#include <filesystem>
#include <functional>

#include "tests/faults/fake_walsender.h"
#include "tests/support/files.h"
#include "tests/support/process.h"

#include <doctest/doctest.h>

using namespace understudy;
using namespace understudy::testing;
using namespace understudy::testing::fake;
using namespace std::chrono_literals;
namespace sfs = std::filesystem;

namespace {

constexpr std::uint32_t kSeg = 1u << 20;
constexpr XLogRecPtr kStart = 0x3000000;  // IDENTIFY_SYSTEM's xlogpos is in segment 0x30 (1 MB segments)
constexpr std::size_t kGood = 16384;      // well-formed WAL sent before the bad message

struct Outcome {
    int code = -1;
    std::string log;
};

Outcome receive_from(const FakeWalsender& fake, const std::string& wal, std::vector<std::string> extra = {"--no-loop"}) {
    std::vector<std::string> argv = {understudy_bin(), "receive", "--primary", fake.conninfo(), "--wal-dir", wal, "-v",
                                     "--timeout", "20"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const std::string log = wal + ".log";
    auto child = Child::spawn(argv, log);
    Outcome out;
    out.code = child.wait(40s);
    if (out.code == -1) child.kill9();
    out.log = read_file(log);
    return out;
}

// Every segment file in `wal` holds a prefix of what `sent` (WAL from kStart) holds, then only
// zeros: nothing that was not sent as well-formed WAL. Returns what is wrong ("" if nothing).
std::string only_sent_bytes(const std::string& wal, const std::vector<std::uint8_t>& sent) {
    std::string problems;
    if (!sfs::exists(wal)) return problems;
    for (auto& e : sfs::directory_iterator(wal)) {
        const std::string name = e.path().filename().string();
        auto parsed = parse_segment_file_name(name, kSeg);
        if (!parsed) {
            if (name.ends_with(".history")) problems += name + " was stored\n";
            continue;
        }
        const std::string bytes = read_file(e.path().string());
        const std::size_t off = static_cast<std::size_t>(segno_to_lsn(parsed->segno, kSeg) - kStart);
        std::size_t end = bytes.size();
        while (end > 0 && bytes[end - 1] == 0) --end;
        if (end == 0) continue;
        if (off + end > sent.size() || std::memcmp(bytes.data(), sent.data() + off, end) != 0)
            problems += name + ": " + std::to_string(end) + " bytes hold data that was not sent as WAL\n";
    }
    return problems;
}

std::vector<std::uint8_t> copy_of(std::initializer_list<int> bytes) {
    std::vector<std::uint8_t> v;
    for (int b : bytes) v.push_back(static_cast<std::uint8_t>(b));
    return v;
}

}  // namespace

TEST_CASE("malformed, truncated and misplaced CopyData: a clear error, exit 1, nothing written but the well-formed WAL before it") {
    const Script base;
    const auto good = synthetic_wal(kStart, kGood, base.systemid, kSeg);
    struct Case {
        const char* what;
        std::function<void(Peer&)> send_bad;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"a truncated XLogData header", [](Peer& p) { p.copy_data(copy_of({'w', 0, 0, 0, 0, 0, 3})); },
         "streaming header too small"},
        {"a truncated keepalive", [](Peer& p) { p.copy_data(copy_of({'k', 0, 0, 0, 0, 0, 0, 0})); },
         "invalid keepalive message"},
        {"a keepalive with trailing bytes",
         [](Peer& p) { p.copy_data(copy_of({'k', 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 9})); },
         "invalid keepalive message"},
        {"an unknown CopyData type", [](Peer& p) { p.copy_data(copy_of({'x', 1, 2, 3})); }, "unrecognized streaming header"},
        {"WAL that leaves a gap",
         [&](Peer& p) {
             const XLogRecPtr at = kStart + kGood + 8192;
             p.copy_data(xlog_data(at, synthetic_wal(at, 8192, base.systemid, kSeg)));
         },
         "a gap"},
        {"WAL that overlaps what was sent",
         [&](Peer& p) {
             const XLogRecPtr at = kStart + 8192;
             p.copy_data(xlog_data(at, synthetic_wal(at, 8192, base.systemid, kSeg)));
         },
         "an overlap"},
        {"a page whose header names another address",
         [&](Peer& p) {
             p.copy_data(xlog_data(kStart + kGood, synthetic_wal(kStart + kGood + 8192, 8192, base.systemid, kSeg)));
         },
         "xlp_pageaddr"},
    };
    for (const auto& c : cases) {
        const std::string what = c.what;
        CAPTURE(what);
        Script script = base;
        script.xlogpos = kStart + 0x100;
        script.stream = [&](Peer& p, XLogRecPtr start) {
            if (start != kStart) return;
            p.copy_data(xlog_data(kStart, std::vector<std::uint8_t>(good.begin(), good.begin() + kGood / 2)));
            p.copy_data(xlog_data(kStart + kGood / 2, std::vector<std::uint8_t>(good.begin() + kGood / 2, good.end())));
            c.send_bad(p);
        };
        FakeWalsender fake(script);
        TempDir dir("understudy-fault-proto");
        const std::string wal = dir.path() + "/wal";
        auto out = receive_from(fake, wal);
        CHECK_MESSAGE(out.code == 1, out.log);
        CHECK_MESSAGE(out.log.find(c.expected) != std::string::npos, out.log);
        CHECK(fake.streams_started() == 1);
        const std::string problems = only_sent_bytes(wal, good);
        CHECK_MESSAGE(problems.empty(), problems);
    }
}

TEST_CASE("protocol messages of the wrong type during the stream: libpq's error, exit 1, nothing else written") {
    const Script base;
    const auto good = synthetic_wal(kStart, kGood, base.systemid, kSeg);
    struct Case {
        const char* what;
        std::function<void(Peer&)> send_bad;
        const char* expected;  // libpq's words for it, or the server's message
    };
    const std::vector<Case> cases = {
        {"a DataRow", [](Peer& p) { p.send('D', copy_of({0, 1, 0, 0, 0, 1, 'x'})); },
         "server sent data (\"D\" message) without prior row description"},
        {"an unknown message type", [](Peer& p) { p.send('q', copy_of({1, 2, 3, 4})); },
         "unexpected response from server; first received character was \"q\""},
        {"a CopyData length past the end of what is sent, then a close",
         [](Peer& p) { p.send_raw(copy_of({'d', 0, 0x10, 0, 0, 'w', 0, 0})); }, "server closed the connection unexpectedly"},
        {"an ErrorResponse", [](Peer& p) { p.error("XX000", "fake walsender: something broke"); },
         "fake walsender: something broke"},
        // What a walsender terminated by pg_terminate_backend sends.
        {"an ErrorResponse, then a close",
         [](Peer& p) { p.error("57P01", "terminating connection due to administrator command"); },
         "terminating connection due to administrator command"},
    };
    for (const auto& c : cases) {
        const std::string what = c.what;
        CAPTURE(what);
        Script script = base;
        script.xlogpos = kStart + 0x100;
        script.stream = [&](Peer& p, XLogRecPtr start) {
            if (start != kStart) return;
            p.copy_data(xlog_data(kStart, good));
            c.send_bad(p);
            if (std::string(c.what).find("then a close") != std::string::npos) p.close_now();
        };
        FakeWalsender fake(script);
        TempDir dir("understudy-fault-proto");
        const std::string wal = dir.path() + "/wal";
        auto out = receive_from(fake, wal);
        MESSAGE(what << " -> " << out.log.substr(out.log.rfind("\n", out.log.size() - 2) + 1));
        CHECK_MESSAGE(out.code == 1, out.log);
        CHECK_MESSAGE(out.log.find(c.expected) != std::string::npos, out.log);
        // Said once, and not buried under libpq's "no COPY in progress" from replies sent
        // after the COPY was over.
        CHECK_MESSAGE(out.log.find(c.expected) == out.log.rfind(c.expected), out.log);
        CHECK_MESSAGE(out.log.find("no COPY in progress") == std::string::npos, out.log);
        const std::string problems = only_sent_bytes(wal, good);
        CHECK_MESSAGE(problems.empty(), problems);
    }
}

TEST_CASE("a timeline history that does not parse: exit 1 naming the file, nothing stored") {
    for (const char* content : {"this is not a history file\n", "1\tnot-an-lsn\treason\n", "2\t0/3000000\tno\n"}) {
        CAPTURE(content);
        Script script;
        script.timeline = 2;
        script.history_content = content;
        script.stream = [](Peer&, XLogRecPtr) {};
        FakeWalsender fake(script);
        TempDir dir("understudy-fault-proto");
        const std::string wal = dir.path() + "/wal";
        auto out = receive_from(fake, wal);
        CHECK_MESSAGE(out.code == 1, out.log);
        CHECK_MESSAGE(out.log.find("\"00000002.history\" does not parse") != std::string::npos, out.log);
        CHECK_FALSE(sfs::exists(wal + "/00000002.history"));
        CHECK(fake.streams_started() == 0);
    }
}

TEST_CASE("WAL with a forged system identifier: refused at the segment's first page, exit 1, the segment before it intact") {
    Script script;
    const std::uint64_t forged = script.systemid + 1;
    // Segment 0x30 (0/3000000) whole, as system `systemid`; segment 0x31 starts with a long header of another system.
    auto sent = synthetic_wal(kStart, kSeg, script.systemid, kSeg);
    auto next = synthetic_wal(kStart + kSeg, 16384, forged, kSeg);
    script.stream = [&](Peer& p, XLogRecPtr start) {
        if (start != kStart) return;
        for (std::size_t off = 0; off < sent.size(); off += 65536)
            p.copy_data(xlog_data(kStart + off, std::vector<std::uint8_t>(sent.begin() + static_cast<long>(off),
                                                                           sent.begin() + static_cast<long>(off + 65536))));
        p.copy_data(xlog_data(kStart + kSeg, next));
    };
    FakeWalsender fake(script);
    TempDir dir("understudy-fault-proto");
    const std::string wal = dir.path() + "/wal";
    auto out = receive_from(fake, wal);
    CHECK_MESSAGE(out.code == 1, out.log);
    CHECK_MESSAGE(out.log.find("database system " + std::to_string(forged)) != std::string::npos, out.log);
    CHECK_MESSAGE(out.log.find("segment 000000010000000000000031") != std::string::npos, out.log);
    CHECK(read_file(wal + "/000000010000000000000030") == std::string(sent.begin(), sent.end()));
    const std::string problems = only_sent_bytes(wal, sent);
    CHECK_MESSAGE(problems.empty(), problems);
    CHECK(read_file(wal + "/understudy.ident").find(std::to_string(script.systemid)) != std::string::npos);
}

TEST_CASE("without --no-loop a malformed message is followed by a reconnect from the flushed position; SIGTERM stops it cleanly") {
    Script script;
    script.xlogpos = kStart + 0x100;
    script.stream = [&](Peer& p, XLogRecPtr start) {
        if (start < kStart || start >= kStart + 4 * 8192) return;  // bounded: four rounds at most
        p.copy_data(xlog_data(start, synthetic_wal(start, 8192, script.systemid, kSeg)));
        p.copy_data(copy_of({'w', 1}));
    };
    FakeWalsender fake(script);
    TempDir dir("understudy-fault-proto");
    const std::string wal = dir.path() + "/wal";
    const std::string log = wal + ".log";
    auto child = Child::spawn({understudy_bin(), "receive", "--primary", fake.conninfo(), "--wal-dir", wal, "-v"}, log);
    CHECK_MESSAGE(wait_until([&] { return fake.streams_started() >= 3; }, 30s), read_file(log));
    CHECK(child.running());
    child.signal(SIGTERM);
    CHECK(child.wait(20s) == 0);
    const std::string text = read_file(log);
    CHECK_MESSAGE(text.find("streaming header too small") != std::string::npos, text);
    CHECK_MESSAGE(text.find("reconnecting") != std::string::npos, text);
    // Each reconnection asked for the position right after the WAL already flushed: nothing
    // fetched twice, no gap.
    std::vector<std::string> starts;
    for (const auto& q : fake.queries())
        if (q.rfind("START_REPLICATION", 0) == 0) starts.push_back(q);
    REQUIRE(starts.size() >= 3);
    CHECK(starts[0].find("PHYSICAL 0/3000000") != std::string::npos);
    CHECK(starts[1].find("PHYSICAL 0/3002000") != std::string::npos);
    CHECK(starts[2].find("PHYSICAL 0/3004000") != std::string::npos);
    const auto sent = synthetic_wal(kStart, 4 * 8192, script.systemid, kSeg);
    const std::string problems = only_sent_bytes(wal, sent);
    CHECK_MESSAGE(problems.empty(), problems);
}
