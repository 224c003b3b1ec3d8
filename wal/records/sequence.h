// Sequence resource manager records, PostgreSQL 15 (commands/sequence.h).
#pragma once

#include <cstdint>

#include "wal/records/pg_types.h"

namespace understudy {

inline constexpr std::uint8_t XLOG_SEQ_LOG = 0x00;

// xl_seq_rec: the sequence's relfilenode, then the sequence tuple.
struct xl_seq_rec {
    RelFileNode node;
};
static_assert(sizeof(xl_seq_rec) == 12);

}  // namespace understudy
