// ReplicationOrigin resource manager records, PostgreSQL 15 (replication/origin.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/lsn.h"
#include "wal/records/pg_types.h"

namespace understudy {

inline constexpr std::uint8_t XLOG_REPLORIGIN_SET = 0x00;
inline constexpr std::uint8_t XLOG_REPLORIGIN_DROP = 0x10;

struct xl_replorigin_set {
    XLogRecPtr remote_lsn;
    RepOriginId node_id;
    std::uint8_t force;  // bool
};
static_assert(offsetof(xl_replorigin_set, force) == 10 && sizeof(xl_replorigin_set) == 16);

struct xl_replorigin_drop {
    RepOriginId node_id;
};

}  // namespace understudy
