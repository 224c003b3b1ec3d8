// Per-version tables for record layouts and describe texts. Where a major version changed a
// record (a new field, a wider one, a new record type, different text), the rmgr's records header
// keeps one row per version that changed it, each row naming the first major version it applies
// to (`since_major`), in ascending order; a record read with a WalFormat uses the last row at or
// below its major version. Code reads the row's fields as data instead of testing versions.
#pragma once

#include <cstddef>

#include "common/wal_format.h"

namespace understudy {

template <typename Row, std::size_t N>
constexpr const Row& row_for_version(const Row (&rows)[N], int major_version) {
    static_assert(N > 0);
    std::size_t found = 0;
    for (std::size_t i = 0; i < N; ++i)
        if (rows[i].since_major <= major_version) found = i;
    return rows[found];
}

template <typename Row, std::size_t N>
constexpr const Row& row_for_version(const Row (&rows)[N], const WalFormat& format) {
    return row_for_version(rows, format.major_version);
}

// The rows are in ascending since_major order (checked with static_assert beside each table).
template <typename Row, std::size_t N>
constexpr bool rows_ascending(const Row (&rows)[N]) {
    for (std::size_t i = 1; i < N; ++i)
        if (rows[i - 1].since_major >= rows[i].since_major) return false;
    return true;
}

}  // namespace understudy
