#include "redo/describe/desc_utils.h"

#include <fmt/format.h>

#include <ctime>
#include <iterator>

namespace understudy {

namespace {

constexpr std::int64_t USECS_PER_SEC = 1000000;
constexpr std::int64_t SECS_PER_DAY = 86400;
constexpr std::int64_t POSTGRES_EPOCH_JDATE = 2451545;
constexpr std::int64_t UNIX_EPOCH_JDATE = 2440588;

// timestamptz_to_time_t (src/bin/pg_waldump/compat.c, PG15).
std::int64_t timestamptz_to_time_t(TimestampTz t) {
    return t / USECS_PER_SEC + (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
}

}  // namespace

// timestamptz_to_str (src/bin/pg_waldump/compat.c, PG15): localtime, "%Y-%m-%d %H:%M:%S",
// then ".%06d" of the microseconds (C remainder: negative before 2000) and "%Z".
std::string timestamptz_to_str(TimestampTz dt) {
    std::time_t result = static_cast<std::time_t>(timestamptz_to_time_t(dt));
    std::tm ltime{};
    if (localtime_r(&result, &ltime) == nullptr)
        return fmt::format("(timestamp {} out of range)", dt);  // PostgreSQL would crash here
    char ts[129];
    char zone[129];
    if (std::strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &ltime) == 0) ts[0] = '\0';
    if (std::strftime(zone, sizeof(zone), "%Z", &ltime) == 0) zone[0] = '\0';
    return fmt::format("{}.{:06d} {}", ts, static_cast<int>(dt % USECS_PER_SEC), zone);
}

void append_lsn(std::string& out, XLogRecPtr lsn) {
    fmt::format_to(std::back_inserter(out), "{:X}/{:X}", static_cast<std::uint32_t>(lsn >> 32),
                   static_cast<std::uint32_t>(lsn));
}

void append_truncated(std::string& out, std::size_t have, std::size_t need) {
    fmt::format_to(std::back_inserter(out), "<record truncated: {} bytes, need {}>", have, need);
}

void append_truncated(std::string& out, std::size_t have) {
    fmt::format_to(std::back_inserter(out), "<record truncated: {} bytes>", have);
}

void append_short_record(std::string& out, std::size_t have, std::size_t need, std::string_view what) {
    fmt::format_to(std::back_inserter(out), "(short record: {} bytes of {}, expected {})", have, what, need);
}

void append_short_main_data(std::string& out, std::size_t have, std::size_t need) {
    append_short_record(out, have, need, "main data");
}

void offset_elem_desc(std::string& out, OffsetNumber offset) {
    fmt::format_to(std::back_inserter(out), "{}", offset);
}

void redirect_elem_desc(std::string& out, OffsetNumber from, OffsetNumber to) {
    fmt::format_to(std::back_inserter(out), "{}->{}", from, to);
}

void oid_elem_desc(std::string& out, Oid relid) { fmt::format_to(std::back_inserter(out), "{}", relid); }

void offset_array_desc(std::string& out, const PackedArray<OffsetNumber>& offsets) {
    array_desc(out, offsets.size(), [&](std::string& o, std::size_t i) { offset_elem_desc(o, offsets[i]); });
}

void oid_array_desc(std::string& out, const PackedArray<Oid>& oids) {
    array_desc(out, oids.size(), [&](std::string& o, std::size_t i) { oid_elem_desc(o, oids[i]); });
}

void redirect_array_desc(std::string& out, const PackedArray<OffsetNumber>& pairs) {
    array_desc(out, pairs.size() / 2, [&](std::string& o, std::size_t i) {
        redirect_elem_desc(o, pairs[2 * i], pairs[2 * i + 1]);
    });
}

std::string c_string(std::span<const std::uint8_t> data, std::size_t max_len) {
    std::size_t n = 0;
    while (n < data.size() && n < max_len && data[n] != 0) ++n;
    return std::string(reinterpret_cast<const char*>(data.data()), n);
}

}  // namespace understudy

namespace understudy {

// standby_desc_invalidations (src/backend/access/rmgrdesc/standbydesc.c, PG15).
void standby_desc_invalidations(std::string& out, const PackedArray<SharedInvalidationMessage>& msgs,
                                Oid dbId, Oid tsId, bool relcacheInitFileInval) {
    if (msgs.empty()) return;
    auto it = std::back_inserter(out);
    if (relcacheInitFileInval)
        fmt::format_to(it, "; relcache init file inval dbid {} tsid {}", dbId, tsId);
    out += "; inval msgs:";
    for (std::size_t i = 0; i < msgs.size(); ++i) {
        const SharedInvalidationMessage msg = msgs[i];
        if (msg.id >= 0)
            fmt::format_to(it, " catcache {}", msg.id);
        else if (msg.id == SHAREDINVALCATALOG_ID)
            fmt::format_to(it, " catalog {}", msg.cat.catId);
        else if (msg.id == SHAREDINVALRELCACHE_ID)
            fmt::format_to(it, " relcache {}", msg.rc.relId);
        else if (msg.id == SHAREDINVALSMGR_ID)
            out += " smgr";
        else if (msg.id == SHAREDINVALRELMAP_ID)
            fmt::format_to(it, " relmap db {}", msg.rm.dbId);
        else if (msg.id == SHAREDINVALSNAPSHOT_ID)
            fmt::format_to(it, " snapshot {}", msg.sn.relId);
        else
            fmt::format_to(it, " unrecognized id {}", msg.id);
    }
}

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
