// Redo routine of the LogicalMessage resource manager: logicalmsg_redo
// (src/backend/replication/logical/message.c, PostgreSQL 15). A logical decoding message
// changes nothing in the data directory; PostgreSQL's redo only checks the op code.
#include <fmt/format.h>

#include "redo/apply/record_data.h"
#include "wal/records/logicalmsg.h"
#include "redo/rmgr.h"

namespace understudy {

// logicalmsg_redo (message.c, PG15).
Result<redo::RedoOutcome> logicalmsg_redo(redo::RedoContext& /*ctx*/, const DecodedRecord& rec) {
    if (rec.info() != XLOG_LOGICAL_MESSAGE)
        return redo::record_error(rec, fmt::format("unknown op code {:#x}", rec.info()));
    return redo::RedoOutcome::applied;
}

}  // namespace understudy
