#include "wal/describe/desc_utils.h"

#include <fmt/compile.h>
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
    // localtime_r and strftime cost more than the rest of a commit record's description; commits
    // come many to a second, so the second's text is kept (per thread: --jobs describes on several).
    struct SecondText {
        bool valid = false;
        std::time_t second = 0;
        char ts[129];
        char zone[129];
    };
    thread_local SecondText last;
    const std::time_t result = static_cast<std::time_t>(timestamptz_to_time_t(dt));
    if (!last.valid || last.second != result) {
        std::tm ltime{};
        if (localtime_r(&result, &ltime) == nullptr)
            return fmt::format("(timestamp {} out of range)", dt);  // PostgreSQL would crash here
        if (std::strftime(last.ts, sizeof(last.ts), "%Y-%m-%d %H:%M:%S", &ltime) == 0) last.ts[0] = '\0';
        if (std::strftime(last.zone, sizeof(last.zone), "%Z", &ltime) == 0) last.zone[0] = '\0';
        last.second = result;
        last.valid = true;
    }
    std::string out;
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("{}.{:06d} {}"), static_cast<const char*>(last.ts),
                   static_cast<int>(dt % USECS_PER_SEC), static_cast<const char*>(last.zone));
    return out;
}

void append_lsn(std::string& out, XLogRecPtr lsn) {
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("{:X}/{:X}"), static_cast<std::uint32_t>(lsn >> 32),
                   static_cast<std::uint32_t>(lsn));
}

void append_truncated(std::string& out, std::size_t have, std::size_t need) {
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("<record truncated: {} bytes, need {}>"), have, need);
}

void append_truncated(std::string& out, std::size_t have) {
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("<record truncated: {} bytes>"), have);
}

void append_short_record(std::string& out, std::size_t have, std::size_t need, std::string_view what) {
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("(short record: {} bytes of {}, expected {})"), have, what, need);
}

void append_short_main_data(std::string& out, std::size_t have, std::size_t need) {
    append_short_record(out, have, need, "main data");
}

}  // namespace understudy

namespace understudy {

void offset_elem_desc(std::string& out, OffsetNumber offset) {
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("{}"), offset);
}

void redirect_elem_desc(std::string& out, OffsetNumber from, OffsetNumber to) {
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("{}->{}"), from, to);
}

void oid_elem_desc(std::string& out, Oid relid) { fmt::format_to(std::back_inserter(out), FMT_COMPILE("{}"), relid); }

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

std::string relpathperm(const RelFileNode& rnode, std::uint8_t forknum, const WalFormat& format) {
    if (rnode.spcNode == storage::GLOBALTABLESPACE_OID ||
        rnode.spcNode == storage::DEFAULTTABLESPACE_OID)
        return relpathperm(rnode, forknum);
    std::string path = fmt::format(
        "pg_tblspc/{}/{}/{}/{}", rnode.spcNode,
        storage::tablespace_version_directory(format.major_version),
        rnode.dbNode, rnode.relNode);
    if (forknum != MAIN_FORKNUM) fmt::format_to(std::back_inserter(path), "_{}", fork_name(forknum));
    return path;
}

// standby_desc_invalidations (src/backend/access/rmgrdesc/standbydesc.c, PG15; 18's).
void standby_desc_invalidations(std::string& out, const PackedArray<SharedInvalidationMessage>& msgs,
                                Oid dbId, Oid tsId, bool relcacheInitFileInval,
                                const WalFormat& format) {
    if (msgs.empty()) return;
    const SinvalVersion& version = row_for_version(kSinvalVersions, format);
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
        else if (msg.id == SHAREDINVALRELSYNC_ID && version.relsync)
            fmt::format_to(it, " relsync {}", msg.rs.relid);
        else
            fmt::format_to(it, " unrecognized id {}", msg.id);
    }
}

}  // namespace understudy
