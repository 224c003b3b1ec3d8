// Describe routines (rm_desc / rm_identify), PostgreSQL 15. PLACEHOLDER: not written yet.
#include "redo/rmgr.h"

namespace understudy {

void commit_ts_desc(std::string& /*out*/, const DecodedRecord& /*rec*/) {}
const char* commit_ts_identify(std::uint8_t /*xl_info*/) { return nullptr; }

}  // namespace understudy
