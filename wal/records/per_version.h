// Per-version tables of record layouts and description texts. Where a PostgreSQL major version
// changed a record's layout or its rm_desc text, the rmgr keeps a table of entries, each one
// valid from its `since_major` up to the next entry's; the entry for a record is picked once,
// from the major version of the WAL it was read from (DecodedRecord::format->major_version).
#pragma once

#include <cstddef>

namespace understudy {

// The entry of `table` (sorted by since_major, ascending) that applies to `major_version`: the
// last one whose since_major is not above it. Versions older than the first entry get the first
// entry (the reader refuses WAL of versions it has no WalFormat for before any record is read).
template <typename Entry, std::size_t N>
constexpr const Entry& for_major_version(const Entry (&table)[N], int major_version) {
    const Entry* found = &table[0];
    for (const Entry& e : table) {
        if (e.since_major <= major_version) found = &e;
    }
    return *found;
}

}  // namespace understudy
