#include "wal/rmgr_desc.h"

#include <array>

namespace understudy {

namespace {

constexpr std::array<RmgrDesc, RM_MAX_BUILTIN_ID + 1> kRmgrDescs = {{
#define UNDERSTUDY_RMGR_DESC_ENTRY(id, sym, name, prefix, mask, known) \
    {id, name, prefix##_desc, prefix##_identify},
    UNDERSTUDY_RMGR_LIST(UNDERSTUDY_RMGR_DESC_ENTRY)
#undef UNDERSTUDY_RMGR_DESC_ENTRY
}};

// The table's order is the id order: each entry's id must equal its index.
constexpr bool ids_are_dense() {
    for (std::size_t i = 0; i < kRmgrDescs.size(); ++i)
        if (kRmgrDescs[i].id != i) return false;
    return true;
}
static_assert(ids_are_dense(), "rmgr_list.h must list ids 0..N in order");
static_assert(RM_HEAP_ID == 10 && RM_BTREE_ID == 11 && RM_LOGICALMSG_ID == 21,
              "rmgr ids must match PostgreSQL's rmgrlist.h (the same for 14 to 18)");

}  // namespace

const RmgrDesc* find_rmgr_desc(std::uint8_t id) {
    return id < kRmgrDescs.size() ? &kRmgrDescs[id] : nullptr;
}

const RmgrDesc* find_rmgr_desc_by_name(const std::string& name) {
    for (auto& r : kRmgrDescs)
        if (name == r.name) return &r;
    return nullptr;
}

const char* fork_name(std::uint8_t forknum) {
    switch (forknum) {
        case MAIN_FORKNUM: return "main";
        case FSM_FORKNUM: return "fsm";
        case VISIBILITYMAP_FORKNUM: return "vm";
        case INIT_FORKNUM: return "init";
        default: return "?";
    }
}

}  // namespace understudy
