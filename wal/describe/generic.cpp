// Generic WAL describe routines: generic_desc and generic_identify (src/backend/access/rmgrdesc/
// genericdesc.c, PostgreSQL 15). 14, 16, 17 and 18 print the same from the same layout.
#include <fmt/format.h>

#include <iterator>

#include "wal/describe/desc_utils.h"
#include "wal/records/generic.h"
#include "wal/rmgr_desc.h"

namespace understudy {

// generic_desc (genericdesc.c, PG15): the page regions in the main data, "offset %u, length %u"
// separated by "; ".
void generic_desc(std::string& out, const DecodedRecord& rec) {
    ByteReader reader(rec.main_data);
    while (reader.remaining() > 0) {
        OffsetNumber offset = 0;
        OffsetNumber length = 0;
        if (!reader.read(offset) || !reader.read(length)) {
            append_truncated(out, rec.main_data.size());
            return;
        }
        // PostgreSQL steps over the region without checking it fits; a region running past the
        // end is the last one printed.
        const bool more = reader.remaining() > length;
        reader.skip(more ? length : reader.remaining());
        fmt::format_to(std::back_inserter(out), "offset {}, length {}", offset, length);
        if (more) out += "; ";
    }
}

// generic_identify (genericdesc.c, PG15): generic records have no subtypes.
const char* generic_identify(std::uint8_t /*xl_info*/, const WalFormat& /*format*/) { return "Generic"; }

}  // namespace understudy
