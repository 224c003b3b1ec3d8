// Redo routine of the ReplicationOrigin resource manager: replorigin_redo
// (src/backend/replication/logical/origin.c, PostgreSQL 15). The progress of each origin
// (replication_states[] in PostgreSQL, saved in pg_logical/replorigin_checkpoint at
// checkpoints) is kept in the replay state, which the engine writes durably at restartpoints.
#include <fmt/format.h>

#include "redo/apply/record_data.h"
#include "redo/apply/transam.h"
#include "wal/records/pg_types.h"
#include "wal/records/replorigin.h"
#include "redo/replay_state.h"
#include "redo/rmgr.h"

namespace understudy {

namespace {

}  // namespace

// replorigin_redo (origin.c, PG15).
Result<redo::RedoOutcome> replorigin_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    switch (rec.info()) {
        case XLOG_REPLORIGIN_SET: {
            auto xlrec = read_record_struct<xl_replorigin_set>(rec.main_data, sizeof(xl_replorigin_set));
            if (!xlrec) return redo::record_error(rec, "main data shorter than xl_replorigin_set");
            redo::replorigin_advance(ctx.state(), xlrec->node_id, xlrec->remote_lsn, rec.end_lsn,
                                     /*go_backward=*/xlrec->force != 0);
            return redo::RedoOutcome::applied;
        }
        case XLOG_REPLORIGIN_DROP: {
            auto xlrec = read_record_struct<xl_replorigin_drop>(rec.main_data, sizeof(xl_replorigin_drop));
            if (!xlrec) return redo::record_error(rec, "main data shorter than xl_replorigin_drop");
            redo::replorigin_drop(ctx.state(), xlrec->node_id);
            return redo::RedoOutcome::applied;
        }
        default:
            return redo::record_error(rec, fmt::format("unknown op code {}", rec.info()));
    }
}

}  // namespace understudy
