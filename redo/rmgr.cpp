#include "redo/rmgr.h"

#include <array>

namespace understudy {

namespace {

constexpr std::array<RmgrInfo, RM_MAX_BUILTIN_ID + 1> kRmgrs = {{
#define UNDERSTUDY_MASK_FN_masked(prefix) prefix##_mask
#define UNDERSTUDY_MASK_FN_unmasked(prefix) nullptr
#define UNDERSTUDY_KNOWN_FN_known_diffs(prefix) prefix##_known_difference
#define UNDERSTUDY_KNOWN_FN_no_known_diffs(prefix) nullptr
#define UNDERSTUDY_RMGR_ENTRY(id, sym, name, prefix, mask, known)                        \
    {id, name, prefix##_desc, prefix##_identify, prefix##_redo, UNDERSTUDY_MASK_FN_##mask(prefix), \
     UNDERSTUDY_KNOWN_FN_##known(prefix)},
    UNDERSTUDY_RMGR_LIST(UNDERSTUDY_RMGR_ENTRY)
#undef UNDERSTUDY_RMGR_ENTRY
}};

// The table's order is the id order: each entry's id must equal its index.
constexpr bool ids_are_dense() {
    for (std::size_t i = 0; i < kRmgrs.size(); ++i)
        if (kRmgrs[i].id != i) return false;
    return true;
}
static_assert(ids_are_dense(), "rmgr_list.h must list ids 0..N in order");
static_assert(RM_HEAP_ID == 10 && RM_BTREE_ID == 11 && RM_LOGICALMSG_ID == 21,
              "rmgr ids must match PostgreSQL 15's rmgrlist.h");

}  // namespace

const RmgrInfo* find_rmgr(std::uint8_t id) {
    return id < kRmgrs.size() ? &kRmgrs[id] : nullptr;
}

const RmgrInfo* find_rmgr_by_name(const std::string& name) {
    for (auto& r : kRmgrs)
        if (name == r.name) return &r;
    return nullptr;
}


}  // namespace understudy
