#include "standby/replay_tracker.h"

#include "common/bytes.h"
#include "wal/describe/desc_utils.h"
#include "wal/records/standby.h"
#include "wal/records/xact.h"
#include "wal/records/xlog.h"
#include "wal/rmgr_desc.h"
#include "wal/records/pg_types.h"

namespace understudy::standby {

namespace {

constexpr TransactionId kFirstNormalTransactionId = 3;

bool is_normal(TransactionId xid) { return xid >= kFirstNormalTransactionId; }

}  // namespace

void ReplayTracker::add_xid(TransactionId xid) {
    if (!is_normal(xid)) return;
    running_.insert(xid);
    // TransactionIdAdvance (PG15 transam.h): the next xid after `xid`, skipping the special ones.
    TransactionId next = xid + 1;
    if (next < kFirstNormalTransactionId) next = kFirstNormalTransactionId;
    if (next_xid_ == 0 || transaction_id_precedes(next_xid_, next)) {
        if (next_xid_ != 0 && next < next_xid_) ++next_xid_epoch_;  // wrapped around
        next_xid_ = next;
    }
}

void ReplayTracker::remove_xid(TransactionId xid) { running_.erase(xid); }

// xact_redo (PG15 xact.c): a commit or abort ends its xid and its subtransactions'; for the
// _PREPARED forms the xid is the prepared transaction's (parsed.twophase_xid).
void ReplayTracker::on_xact(const DecodedRecord& rec, std::uint8_t op) {
    const bool commit = op == XLOG_XACT_COMMIT || op == XLOG_XACT_COMMIT_PREPARED;
    const ParsedXactRecord parsed =
        commit ? ParseCommitRecord(rec.xl_info, rec.main_data) : ParseAbortRecord(rec.xl_info, rec.main_data);
    // SetLatestXTime (getRecordTimestamp: xact_time of a commit or abort record).
    if (rec.main_data.size() >= sizeof(TimestampTz)) last_commit_time_.store(parsed.xact_time);
    const bool prepared = op == XLOG_XACT_COMMIT_PREPARED || op == XLOG_XACT_ABORT_PREPARED;
    std::lock_guard lock(mu_);
    remove_xid(prepared ? parsed.twophase_xid : rec.xl_xid);
    for (std::size_t i = 0; i < parsed.subxacts.size(); ++i) remove_xid(parsed.subxacts[i]);
}

// ProcArrayApplyRecoveryInfo (PG15 procarray.c): every xid older than oldestRunningXid has
// finished (ExpireOldKnownAssignedTransactionIds); the listed xids (and subxids) are running.
void ReplayTracker::on_running_xacts(const DecodedRecord& rec) {
    if (rec.main_data.size() < MinSizeOfXactRunningXacts) return;
    const auto* d = rec.main_data.data();
    const auto xcnt = load<std::int32_t>(d + offsetof(xl_running_xacts, xcnt));
    const auto subxcnt = load<std::int32_t>(d + offsetof(xl_running_xacts, subxcnt));
    const auto next_xid = load<TransactionId>(d + offsetof(xl_running_xacts, nextXid));
    const auto oldest = load<TransactionId>(d + offsetof(xl_running_xacts, oldestRunningXid));
    std::lock_guard lock(mu_);
    std::erase_if(running_, [oldest](TransactionId x) { return transaction_id_precedes(x, oldest); });
    const std::size_t n = static_cast<std::size_t>(std::max(0, xcnt) + std::max(0, subxcnt));
    for (std::size_t i = 0; i < n && MinSizeOfXactRunningXacts + (i + 1) * 4 <= rec.main_data.size(); ++i)
        add_xid(load<TransactionId>(d + MinSizeOfXactRunningXacts + i * 4));
    if (is_normal(next_xid) && (next_xid_ == 0 || transaction_id_precedes(next_xid_, next_xid))) {
        if (next_xid_ != 0 && next_xid < next_xid_) ++next_xid_epoch_;
        next_xid_ = next_xid;
    }
    have_snapshot_ = true;
}

// A checkpoint record carries the full nextXid: its epoch.
void ReplayTracker::on_checkpoint(const DecodedRecord& rec) {
    if (rec.main_data.size() < sizeof(CheckPoint)) return;
    const auto full = load<std::uint64_t>(rec.main_data.data() + offsetof(CheckPoint, nextXid));
    std::lock_guard lock(mu_);
    const auto xid = static_cast<TransactionId>(full);
    if (next_xid_ == 0 || !transaction_id_precedes(xid, next_xid_)) {
        next_xid_ = xid;
        next_xid_epoch_ = static_cast<std::uint32_t>(full >> 32);
    }
}

bool ReplayTracker::on_record(const DecodedRecord& rec) {
    if (is_normal(rec.xl_xid)) {
        std::lock_guard lock(mu_);
        add_xid(rec.xl_xid);
    }
    switch (rec.xl_rmid) {
        case RM_XACT_ID: {
            const std::uint8_t op = rec.xl_info & XLOG_XACT_OPMASK;
            if (op == XLOG_XACT_COMMIT || op == XLOG_XACT_COMMIT_PREPARED || op == XLOG_XACT_ABORT ||
                op == XLOG_XACT_ABORT_PREPARED) {
                on_xact(rec, op);
                return true;
            }
            return false;
        }
        case RM_STANDBY_ID:
            if (rec.info() == XLOG_RUNNING_XACTS) on_running_xacts(rec);
            return false;
        case RM_XLOG_ID:
            if (rec.info() == XLOG_CHECKPOINT_ONLINE || rec.info() == XLOG_CHECKPOINT_SHUTDOWN) on_checkpoint(rec);
            return false;
        default: return false;
    }
}

// GetOldestXmin on a hot standby (PG15 procarray.c, KnownAssignedXids' oldest), with the epoch
// as XLogWalRcvSendHSFeedback computes it (one less when the xmin is "after" nextXid).
FeedbackXmin ReplayTracker::oldest_running() const {
    std::lock_guard lock(mu_);
    if (!have_snapshot_) return {};
    TransactionId oldest = next_xid_;
    for (TransactionId x : running_)
        if (transaction_id_precedes(x, oldest)) oldest = x;
    FeedbackXmin out{oldest, next_xid_epoch_};
    if (oldest > next_xid_) --out.epoch;
    return out;
}

}  // namespace understudy::standby
