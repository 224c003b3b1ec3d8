// Standby describe routines: standby_desc and standby_identify (src/backend/access/rmgrdesc/
// standbydesc.c, PostgreSQL 15). standby_desc_invalidations is in desc_utils (xact uses it too).
#include <fmt/format.h>

#include <iterator>

#include "wal/describe/desc_utils.h"
#include "wal/records/standby.h"
#include "wal/rmgr_desc.h"

namespace understudy {

namespace {

// XLOG_STANDBY_LOCK: "xid %u db %u rel %u " per lock.
void desc_locks(std::string& out, std::span<const std::uint8_t> data) {
    xl_standby_locks xlrec{};
    if (!load_record(data, xlrec, MinSizeOfStandbyLocks))
        return append_truncated(out, data.size(), MinSizeOfStandbyLocks);
    ByteReader reader(data);
    reader.skip(MinSizeOfStandbyLocks);
    bool truncated = false;
    const auto locks = take_array<xl_standby_lock>(reader, xlrec.nlocks, truncated);
    for (std::size_t i = 0; i < locks.size(); ++i) {
        const xl_standby_lock lock = locks[i];
        fmt::format_to(std::back_inserter(out), "xid {} db {} rel {} ", lock.xid, lock.dbOid,
                       lock.relOid);
    }
    if (truncated) append_truncated(out, data.size());
}

// standby_desc_running_xacts (standbydesc.c, PG15): only the top-level xids are listed.
void desc_running_xacts(std::string& out, std::span<const std::uint8_t> data) {
    xl_running_xacts xlrec{};
    if (!load_record(data, xlrec, MinSizeOfXactRunningXacts))
        return append_truncated(out, data.size(), MinSizeOfXactRunningXacts);
    auto it = std::back_inserter(out);
    fmt::format_to(it, "nextXid {} latestCompletedXid {} oldestRunningXid {}", xlrec.nextXid,
                   xlrec.latestCompletedXid, xlrec.oldestRunningXid);
    bool truncated = false;
    if (xlrec.xcnt > 0) {
        ByteReader reader(data);
        reader.skip(MinSizeOfXactRunningXacts);
        const auto xids = take_array<TransactionId>(reader, xlrec.xcnt, truncated);
        fmt::format_to(it, "; {} xacts:", xlrec.xcnt);
        for (std::size_t i = 0; i < xids.size(); ++i) fmt::format_to(it, " {}", xids[i]);
    }
    if (xlrec.subxid_overflow) out += "; subxid ovf";
    if (truncated) append_truncated(out, data.size());
}

// XLOG_INVALIDATIONS (standby_desc, PG15).
void desc_invalidations(std::string& out, std::span<const std::uint8_t> data) {
    xl_invalidations xlrec{};
    if (!load_record(data, xlrec, MinSizeOfInvalidations))
        return append_truncated(out, data.size(), MinSizeOfInvalidations);
    ByteReader reader(data);
    reader.skip(MinSizeOfInvalidations);
    bool truncated = false;
    const auto msgs = take_array<SharedInvalidationMessage>(reader, xlrec.nmsgs, truncated);
    standby_desc_invalidations(out, msgs, xlrec.dbId, xlrec.tsId, xlrec.relcacheInitFileInval);
    if (truncated) append_truncated(out, data.size());
}

}  // namespace

// standby_desc (standbydesc.c, PG15).
void standby_desc(std::string& out, const DecodedRecord& rec) {
    const std::uint8_t info = rec.info();
    if (info == XLOG_STANDBY_LOCK)
        desc_locks(out, rec.main_data);
    else if (info == XLOG_RUNNING_XACTS)
        desc_running_xacts(out, rec.main_data);
    else if (info == XLOG_INVALIDATIONS)
        desc_invalidations(out, rec.main_data);
}

// standby_identify (standbydesc.c, PG15).
const char* standby_identify(std::uint8_t xl_info) {
    switch (xl_info & 0xF0) {
        case XLOG_STANDBY_LOCK: return "LOCK";
        case XLOG_RUNNING_XACTS: return "RUNNING_XACTS";
        case XLOG_INVALIDATIONS: return "INVALIDATIONS";
        default: return nullptr;
    }
}

}  // namespace understudy
