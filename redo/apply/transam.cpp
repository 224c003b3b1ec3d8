#include "redo/apply/transam.h"

#include <algorithm>
#include <cstdint>

namespace understudy::redo {

namespace {

constexpr TransactionId FirstNormalTransactionId = 3;

bool transaction_id_is_normal(TransactionId xid) { return xid >= FirstNormalTransactionId; }

// MultiXactIdPrecedes / MultiXactOffsetPrecedes (multixact.c, PG15).
bool multi_precedes(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) < 0; }

}  // namespace

bool transaction_id_follows_or_equals(TransactionId id1, TransactionId id2) {
    if (!transaction_id_is_normal(id1) || !transaction_id_is_normal(id2)) return id1 >= id2;
    return static_cast<std::int32_t>(id1 - id2) >= 0;
}

TransactionId transaction_id_latest(TransactionId mainxid, std::span<const TransactionId> xids) {
    TransactionId result = mainxid;
    for (TransactionId x : xids)
        if (!transaction_id_follows_or_equals(result, x)) result = x;
    return result;
}

void advance_next_full_xid_past(ReplayState& state, TransactionId xid) {
    const auto next_xid = static_cast<TransactionId>(state.next_full_xid & 0xFFFFFFFFu);
    if (!transaction_id_follows_or_equals(xid, next_xid)) return;
    // TransactionIdAdvance: skip the special xids after wraparound.
    TransactionId advanced = xid + 1;
    if (advanced < FirstNormalTransactionId) advanced = FirstNormalTransactionId;
    std::uint64_t epoch = state.next_full_xid >> 32;
    if (advanced < next_xid) ++epoch;
    state.next_full_xid = (epoch << 32) | advanced;
}

void multixact_advance_next(ReplayState& state, std::uint32_t min_multi, std::uint32_t min_offset) {
    if (multi_precedes(state.next_multixact, min_multi)) state.next_multixact = min_multi;
    if (multi_precedes(state.next_multixact_offset, min_offset)) state.next_multixact_offset = min_offset;
}

void replorigin_advance(ReplayState& state, RepOriginId node, XLogRecPtr remote_commit, XLogRecPtr local_commit,
                        bool go_backward) {
    if (node == InvalidRepOriginId || node == 0xFFFF /* DoNotReplicateId */) return;
    auto it = std::find_if(state.replication_origins.begin(), state.replication_origins.end(),
                           [&](const ReplicationOriginProgress& o) { return o.roident == node; });
    if (it == state.replication_origins.end()) {
        state.replication_origins.push_back({node, InvalidXLogRecPtr, InvalidXLogRecPtr});
        it = std::prev(state.replication_origins.end());
    }
    if (go_backward || it->remote_lsn < remote_commit) it->remote_lsn = remote_commit;
    if (local_commit != InvalidXLogRecPtr && (go_backward || it->local_lsn < local_commit))
        it->local_lsn = local_commit;
}

void replorigin_drop(ReplayState& state, RepOriginId node) {
    std::erase_if(state.replication_origins, [&](const ReplicationOriginProgress& o) { return o.roident == node; });
}

}  // namespace understudy::redo
