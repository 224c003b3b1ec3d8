// Redo routines (rm_redo / rm_mask), PostgreSQL 15. PLACEHOLDER: not written yet; every
// record is reported unsupported.
#include "redo/rmgr.h"

namespace understudy {

Result<redo::RedoOutcome> seq_redo(redo::RedoContext& /*ctx*/, const DecodedRecord& /*rec*/) {
    return redo::RedoOutcome::unsupported;
}

void seq_mask(std::uint8_t* /*page*/, BlockNumber /*blkno*/) {}

}  // namespace understudy
