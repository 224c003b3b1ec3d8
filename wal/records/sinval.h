// Shared invalidation messages as stored in commit, prepare and standby invalidation records,
// PostgreSQL 15 (storage/sinval.h): a 16-byte union whose first byte, id, says which kind.
#pragma once

#include <cstddef>
#include <cstdint>

#include "wal/records/pg_types.h"

namespace understudy {

// id >= 0: a catcache message (the id is the cache id).
inline constexpr std::int8_t SHAREDINVALCATALOG_ID = -1;
inline constexpr std::int8_t SHAREDINVALRELCACHE_ID = -2;
inline constexpr std::int8_t SHAREDINVALSMGR_ID = -3;
inline constexpr std::int8_t SHAREDINVALRELMAP_ID = -4;
inline constexpr std::int8_t SHAREDINVALSNAPSHOT_ID = -5;

struct SharedInvalCatcacheMsg {
    std::int8_t id;
    Oid dbId;
    std::uint32_t hashValue;
};
struct SharedInvalCatalogMsg {
    std::int8_t id;
    Oid dbId;
    Oid catId;
};
struct SharedInvalRelcacheMsg {
    std::int8_t id;
    Oid dbId;
    Oid relId;
};
struct SharedInvalSmgrMsg {
    std::int8_t id;
    std::int8_t backend_hi;
    std::uint16_t backend_lo;
    RelFileNode rnode;
};
struct SharedInvalRelmapMsg {
    std::int8_t id;
    Oid dbId;
};
struct SharedInvalSnapshotMsg {
    std::int8_t id;
    Oid dbId;
    Oid relId;
};

union SharedInvalidationMessage {
    // RelFileNode's members have initializers, which would delete the implicit constructor.
    SharedInvalidationMessage() : id(0) {}

    std::int8_t id;
    SharedInvalCatcacheMsg cc;
    SharedInvalCatalogMsg cat;
    SharedInvalRelcacheMsg rc;
    SharedInvalSmgrMsg sm;
    SharedInvalRelmapMsg rm;
    SharedInvalSnapshotMsg sn;
};
static_assert(sizeof(SharedInvalidationMessage) == 16);
static_assert(offsetof(SharedInvalCatalogMsg, catId) == 8 &&
              offsetof(SharedInvalSmgrMsg, rnode) == 4);

}  // namespace understudy
