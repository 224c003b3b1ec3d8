// XLOG describe routines: xlog_desc and xlog_identify (src/backend/access/rmgrdesc/xlogdesc.c,
// PostgreSQL 15).
#include <fmt/format.h>

#include <iterator>

#include "wal/describe/desc_utils.h"
#include "wal/records/xlog.h"
#include "wal/rmgr_desc.h"

namespace understudy {

namespace {

// wal_level_options (xlogdesc.c, PG15): the first name listed for each value.
const char* wal_level_name(int wal_level) {
    switch (wal_level) {
        case WAL_LEVEL_MINIMAL: return "minimal";
        case WAL_LEVEL_REPLICA: return "replica";
        case WAL_LEVEL_LOGICAL: return "logical";
        default: return "?";
    }
}

void desc_checkpoint(std::string& out, std::span<const std::uint8_t> data, bool shutdown) {
    CheckPoint checkpoint{};
    if (!load_record(data, checkpoint)) return append_truncated(out, data.size(), sizeof(CheckPoint));
    auto it = std::back_inserter(out);
    out += "redo ";
    append_lsn(out, checkpoint.redo);
    fmt::format_to(it,
                   "; tli {}; prev tli {}; fpw {}; xid {}:{}; oid {}; multi {}; offset {}; "
                   "oldest xid {} in DB {}; oldest multi {} in DB {}; "
                   "oldest/newest commit timestamp xid: {}/{}; oldest running xid {}; {}",
                   checkpoint.ThisTimeLineID, checkpoint.PrevTimeLineID,
                   checkpoint.fullPageWrites ? "true" : "false",
                   EpochFromFullTransactionId(checkpoint.nextXid),
                   XidFromFullTransactionId(checkpoint.nextXid), checkpoint.nextOid,
                   checkpoint.nextMulti, checkpoint.nextMultiOffset, checkpoint.oldestXid,
                   checkpoint.oldestXidDB, checkpoint.oldestMulti, checkpoint.oldestMultiDB,
                   checkpoint.oldestCommitTsXid, checkpoint.newestCommitTsXid,
                   checkpoint.oldestActiveXid, shutdown ? "shutdown" : "online");
}

void desc_parameter_change(std::string& out, std::span<const std::uint8_t> data) {
    xl_parameter_change xlrec{};
    if (!load_record(data, xlrec))
        return append_truncated(out, data.size(), sizeof(xl_parameter_change));
    fmt::format_to(std::back_inserter(out),
                   "max_connections={} max_worker_processes={} max_wal_senders={} "
                   "max_prepared_xacts={} max_locks_per_xact={} wal_level={} wal_log_hints={} "
                   "track_commit_timestamp={}",
                   xlrec.MaxConnections, xlrec.max_worker_processes, xlrec.max_wal_senders,
                   xlrec.max_prepared_xacts, xlrec.max_locks_per_xact,
                   wal_level_name(xlrec.wal_level), xlrec.wal_log_hints ? "on" : "off",
                   xlrec.track_commit_timestamp ? "on" : "off");
}

}  // namespace

// xlog_desc (xlogdesc.c, PG15).
void xlog_desc(std::string& out, const DecodedRecord& rec) {
    const auto data = rec.main_data;
    const std::uint8_t info = rec.info();
    auto it = std::back_inserter(out);

    if (info == XLOG_CHECKPOINT_SHUTDOWN || info == XLOG_CHECKPOINT_ONLINE) {
        desc_checkpoint(out, data, info == XLOG_CHECKPOINT_SHUTDOWN);
    } else if (info == XLOG_NEXTOID) {
        Oid nextOid = 0;
        if (!load_record(data, nextOid)) return append_truncated(out, data.size(), sizeof(Oid));
        fmt::format_to(it, "{}", nextOid);
    } else if (info == XLOG_RESTORE_POINT) {
        if (data.size() < offsetof(xl_restore_point, rp_name))
            return append_truncated(out, data.size(), sizeof(xl_restore_point));
        out += c_string(data.subspan(offsetof(xl_restore_point, rp_name)), MAXFNAMELEN);
    } else if (info == XLOG_FPI || info == XLOG_FPI_FOR_HINT) {
        // no further information to print
    } else if (info == XLOG_BACKUP_END) {
        XLogRecPtr startpoint = 0;
        if (!load_record(data, startpoint))
            return append_truncated(out, data.size(), sizeof(XLogRecPtr));
        append_lsn(out, startpoint);
    } else if (info == XLOG_PARAMETER_CHANGE) {
        desc_parameter_change(out, data);
    } else if (info == XLOG_FPW_CHANGE) {
        std::uint8_t fpw = 0;
        if (!load_record(data, fpw)) return append_truncated(out, data.size(), sizeof(bool));
        out += fpw != 0 ? "true" : "false";
    } else if (info == XLOG_END_OF_RECOVERY) {
        xl_end_of_recovery xlrec{};
        if (!load_record(data, xlrec))
            return append_truncated(out, data.size(), sizeof(xl_end_of_recovery));
        fmt::format_to(it, "tli {}; prev tli {}; time {}", xlrec.ThisTimeLineID,
                       xlrec.PrevTimeLineID, timestamptz_to_str(xlrec.end_time));
    } else if (info == XLOG_OVERWRITE_CONTRECORD) {
        xl_overwrite_contrecord xlrec{};
        if (!load_record(data, xlrec))
            return append_truncated(out, data.size(), sizeof(xl_overwrite_contrecord));
        out += "lsn ";
        append_lsn(out, xlrec.overwritten_lsn);
        fmt::format_to(it, "; time {}", timestamptz_to_str(xlrec.overwrite_time));
    }
}

// xlog_identify (xlogdesc.c, PG15).
const char* xlog_identify(std::uint8_t xl_info) {
    switch (xl_info & 0xF0) {
        case XLOG_CHECKPOINT_SHUTDOWN: return "CHECKPOINT_SHUTDOWN";
        case XLOG_CHECKPOINT_ONLINE: return "CHECKPOINT_ONLINE";
        case XLOG_NOOP: return "NOOP";
        case XLOG_NEXTOID: return "NEXTOID";
        case XLOG_SWITCH: return "SWITCH";
        case XLOG_BACKUP_END: return "BACKUP_END";
        case XLOG_PARAMETER_CHANGE: return "PARAMETER_CHANGE";
        case XLOG_RESTORE_POINT: return "RESTORE_POINT";
        case XLOG_FPW_CHANGE: return "FPW_CHANGE";
        case XLOG_END_OF_RECOVERY: return "END_OF_RECOVERY";
        case XLOG_OVERWRITE_CONTRECORD: return "OVERWRITE_CONTRECORD";
        case XLOG_FPI: return "FPI";
        case XLOG_FPI_FOR_HINT: return "FPI_FOR_HINT";
        default: return nullptr;
    }
}

}  // namespace understudy
