// Helpers shared by the describe routines (rm_desc) of every rmgr: the text PostgreSQL's own
// helpers produce (relpath.c's GetRelationPath, pg_waldump's timestamptz_to_str, LSN_FORMAT_ARGS,
// standby_desc_invalidations) and bounds-checked reading of record structs and arrays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/bytes.h"
#include "common/lsn.h"
#include "redo/decoded_record.h"
#include "redo/records/pg_types.h"
#include "redo/records/sinval.h"
#include "redo/records/version_table.h"
#include "redo/records/xact.h"
#include "redo/storage/relpath.h"

namespace understudy {

// relpathperm(rnode, forknum) (src/include/common/relpath.h, PG15): GetRelationPath of a
// permanent relation, "global/1262", "base/5/16384_fsm", "pg_tblspc/16390/PG_15_202209061/5/16391"
// (redo/storage/relpath.h).
inline std::string relpathperm(const RelFileNode& rnode, std::uint8_t forknum) {
    return storage::relation_path(rnode, static_cast<ForkNumber>(forknum));
}

// TABLESPACE_VERSION_DIRECTORY of each major version: "PG_" PG_MAJORVERSION "_"
// CATALOG_VERSION_NO (common/relpath.h, catalog/catversion.h; fixed within a major).
struct TablespaceDirectoryVersion {
    int since_major;
    const char* tablespace_version_directory;
};
inline constexpr TablespaceDirectoryVersion kTablespaceDirectoryVersions[] = {
    {14, "PG_14_202107181"}, {15, "PG_15_202209061"}, {16, "PG_16_202307071"},
    {17, "PG_17_202406281"}, {18, "PG_18_202506291"},
};
static_assert(rows_ascending(kTablespaceDirectoryVersions));

// relpathperm as `format`'s version prints it: a relation in a user tablespace is under that
// version's TABLESPACE_VERSION_DIRECTORY.
std::string relpathperm(const RelFileNode& rnode, std::uint8_t forknum, const WalFormat& format);

// timestamptz_to_str as pg_waldump has it (src/bin/pg_waldump/compat.c, PG15): the local time
// zone of the process (TZ, else /etc/localtime), "2026-11-21 21:07:59.123456 UTC".
std::string timestamptz_to_str(TimestampTz dt);

// "%X/%X" of LSN_FORMAT_ARGS.
void append_lsn(std::string& out, XLogRecPtr lsn);

// Appended where a record is shorter than its layout needs. PostgreSQL would read past the end
// of the record; we stop and say so. (Never printed for a well-formed record.)
void append_truncated(std::string& out, std::size_t have, std::size_t need);
// The same, when the parts announced do not fit and the total needed is not known.
void append_truncated(std::string& out, std::size_t have);
// The Heap and Btree describe routines' note for the same: "(short record: N bytes of <what>,
// expected M)"; append_short_main_data has `what` "main data" (fixed_part's note for them).
void append_short_record(std::string& out, std::size_t have, std::size_t need, std::string_view what);
void append_short_main_data(std::string& out, std::size_t have, std::size_t need);

// Copies a record struct out of WAL bytes, as PostgreSQL's memcpy(&xlrec, rec, sizeof(xlrec)):
// read_record_struct (redo/records/pg_types.h) into a local. `need` is how many bytes the
// record must have (the SizeOf* constant); bytes beyond the data stay zero. Returns false (and
// `out` is T{}) when data has fewer than `need` bytes.
template <typename T>
bool load_record(std::span<const std::uint8_t> data, T& out, std::size_t need = sizeof(T)) {
    auto v = read_record_struct<T>(data, need);
    out = v.value_or(T{});
    return v.has_value();
}

// The record's fixed main-data struct (its SizeOf* constant `size_of`), or nullopt after noting
// in `out` that the main data is too short for it: PostgreSQL would read past the end of the
// record; we print `note(out, have, need)` (append_truncated by default) instead of the fields.
template <typename T>
std::optional<T> fixed_part(std::string& out, const DecodedRecord& record, std::size_t size_of,
                            void (*note)(std::string&, std::size_t, std::size_t) = append_truncated) {
    auto v = read_record_struct<T>(record.main_data, size_of);
    if (!v) note(out, record.main_data.size(), size_of);
    return v;
}

// An array of T stored unaligned in WAL bytes (a FLEXIBLE_ARRAY_MEMBER), read element by element.
template <typename T>
class PackedArray {
public:
    static_assert(std::is_trivially_copyable_v<T>);
    PackedArray() = default;
    PackedArray(const std::uint8_t* data, std::size_t count) : data_(data), count_(count) {}

    std::size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    T operator[](std::size_t i) const { return load<T>(data_ + i * sizeof(T)); }

private:
    const std::uint8_t* data_ = nullptr;
    std::size_t count_ = 0;
};

// Takes `count` elements of T from the reader; on a short record takes as many as there are and
// sets `truncated`.
template <typename T>
PackedArray<T> take_array(ByteReader& reader, std::int64_t count, bool& truncated) {
    if (count <= 0) return {};
    std::size_t n = static_cast<std::size_t>(count);
    std::size_t fit = reader.remaining() / sizeof(T);
    if (n > fit) {
        truncated = true;
        n = fit;
    }
    const std::uint8_t* p = reader.current();
    reader.skip(n * sizeof(T));
    return PackedArray<T>(p, n);
}

// A NUL-terminated string of at most max_len bytes (without the NUL) starting at `data`; stops at
// the end of the span when there is no NUL.
std::string c_string(std::span<const std::uint8_t> data, std::size_t max_len = SIZE_MAX);

// standby_desc_invalidations (src/backend/access/rmgrdesc/standbydesc.c, PG15; 18's relsync
// messages by kSinvalVersions): shared by the Transaction and Standby describe routines.
// `format`: the record's (DecodedRecord::format).
void standby_desc_invalidations(std::string& out, const PackedArray<SharedInvalidationMessage>& msgs,
                                Oid dbId, Oid tsId, bool relcacheInitFileInval,
                                const WalFormat& format);

// A dropped-stats item (xl_xact_stats_item) as the descriptions print it: 18 stores objid as
// two uint32 halves (objid_lo, objid_hi), 15-17 as one Oid.
struct XactStatsItem {
    int kind = 0;
    Oid dboid = 0;
    std::uint64_t objid = 0;
};
// An array of xl_xact_stats_item of a version's item size (XactVersion::stats_item_size).
class XactStatsItems {
public:
    XactStatsItems() = default;
    XactStatsItems(const std::uint8_t* data, std::size_t count, std::size_t item_size)
        : data_(data), count_(count), item_size_(item_size) {}

    std::size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    XactStatsItem operator[](std::size_t i) const {
        const std::uint8_t* p = data_ + i * item_size_;
        XactStatsItem item{load<int>(p + offsetof(xl_xact_stats_item, kind)),
                           load<Oid>(p + offsetof(xl_xact_stats_item, dboid)),
                           load<std::uint32_t>(p + offsetof(xl_xact_stats_item_v18, objid_lo))};
        if (item_size_ == sizeof(xl_xact_stats_item_v18))
            item.objid |= std::uint64_t{load<std::uint32_t>(p + offsetof(xl_xact_stats_item_v18,
                                                                         objid_hi))}
                          << 32;
        return item;
    }

private:
    const std::uint8_t* data_ = nullptr;
    std::size_t count_ = 0;
    std::size_t item_size_ = sizeof(xl_xact_stats_item);
};

// xl_xact_parsed_commit / xl_xact_parsed_abort / xl_xact_parsed_prepare (access/xact.h, PG15):
// the optional parts of a commit, abort or prepare record, located. Arrays point into the
// record's bytes.
struct ParsedXactRecord {
    TimestampTz xact_time = 0;
    std::uint32_t xinfo = 0;

    Oid dbId = 0;
    Oid tsId = 0;

    PackedArray<TransactionId> subxacts;
    PackedArray<RelFileNode> xnodes;
    XactStatsItems stats;
    PackedArray<SharedInvalidationMessage> msgs;

    TransactionId twophase_xid = InvalidTransactionId;
    std::string twophase_gid;
    PackedArray<RelFileNode> abortnodes;           // only for PREPARE
    XactStatsItems abortstats;                     // only for PREPARE
    bool initfileinval = false;                    // only for PREPARE

    XLogRecPtr origin_lsn = InvalidXLogRecPtr;
    TimestampTz origin_timestamp = 0;

    // The record ended before all the parts its header announces (a corrupt record).
    bool truncated = false;
};

// ParseCommitRecord (src/backend/access/rmgrdesc/xactdesc.c, PG15). `xl_info` is the record's
// xl_info (XLOG_XACT_HAS_INFO says whether xinfo is present); `format` the WAL's version (its
// XactVersion: 14 has no dropped stats, 18 wider stats items).
ParsedXactRecord ParseCommitRecord(std::uint8_t xl_info, std::span<const std::uint8_t> data,
                                   const WalFormat& format = kWalFormatPg15);
// ParseAbortRecord (same file): as a commit record, without invalidation messages.
ParsedXactRecord ParseAbortRecord(std::uint8_t xl_info, std::span<const std::uint8_t> data,
                                  const WalFormat& format = kWalFormatPg15);
// ParsePrepareRecord (same file): a two-phase state file (xl_xact_prepare, 14's
// xl_xact_prepare_v14, and what follows).
ParsedXactRecord ParsePrepareRecord(std::span<const std::uint8_t> data,
                                    const WalFormat& format = kWalFormatPg15);

}  // namespace understudy
