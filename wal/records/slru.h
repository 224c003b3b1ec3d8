// SLRU page numbers in WAL records (CLOG, CommitTs and MultiXact zero-page and truncate
// records): an int up to PostgreSQL 16, an int64 from 17 (access/slru.h, clog.h, commit_ts.h,
// multixact.h of each major). The fields that follow a page number in a record move with it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "common/bytes.h"
#include "wal/records/version_table.h"

namespace understudy {

struct SlruPageNumberVersion {
    int since_major;
    std::size_t pageno_size;  // sizeof(int) or sizeof(int64)
};
inline constexpr SlruPageNumberVersion kSlruPageNumberVersions[] = {
    {/*since_major*/ 14, /*pageno_size*/ 4},
    {17, 8},
};
static_assert(rows_ascending(kSlruPageNumberVersions));

inline std::size_t slru_pageno_size(const WalFormat& format) {
    return row_for_version(kSlruPageNumberVersions, format).pageno_size;
}

// The page number at the start of `data` as `format` stores it; nullopt when data is too short.
inline std::optional<std::int64_t> read_slru_pageno(std::span<const std::uint8_t> data,
                                                    const WalFormat& format) {
    const std::size_t size = slru_pageno_size(format);
    if (data.size() < size) return std::nullopt;
    if (size == sizeof(std::int64_t)) return load<std::int64_t>(data.data());
    return load<std::int32_t>(data.data());
}

}  // namespace understudy
