// MultiXact resource manager records, PostgreSQL 15 (access/multixact.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "wal/records/pg_types.h"

namespace understudy {

inline constexpr std::uint8_t XLOG_MULTIXACT_ZERO_OFF_PAGE = 0x00;
inline constexpr std::uint8_t XLOG_MULTIXACT_ZERO_MEM_PAGE = 0x10;
inline constexpr std::uint8_t XLOG_MULTIXACT_CREATE_ID = 0x20;
inline constexpr std::uint8_t XLOG_MULTIXACT_TRUNCATE_ID = 0x30;

// MultiXactStatus (an enum, stored as int).
inline constexpr int MultiXactStatusForKeyShare = 0x00;
inline constexpr int MultiXactStatusForShare = 0x01;
inline constexpr int MultiXactStatusForNoKeyUpdate = 0x02;
inline constexpr int MultiXactStatusForUpdate = 0x03;
inline constexpr int MultiXactStatusNoKeyUpdate = 0x04;
inline constexpr int MultiXactStatusUpdate = 0x05;

struct MultiXactMember {
    TransactionId xid;
    int status;
};
static_assert(sizeof(MultiXactMember) == 8);

// xl_multixact_create: mid, moff, nmembers, then MultiXactMember members[nmembers].
struct xl_multixact_create {
    MultiXactId mid;
    MultiXactOffset moff;
    std::int32_t nmembers;
};
inline constexpr std::size_t SizeOfMultiXactCreate = 12;  // offsetof(xl_multixact_create, members)

struct xl_multixact_truncate {
    Oid oldestMultiDB;
    MultiXactId startTruncOff;
    MultiXactId endTruncOff;
    MultiXactOffset startTruncMemb;
    MultiXactOffset endTruncMemb;
};
inline constexpr std::size_t SizeOfMultiXactTruncate = sizeof(xl_multixact_truncate);
static_assert(SizeOfMultiXactTruncate == 20);

}  // namespace understudy
