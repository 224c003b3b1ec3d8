// rm_identify of Heap and Heap2 for a given WAL format (PostgreSQL 14 to 18). heap_desc and
// heap2_desc read the version from the record (DecodedRecord::format); identify has only
// xl_info, so the version is an argument here. heap_identify(xl_info) / heap2_identify(xl_info)
// of the rmgr table are PostgreSQL 15's names.
#pragma once

#include <cstdint>

#include "common/wal_format.h"

namespace understudy {

const char* heap_identify(std::uint8_t xl_info, const WalFormat& format);
const char* heap2_identify(std::uint8_t xl_info, const WalFormat& format);

}  // namespace understudy
