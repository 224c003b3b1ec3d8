// What the standby learns from the records its replayer applies (called on the replay thread,
// read from others): the timestamp of the last replayed commit/abort (SetLatestXTime, PG15
// xlogrecovery.c, as pg_last_xact_replay_timestamp() returns it), the oldest transaction still
// running on the primary as far as the WAL tells (a small KnownAssignedXids, PG15 procarray.c:
// xids enter when a record carries them or a RUNNING_XACTS record lists them, and leave at their
// commit/abort or when RUNNING_XACTS says everything older has finished), which is the xmin that
// hot standby feedback sends, and whether a record is a commit a remote_apply backend waits for.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_set>

#include "common/lsn.h"
#include "wal/decoded_record.h"

namespace understudy::standby {

// An xmin for hot standby feedback: the xid and its epoch (XLogWalRcvSendHSFeedback, PG15).
struct FeedbackXmin {
    std::uint32_t xmin = 0;  // 0 (InvalidTransactionId): nothing to report yet
    std::uint32_t epoch = 0;
};

class ReplayTracker {
public:
    // Called after each applied record. Returns true when the record ends a transaction (its
    // commit or abort): the receiver should reply at once (WakeupWalReceiver in xact_redo_commit,
    // PG15, for remote_apply).
    bool on_record(const DecodedRecord& rec);

    // Microseconds since 2000-01-01 UTC of the last replayed commit/abort; 0 when none yet.
    std::int64_t last_commit_time() const { return last_commit_time_.load(); }
    // The oldest running xid (GetOldestXmin on a standby, roughly); xmin 0 until the first
    // RUNNING_XACTS record has been replayed (before that the set of running xids is unknown).
    FeedbackXmin oldest_running() const;

private:
    void add_xid(TransactionId xid);
    void remove_xid(TransactionId xid);
    void on_xact(const DecodedRecord& rec, std::uint8_t op);
    void on_running_xacts(const DecodedRecord& rec);
    void on_checkpoint(const DecodedRecord& rec);

    std::atomic<std::int64_t> last_commit_time_{0};

    mutable std::mutex mu_;
    std::unordered_set<TransactionId> running_;
    bool have_snapshot_ = false;
    TransactionId next_xid_ = 0;      // one past the newest xid seen
    std::uint32_t next_xid_epoch_ = 0;  // epoch of next_xid_ (from checkpoint records)
};

}  // namespace understudy::standby
