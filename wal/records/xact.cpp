// Locating the optional parts of commit, abort and prepare records (xactdesc.c's
// ParseCommitRecord / ParseAbortRecord / ParsePrepareRecord): used by the Transaction describe
// routine, the xact redo routine and the standby's replay tracker.
#include "wal/records/xact.h"

#include <algorithm>

namespace understudy {

namespace {

// Reads an int count followed by that many T (xl_xact_subxacts, xl_xact_relfilenodes, ...).
template <typename T>
PackedArray<T> take_counted_array(ByteReader& reader, bool& truncated) {
    int count = 0;
    if (!reader.read(count)) {
        truncated = true;
        return {};
    }
    return take_array<T>(reader, count, truncated);
}

// The body shared by ParseCommitRecord and ParseAbortRecord (xactdesc.c, PG15).
ParsedXactRecord parse_commit_or_abort(std::uint8_t xl_info, std::span<const std::uint8_t> data,
                                       bool is_commit) {
    ParsedXactRecord parsed;
    ByteReader reader(data);
    bool& truncated = parsed.truncated;

    if (!reader.read(parsed.xact_time)) {
        truncated = true;
        return parsed;
    }
    if ((xl_info & XLOG_XACT_HAS_INFO) != 0 && !reader.read(parsed.xinfo)) {
        truncated = true;
        return parsed;
    }
    if ((parsed.xinfo & XACT_XINFO_HAS_DBINFO) != 0) {
        if (!reader.read(parsed.dbId) || !reader.read(parsed.tsId)) {
            truncated = true;
            return parsed;
        }
    }
    if ((parsed.xinfo & XACT_XINFO_HAS_SUBXACTS) != 0) {
        parsed.subxacts = take_counted_array<TransactionId>(reader, truncated);
        if (truncated) return parsed;
    }
    if ((parsed.xinfo & XACT_XINFO_HAS_RELFILENODES) != 0) {
        parsed.xnodes = take_counted_array<RelFileNode>(reader, truncated);
        if (truncated) return parsed;
    }
    if ((parsed.xinfo & XACT_XINFO_HAS_DROPPED_STATS) != 0) {
        parsed.stats = take_counted_array<xl_xact_stats_item>(reader, truncated);
        if (truncated) return parsed;
    }
    if (is_commit && (parsed.xinfo & XACT_XINFO_HAS_INVALS) != 0) {
        parsed.msgs = take_counted_array<SharedInvalidationMessage>(reader, truncated);
        if (truncated) return parsed;
    }
    if ((parsed.xinfo & XACT_XINFO_HAS_TWOPHASE) != 0) {
        if (!reader.read(parsed.twophase_xid)) {
            truncated = true;
            return parsed;
        }
        if ((parsed.xinfo & XACT_XINFO_HAS_GID) != 0) {
            auto rest = data.subspan(reader.position());
            std::string gid = c_string(rest);
            if (gid.size() == rest.size()) {  // no NUL before the end
                truncated = true;
                return parsed;
            }
            reader.skip(gid.size() + 1);
            if (gid.size() > GIDSIZE - 1) gid.resize(GIDSIZE - 1);  // strlcpy into GIDSIZE
            parsed.twophase_gid = std::move(gid);
        }
    }
    // No alignment is guaranteed from here on: xl_xact_origin is copied out.
    if ((parsed.xinfo & XACT_XINFO_HAS_ORIGIN) != 0) {
        xl_xact_origin origin{};
        if (!reader.read(origin)) {
            truncated = true;
            return parsed;
        }
        parsed.origin_lsn = origin.origin_lsn;
        parsed.origin_timestamp = origin.origin_timestamp;
    }
    return parsed;
}

// Takes `count` elements of T from a MAXALIGNed section of a two-phase state file.
template <typename T>
PackedArray<T> take_maxaligned_array(ByteReader& reader, std::int32_t count, bool& truncated) {
    if (truncated || count <= 0) return {};
    PackedArray<T> array = take_array<T>(reader, count, truncated);
    std::size_t used = array.size() * sizeof(T);
    std::size_t pad = MAXALIGN(used) - used;
    if (!truncated && !reader.skip(pad < reader.remaining() ? pad : reader.remaining()))
        truncated = true;
    return array;
}

}  // namespace

ParsedXactRecord ParseCommitRecord(std::uint8_t xl_info, std::span<const std::uint8_t> data) {
    return parse_commit_or_abort(xl_info, data, true);
}

ParsedXactRecord ParseAbortRecord(std::uint8_t xl_info, std::span<const std::uint8_t> data) {
    return parse_commit_or_abort(xl_info, data, false);
}

// ParsePrepareRecord (src/backend/access/rmgrdesc/xactdesc.c, PG15).
ParsedXactRecord ParsePrepareRecord(std::span<const std::uint8_t> data) {
    ParsedXactRecord parsed;
    xl_xact_prepare hdr{};
    if (!load_record(data, hdr)) {
        parsed.truncated = true;
        return parsed;
    }
    parsed.xact_time = hdr.prepared_at;
    parsed.origin_lsn = hdr.origin_lsn;
    parsed.origin_timestamp = hdr.origin_timestamp;
    parsed.twophase_xid = hdr.xid;
    parsed.dbId = hdr.database;
    parsed.initfileinval = hdr.initfileinval;

    ByteReader reader(data);
    reader.skip(MAXALIGN(sizeof(xl_xact_prepare)));
    bool& truncated = parsed.truncated;

    // strncpy(twophase_gid, bufptr, gidlen): at most gidlen bytes, up to the first NUL.
    std::size_t gidlen = hdr.gidlen;
    auto gid_bytes = data.subspan(reader.position());
    if (gid_bytes.size() < gidlen) truncated = true;
    parsed.twophase_gid = c_string(gid_bytes, gidlen < GIDSIZE ? gidlen : GIDSIZE);
    if (!reader.skip(MAXALIGN(gidlen))) truncated = true;

    parsed.subxacts = take_maxaligned_array<TransactionId>(reader, hdr.nsubxacts, truncated);
    parsed.xnodes = take_maxaligned_array<RelFileNode>(reader, hdr.ncommitrels, truncated);
    parsed.abortnodes = take_maxaligned_array<RelFileNode>(reader, hdr.nabortrels, truncated);
    parsed.stats = take_maxaligned_array<xl_xact_stats_item>(reader, hdr.ncommitstats, truncated);
    parsed.abortstats = take_maxaligned_array<xl_xact_stats_item>(reader, hdr.nabortstats, truncated);
    parsed.msgs = take_maxaligned_array<SharedInvalidationMessage>(reader, hdr.ninvalmsgs, truncated);
    return parsed;
}

}  // namespace understudy
