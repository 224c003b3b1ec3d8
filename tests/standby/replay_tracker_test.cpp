// ReplayTracker: the last commit/abort time (pg_last_xact_replay_timestamp) and the oldest
// running xid for hot standby feedback, from records laid out as PostgreSQL 15 writes them
// (xl_xact_commit: xact_time; xl_running_xacts: xcnt, subxcnt, overflow, nextXid,
// oldestRunningXid, latestCompletedXid, xids[]).
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "wal/records/standby.h"
#include "wal/records/xact.h"
#include "redo/rmgr.h"
#include "standby/replay_tracker.h"

using namespace understudy;
using understudy::standby::ReplayTracker;

namespace {

template <typename T>
void put(std::vector<std::uint8_t>& b, T v) {
    std::uint8_t raw[sizeof(T)];
    std::memcpy(raw, &v, sizeof(T));
    b.insert(b.end(), raw, raw + sizeof(T));
}

DecodedRecord record(std::uint8_t rmid, std::uint8_t info, TransactionId xid, const std::vector<std::uint8_t>& data) {
    DecodedRecord r;
    r.xl_rmid = rmid;
    r.xl_info = info;
    r.xl_xid = xid;
    r.main_data = data;
    r.main_data_len = static_cast<std::uint32_t>(data.size());
    return r;
}

std::vector<std::uint8_t> running_xacts(std::vector<TransactionId> xids, TransactionId next, TransactionId oldest) {
    std::vector<std::uint8_t> b;
    put<std::int32_t>(b, static_cast<std::int32_t>(xids.size()));
    put<std::int32_t>(b, 0);
    put<std::uint32_t>(b, 0);  // subxid_overflow + padding
    put<TransactionId>(b, next);
    put<TransactionId>(b, oldest);
    put<TransactionId>(b, next - 1);
    for (auto x : xids) put<TransactionId>(b, x);
    return b;
}

}  // namespace

TEST_CASE("replay tracker: no xmin before a RUNNING_XACTS record, then the oldest running xid") {
    ReplayTracker t;
    std::vector<std::uint8_t> none;
    CHECK_FALSE(t.on_record(record(RM_HEAP_ID, 0, 700, none)));
    CHECK(t.oldest_running().xmin == 0);
    auto rx = running_xacts({700, 705}, 710, 700);
    t.on_record(record(RM_STANDBY_ID, XLOG_RUNNING_XACTS, 0, rx));
    CHECK(t.oldest_running().xmin == 700);
    std::vector<std::uint8_t> commit;
    put<std::int64_t>(commit, 123456789);
    CHECK(t.on_record(record(RM_XACT_ID, XLOG_XACT_COMMIT, 700, commit)));
    CHECK(t.oldest_running().xmin == 705);
    CHECK(t.last_commit_time() == 123456789);
    std::vector<std::uint8_t> abort_rec;
    put<std::int64_t>(abort_rec, 223456789);
    CHECK(t.on_record(record(RM_XACT_ID, XLOG_XACT_ABORT, 705, abort_rec)));
    CHECK(t.oldest_running().xmin == 710);  // nothing running: nextXid
    CHECK(t.last_commit_time() == 223456789);
}

TEST_CASE("replay tracker: RUNNING_XACTS expires xids older than oldestRunningXid") {
    ReplayTracker t;
    std::vector<std::uint8_t> none;
    t.on_record(record(RM_HEAP_ID, 0, 800, none));  // its commit is never seen
    t.on_record(record(RM_STANDBY_ID, XLOG_RUNNING_XACTS, 0, running_xacts({}, 900, 900)));
    CHECK(t.oldest_running().xmin == 900);
    t.on_record(record(RM_HEAP_ID, 0, 901, none));
    CHECK(t.oldest_running().xmin == 901);
}
