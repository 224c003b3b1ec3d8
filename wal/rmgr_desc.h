// The describe-only resource manager table, expanded from wal/rmgr_list.h: what
// `understudy waldump` needs of each rmgr (its name, rm_desc and rm_identify), with no redo
// code linked. PostgreSQL expands rmgrlist.h a second time in src/bin/pg_waldump/rmgrdesc.c for
// the same reason. The redo table (redo/rmgr.h) is expanded from the same list.
#pragma once

#include <cstdint>
#include <string>

#include "wal/decoded_record.h"
#include "wal/rmgr_list.h"

namespace understudy {

enum RmgrId : std::uint8_t {
#define UNDERSTUDY_RMGR_ENUM(id, sym, name, prefix, mask, known) sym = id,
    UNDERSTUDY_RMGR_LIST(UNDERSTUDY_RMGR_ENUM)
#undef UNDERSTUDY_RMGR_ENUM
};
inline constexpr int RM_MAX_BUILTIN_ID = RM_LOGICALMSG_ID;
inline constexpr int RM_MAX_ID = 255;
inline constexpr int RM_MIN_CUSTOM_ID = 128;

// Appends the rmgr-specific description of a record (PostgreSQL's rm_desc) to `out`.
using DescribeFn = void (*)(std::string& out, const DecodedRecord& rec);
// Names a record type from xl_info (PostgreSQL's rm_identify); nullptr when unknown.
using IdentifyFn = const char* (*)(std::uint8_t xl_info);

#define UNDERSTUDY_RMGR_DESC_DECLARE(id, sym, name, prefix, mask, known) \
    void prefix##_desc(std::string& out, const DecodedRecord& rec);      \
    const char* prefix##_identify(std::uint8_t xl_info);
UNDERSTUDY_RMGR_LIST(UNDERSTUDY_RMGR_DESC_DECLARE)
#undef UNDERSTUDY_RMGR_DESC_DECLARE

struct RmgrDesc {
    std::uint8_t id;
    const char* name;  // as pg_waldump prints it ("Heap2")
    DescribeFn describe;
    IdentifyFn identify;
};

// The entry for a built-in rmgr id, or nullptr for an id PostgreSQL does not define.
const RmgrDesc* find_rmgr_desc(std::uint8_t id);
// Finds by name as pg_waldump spells it ("Heap2"), case-sensitive.
const RmgrDesc* find_rmgr_desc_by_name(const std::string& name);

}  // namespace understudy
