// Redo routines (rm_redo / rm_mask), PostgreSQL 15. PLACEHOLDER: not written yet; every
// record is reported unsupported.
#include "redo/rmgr.h"

namespace understudy {

Result<redo::RedoOutcome> smgr_redo(redo::RedoContext& /*ctx*/, const DecodedRecord& /*rec*/) {
    return redo::RedoOutcome::unsupported;
}

}  // namespace understudy
