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
#include "redo/records/xact.h"
#include "redo/storage/relpath.h"

namespace understudy {

// relpathperm(rnode, forknum) (src/include/common/relpath.h, PG15): GetRelationPath of a
// permanent relation, "global/1262", "base/5/16384_fsm", "pg_tblspc/16390/PG_15_202209061/5/16391"
// (redo/storage/relpath.h).
inline std::string relpathperm(const RelFileNode& rnode, std::uint8_t forknum) {
    return storage::relation_path(rnode, static_cast<ForkNumber>(forknum));
}

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

// ---- rmgrdesc_utils.c (PostgreSQL 16 and later) --------------------------------------------
// The array notation of the describe routines from PostgreSQL 16 on: array_desc appends
// " [e0, e1, ...]" (" []" for none), each element written by `elem_desc(out, i)`. The element
// routines below are offset_elem_desc ("%u"), redirect_elem_desc ("%u->%u") and oid_elem_desc
// ("%u"). Callers read the elements with PackedArray (never past the record: take_array).
template <typename ElemDesc>
void array_desc(std::string& out, std::size_t count, ElemDesc&& elem_desc) {
    out += " [";
    for (std::size_t i = 0; i < count; ++i) {
        elem_desc(out, i);
        if (i + 1 < count) out += ", ";
    }
    out += ']';
}
void offset_elem_desc(std::string& out, OffsetNumber offset);
void redirect_elem_desc(std::string& out, OffsetNumber from, OffsetNumber to);
void oid_elem_desc(std::string& out, Oid relid);

// array_desc with offset_elem_desc / oid_elem_desc over every element.
void offset_array_desc(std::string& out, const PackedArray<OffsetNumber>& offsets);
void oid_array_desc(std::string& out, const PackedArray<Oid>& oids);
// array_desc with redirect_elem_desc: `pairs` holds 2 * n OffsetNumbers (from, to), n elements.
void redirect_array_desc(std::string& out, const PackedArray<OffsetNumber>& pairs);

// A NUL-terminated string of at most max_len bytes (without the NUL) starting at `data`; stops at
// the end of the span when there is no NUL.
std::string c_string(std::span<const std::uint8_t> data, std::size_t max_len = SIZE_MAX);

// standby_desc_invalidations (src/backend/access/rmgrdesc/standbydesc.c, PG15): shared by the
// Transaction and Standby describe routines.
void standby_desc_invalidations(std::string& out, const PackedArray<SharedInvalidationMessage>& msgs,
                                Oid dbId, Oid tsId, bool relcacheInitFileInval);

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
    PackedArray<xl_xact_stats_item> stats;
    PackedArray<SharedInvalidationMessage> msgs;

    TransactionId twophase_xid = InvalidTransactionId;
    std::string twophase_gid;
    PackedArray<RelFileNode> abortnodes;           // only for PREPARE
    PackedArray<xl_xact_stats_item> abortstats;    // only for PREPARE
    bool initfileinval = false;                    // only for PREPARE

    XLogRecPtr origin_lsn = InvalidXLogRecPtr;
    TimestampTz origin_timestamp = 0;

    // The record ended before all the parts its header announces (a corrupt record).
    bool truncated = false;
};

// ParseCommitRecord (src/backend/access/rmgrdesc/xactdesc.c, PG15). `xl_info` is the record's
// xl_info (XLOG_XACT_HAS_INFO says whether xinfo is present).
ParsedXactRecord ParseCommitRecord(std::uint8_t xl_info, std::span<const std::uint8_t> data);
// ParseAbortRecord (same file): as a commit record, without invalidation messages.
ParsedXactRecord ParseAbortRecord(std::uint8_t xl_info, std::span<const std::uint8_t> data);
// ParsePrepareRecord (same file): a two-phase state file (xl_xact_prepare and what follows).
ParsedXactRecord ParsePrepareRecord(std::span<const std::uint8_t> data);

}  // namespace understudy
