// The commit timestamp module's switch during replay, for the XLOG rmgr's PARAMETER_CHANGE.
#pragma once

#include "common/result.h"
#include "redo/redo_context.h"

namespace understudy::redo {

// CommitTsParameterChange(newvalue, oldvalue) (commit_ts.c, PG15): turning the module on
// activates it (ActivateCommitTs: the page of nextXid is zeroed and written if its segment
// does not hold it yet); turning it off while active deactivates it (DeactivateCommitTs:
// every pg_commit_ts segment is removed).
Result<void> commit_ts_parameter_change(RedoContext& ctx, bool newvalue);

}  // namespace understudy::redo
