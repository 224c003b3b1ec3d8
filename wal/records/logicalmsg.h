// LogicalMessage resource manager records, PostgreSQL 15 (replication/message.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "wal/records/pg_types.h"

namespace understudy {

inline constexpr std::uint8_t XLOG_LOGICAL_MESSAGE = 0x00;

// xl_logical_message: the fixed part, then the NUL-terminated prefix (prefix_size bytes with
// the NUL) and message_size bytes of payload.
struct xl_logical_message {
    Oid dbId;
    std::uint8_t transactional;  // bool
    Size prefix_size;
    Size message_size;
};
inline constexpr std::size_t SizeOfLogicalMessage = 24;  // offsetof(xl_logical_message, message)
static_assert(offsetof(xl_logical_message, prefix_size) == 8 &&
              sizeof(xl_logical_message) == SizeOfLogicalMessage);

}  // namespace understudy
