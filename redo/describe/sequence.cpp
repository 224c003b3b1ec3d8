// Describe routines (rm_desc / rm_identify), PostgreSQL 15. PLACEHOLDER: not written yet.
#include "redo/rmgr.h"

namespace understudy {

void seq_desc(std::string& /*out*/, const DecodedRecord& /*rec*/) {}
const char* seq_identify(std::uint8_t /*xl_info*/) { return nullptr; }

}  // namespace understudy
