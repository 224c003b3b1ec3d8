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
#include "wal/decoded_record.h"
#include "wal/records/pg_types.h"
#include "wal/records/sinval.h"
#include "wal/records/xact.h"
#include "wal/records/version_table.h"
#include "wal/relpath.h"

namespace understudy {

// relpathperm(rnode, forknum) (src/include/common/relpath.h, PG15): GetRelationPath of a
// permanent relation, "global/1262", "base/5/16384_fsm", "pg_tblspc/16390/PG_15_202209061/5/16391"
// (wal/relpath.h).
inline std::string relpathperm(const RelFileNode& rnode, std::uint8_t forknum) {
    return storage::relation_path(rnode, static_cast<ForkNumber>(forknum));
}

static_assert(rows_ascending(storage::kTablespaceDirectoryVersions));

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


// standby_desc_invalidations (src/backend/access/rmgrdesc/standbydesc.c, PG15; 18's relsync
// messages by kSinvalVersions): shared by the Transaction and Standby describe routines.
// `format`: the record's (DecodedRecord::format).
void standby_desc_invalidations(std::string& out, const PackedArray<SharedInvalidationMessage>& msgs,
                                Oid dbId, Oid tsId, bool relcacheInitFileInval,
                                const WalFormat& format);

}  // namespace understudy
