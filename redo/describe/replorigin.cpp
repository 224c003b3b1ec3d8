// Describe routines (rm_desc / rm_identify), PostgreSQL 15. PLACEHOLDER: not written yet.
#include "redo/rmgr.h"

namespace understudy {

void replorigin_desc(std::string& /*out*/, const DecodedRecord& /*rec*/) {}
const char* replorigin_identify(std::uint8_t /*xl_info*/) { return nullptr; }

}  // namespace understudy
