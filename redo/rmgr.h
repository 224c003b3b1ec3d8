// Resource manager table, expanded from redo/rmgr_list.h.
#pragma once

#include <cstdint>
#include <string>

#include "redo/decoded_record.h"
#include "redo/rmgr_list.h"

namespace understudy {

enum RmgrId : std::uint8_t {
#define UNDERSTUDY_RMGR_ENUM(id, sym, name, prefix) sym = id,
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

#define UNDERSTUDY_RMGR_DECLARE(id, sym, name, prefix)                   \
    void prefix##_desc(std::string& out, const DecodedRecord& rec); \
    const char* prefix##_identify(std::uint8_t xl_info);
UNDERSTUDY_RMGR_LIST(UNDERSTUDY_RMGR_DECLARE)
#undef UNDERSTUDY_RMGR_DECLARE

struct RmgrInfo {
    std::uint8_t id;
    const char* name;
    DescribeFn describe;
    IdentifyFn identify;
};

// The entry for a built-in rmgr id, or nullptr for an id PostgreSQL 15 does not define.
const RmgrInfo* find_rmgr(std::uint8_t id);
// Finds by name as pg_waldump spells it ("Heap2"), case-sensitive.
const RmgrInfo* find_rmgr_by_name(const std::string& name);

}  // namespace understudy
