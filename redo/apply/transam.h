// Transaction-manager bookkeeping shared by the redo routines of the Transaction, MultiXact,
// Standby and ReplicationOrigin resource managers, PostgreSQL 15:
// AdvanceNextFullTransactionIdPastXid (varsup.c), TransactionIdLatest (transam.c),
// MultiXactAdvanceNextMXact (multixact.c) and replorigin_advance (replication/logical/origin.c),
// all acting on the replay state rather than on shared memory.
#pragma once

#include <span>

#include "wal/decoded_record.h"
#include "redo/replay_state.h"

namespace understudy::redo {

// TransactionIdFollowsOrEquals (transam.c, PG15): modulo-2^32 for normal xids.
bool transaction_id_follows_or_equals(TransactionId id1, TransactionId id2);

// TransactionIdLatest (transam.c, PG15): the latest of a transaction and its subtransactions.
TransactionId transaction_id_latest(TransactionId mainxid, std::span<const TransactionId> xids);

// AdvanceNextFullTransactionIdPastXid (varsup.c, PG15): next_full_xid moves past xid, the
// epoch advancing when xid wrapped around.
void advance_next_full_xid_past(ReplayState& state, TransactionId xid);

// MultiXactAdvanceNextMXact (multixact.c, PG15).
void multixact_advance_next(ReplayState& state, std::uint32_t min_multi, std::uint32_t min_offset);

// replorigin_advance(node, remote_commit, local_commit, go_backward, wal_log=false)
// (origin.c, PG15): creates the origin's slot if needed, moves remote_lsn forward (or anywhere
// with go_backward) and local_lsn forward.
void replorigin_advance(ReplayState& state, RepOriginId node, XLogRecPtr remote_commit, XLogRecPtr local_commit,
                        bool go_backward);

// replorigin_redo XLOG_REPLORIGIN_DROP (origin.c, PG15): forget the origin's progress.
void replorigin_drop(ReplayState& state, RepOriginId node);

}  // namespace understudy::redo
