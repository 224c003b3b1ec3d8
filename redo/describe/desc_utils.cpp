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

// GetRelationPath (src/common/relpath.c, PG15).
std::string relpathbackend(const RelFileNode& rnode, BackendId backend, std::uint8_t forknum) {
    const bool main = forknum == MAIN_FORKNUM;
    const char* fork = fork_name(forknum);
    if (rnode.spcNode == GLOBALTABLESPACE_OID) {
        return main ? fmt::format("global/{}", rnode.relNode)
                    : fmt::format("global/{}_{}", rnode.relNode, fork);
    }
    if (rnode.spcNode == DEFAULTTABLESPACE_OID) {
        if (backend == InvalidBackendId)
            return main ? fmt::format("base/{}/{}", rnode.dbNode, rnode.relNode)
                        : fmt::format("base/{}/{}_{}", rnode.dbNode, rnode.relNode, fork);
        return main ? fmt::format("base/{}/t{}_{}", rnode.dbNode, backend, rnode.relNode)
                    : fmt::format("base/{}/t{}_{}_{}", rnode.dbNode, backend, rnode.relNode, fork);
    }
    if (backend == InvalidBackendId)
        return main ? fmt::format("pg_tblspc/{}/{}/{}/{}", rnode.spcNode,
                                  TABLESPACE_VERSION_DIRECTORY, rnode.dbNode, rnode.relNode)
                    : fmt::format("pg_tblspc/{}/{}/{}/{}_{}", rnode.spcNode,
                                  TABLESPACE_VERSION_DIRECTORY, rnode.dbNode, rnode.relNode, fork);
    return main ? fmt::format("pg_tblspc/{}/{}/{}/t{}_{}", rnode.spcNode,
                              TABLESPACE_VERSION_DIRECTORY, rnode.dbNode, backend, rnode.relNode)
                : fmt::format("pg_tblspc/{}/{}/{}/t{}_{}_{}", rnode.spcNode,
                              TABLESPACE_VERSION_DIRECTORY, rnode.dbNode, backend, rnode.relNode,
                              fork);
}

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

std::string c_string(std::span<const std::uint8_t> data, std::size_t max_len) {
    std::size_t n = 0;
    while (n < data.size() && n < max_len && data[n] != 0) ++n;
    return std::string(reinterpret_cast<const char*>(data.data()), n);
}

}  // namespace understudy
