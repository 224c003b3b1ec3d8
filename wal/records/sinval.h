// Shared invalidation messages as stored in commit, prepare and standby invalidation records,
// PostgreSQL 15 (storage/sinval.h): a 16-byte union whose first byte, id, says which kind; 18
// adds SHAREDINVALRELSYNC_ID (SinvalVersion).
#pragma once

#include <cstddef>
#include <cstdint>

#include "wal/records/pg_types.h"
#include "wal/records/version_table.h"

namespace understudy {

// id >= 0: a catcache message (the id is the cache id).
inline constexpr std::int8_t SHAREDINVALCATALOG_ID = -1;
inline constexpr std::int8_t SHAREDINVALRELCACHE_ID = -2;
inline constexpr std::int8_t SHAREDINVALSMGR_ID = -3;
inline constexpr std::int8_t SHAREDINVALRELMAP_ID = -4;
inline constexpr std::int8_t SHAREDINVALSNAPSHOT_ID = -5;
// 18+: a publication's relation sync invalidation (SharedInvalRelSyncMsg).
inline constexpr std::int8_t SHAREDINVALRELSYNC_ID = -6;

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

struct SharedInvalRelSyncMsg {
    std::int8_t id;
    Oid dbId;
    Oid relid;
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
    SharedInvalRelSyncMsg rs;
};
static_assert(sizeof(SharedInvalidationMessage) == 16);

// The message kinds a version has beyond 15's.
struct SinvalVersion {
    int since_major;
    bool relsync;  // SHAREDINVALRELSYNC_ID, described " relsync <relid>" (18+)
};
inline constexpr SinvalVersion kSinvalVersions[] = {
    {/*since_major*/ 14, /*relsync*/ false},
    {18, true},
};
static_assert(rows_ascending(kSinvalVersions));
static_assert(offsetof(SharedInvalCatalogMsg, catId) == 8 &&
              offsetof(SharedInvalRelSyncMsg, relid) == 8 &&
              offsetof(SharedInvalSmgrMsg, rnode) == 4);

}  // namespace understudy
