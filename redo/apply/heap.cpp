// Redo routines (rm_redo / rm_mask), PostgreSQL 15. PLACEHOLDER: not written yet; every
// record is reported unsupported.
#include "redo/rmgr.h"

namespace understudy {

Result<redo::RedoOutcome> heap_redo(redo::RedoContext& /*ctx*/, const DecodedRecord& /*rec*/) {
    return redo::RedoOutcome::unsupported;
}

void heap_mask(std::uint8_t* /*page*/, BlockNumber /*blkno*/) {}

Result<redo::RedoOutcome> heap2_redo(redo::RedoContext& /*ctx*/, const DecodedRecord& /*rec*/) {
    return redo::RedoOutcome::unsupported;
}

void heap2_mask(std::uint8_t* /*page*/, BlockNumber /*blkno*/) {}

}  // namespace understudy
