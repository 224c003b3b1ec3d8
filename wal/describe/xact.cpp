// Transaction describe routines: xact_desc and xact_identify (src/backend/access/rmgrdesc/
// xactdesc.c, PostgreSQL 15; what 14 and 18 change by kXactVersions). The record parsing (ParseCommitRecord, ParseAbortRecord,
// ParsePrepareRecord) lives in desc_utils for the redo routines to share.
#include <fmt/compile.h>
#include <fmt/format.h>

#include <iterator>

#include "wal/describe/desc_utils.h"
#include "wal/records/xact.h"
#include "wal/rmgr_desc.h"

namespace understudy {

namespace {

// xact_desc_relations (xactdesc.c, PG15).
void desc_relations(std::string& out, const char* label, const PackedArray<RelFileNode>& xnodes,
                    const WalFormat& format) {
    if (xnodes.empty()) return;
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("; {}:"), label);
    for (std::size_t i = 0; i < xnodes.size(); ++i) {
        out += ' ';
        out += relpathperm(xnodes[i], MAIN_FORKNUM, format);
    }
}

// xact_desc_subxacts (xactdesc.c, PG15).
void desc_subxacts(std::string& out, const PackedArray<TransactionId>& subxacts) {
    if (subxacts.empty()) return;
    out += "; subxacts:";
    for (std::size_t i = 0; i < subxacts.size(); ++i)
        fmt::format_to(std::back_inserter(out), FMT_COMPILE(" {}"), subxacts[i]);
}

// xact_desc_stats (xactdesc.c, PG15; 18's 64-bit objid).
void desc_stats(std::string& out, const char* label, const XactStatsItems& stats) {
    if (stats.empty()) return;
    auto it = std::back_inserter(out);
    fmt::format_to(it, "; {}dropped stats:", label);
    for (std::size_t i = 0; i < stats.size(); ++i) {
        const XactStatsItem item = stats[i];
        fmt::format_to(it, " {}/{}/{}", item.kind, item.dboid, item.objid);
    }
}

void desc_origin(std::string& out, RepOriginId origin_id, const ParsedXactRecord& parsed) {
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("; origin: node {}, lsn "), origin_id);
    append_lsn(out, parsed.origin_lsn);
    out += ", at ";
    out += timestamptz_to_str(parsed.origin_timestamp);
}

void desc_twophase_xid(std::string& out, const ParsedXactRecord& parsed) {
    // For a prepared transaction, the xid of the original transaction.
    if (parsed.twophase_xid != InvalidTransactionId)
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("{}: "), parsed.twophase_xid);
}

void desc_if_truncated(std::string& out, const ParsedXactRecord& parsed, std::size_t have) {
    if (parsed.truncated) append_truncated(out, have);
}

// xact_desc_commit (xactdesc.c, PG15).
void desc_commit(std::string& out, const DecodedRecord& rec) {
    const XactVersion& version = row_for_version(kXactVersions, *rec.format);
    const ParsedXactRecord parsed = ParseCommitRecord(rec.xl_info, rec.main_data, *rec.format);
    if (rec.main_data.size() < MinSizeOfXactCommit)
        return append_truncated(out, rec.main_data.size(), MinSizeOfXactCommit);

    desc_twophase_xid(out, parsed);
    out += timestamptz_to_str(parsed.xact_time);
    desc_relations(out, "rels", parsed.xnodes, *rec.format);
    desc_subxacts(out, parsed.subxacts);
    desc_stats(out, "", parsed.stats);
    standby_desc_invalidations(out, parsed.msgs, parsed.dbId, parsed.tsId,
                               XactCompletionRelcacheInitFileInval(parsed.xinfo), *rec.format);
    if (version.apply_feedback_text && XactCompletionApplyFeedback(parsed.xinfo))
        out += "; apply_feedback";
    if (XactCompletionForceSyncCommit(parsed.xinfo)) out += "; sync";
    if ((parsed.xinfo & XACT_XINFO_HAS_ORIGIN) != 0) desc_origin(out, rec.record_origin, parsed);
    desc_if_truncated(out, parsed, rec.main_data.size());
}

// xact_desc_abort (xactdesc.c, PG15).
void desc_abort(std::string& out, const DecodedRecord& rec) {
    const XactVersion& version = row_for_version(kXactVersions, *rec.format);
    const ParsedXactRecord parsed = ParseAbortRecord(rec.xl_info, rec.main_data, *rec.format);
    if (rec.main_data.size() < MinSizeOfXactAbort)
        return append_truncated(out, rec.main_data.size(), MinSizeOfXactAbort);

    desc_twophase_xid(out, parsed);
    out += timestamptz_to_str(parsed.xact_time);
    desc_relations(out, "rels", parsed.xnodes, *rec.format);
    desc_subxacts(out, parsed.subxacts);
    if (version.abort_prepare_origin_text && (parsed.xinfo & XACT_XINFO_HAS_ORIGIN) != 0)
        desc_origin(out, rec.record_origin, parsed);
    desc_stats(out, "", parsed.stats);
    desc_if_truncated(out, parsed, rec.main_data.size());
}

// xact_desc_prepare (xactdesc.c, PG15).
void desc_prepare(std::string& out, const DecodedRecord& rec) {
    const XactVersion& version = row_for_version(kXactVersions, *rec.format);
    const ParsedXactRecord parsed = ParsePrepareRecord(rec.main_data, *rec.format);
    if (rec.main_data.size() < version.prepare_size)
        return append_truncated(out, rec.main_data.size(), version.prepare_size);

    fmt::format_to(std::back_inserter(out), FMT_COMPILE("gid {}: "), parsed.twophase_gid);
    out += timestamptz_to_str(parsed.xact_time);
    desc_relations(out, "rels(commit)", parsed.xnodes, *rec.format);
    desc_relations(out, "rels(abort)", parsed.abortnodes, *rec.format);
    desc_stats(out, "commit ", parsed.stats);
    desc_stats(out, "abort ", parsed.abortstats);
    desc_subxacts(out, parsed.subxacts);
    standby_desc_invalidations(out, parsed.msgs, parsed.dbId, parsed.tsId, parsed.initfileinval,
                               *rec.format);
    // The origin is shown when the record has one, as PrepareRedoAdd() decides.
    if (version.abort_prepare_origin_text && rec.record_origin != InvalidRepOriginId)
        desc_origin(out, rec.record_origin, parsed);
    desc_if_truncated(out, parsed, rec.main_data.size());
}

// XLOG_XACT_ASSIGNMENT: "xtop %u: subxacts: ..." (xact_desc_assignment, PG15).
void desc_assignment(std::string& out, std::span<const std::uint8_t> data) {
    xl_xact_assignment xlrec{};
    if (!load_record(data, xlrec, MinSizeOfXactAssignment))
        return append_truncated(out, data.size(), MinSizeOfXactAssignment);
    ByteReader reader(data);
    reader.skip(MinSizeOfXactAssignment);
    bool truncated = false;
    const auto xsub = take_array<TransactionId>(reader, xlrec.nsubxacts, truncated);

    auto it = std::back_inserter(out);
    fmt::format_to(it, "xtop {}: subxacts:", xlrec.xtop);
    for (std::size_t i = 0; i < xsub.size(); ++i) fmt::format_to(it, " {}", xsub[i]);
    if (truncated)
        append_truncated(out, data.size(),
                         MinSizeOfXactAssignment +
                             static_cast<std::size_t>(xlrec.nsubxacts) * sizeof(TransactionId));
}

// XLOG_XACT_INVALIDATIONS: xl_xact_invals, described without database or init file.
void desc_invalidations(std::string& out, std::span<const std::uint8_t> data,
                        const WalFormat& format) {
    int nmsgs = 0;
    if (!load_record(data, nmsgs, MinSizeOfXactInvals))
        return append_truncated(out, data.size(), MinSizeOfXactInvals);
    ByteReader reader(data);
    reader.skip(MinSizeOfXactInvals);
    bool truncated = false;
    const auto msgs = take_array<SharedInvalidationMessage>(reader, nmsgs, truncated);
    standby_desc_invalidations(out, msgs, 0, 0, false, format);
    if (truncated)
        append_truncated(out, data.size(),
                         MinSizeOfXactInvals +
                             static_cast<std::size_t>(nmsgs) * sizeof(SharedInvalidationMessage));
}

}  // namespace

// xact_desc (xactdesc.c, PG15).
void xact_desc(std::string& out, const DecodedRecord& rec) {
    const std::uint8_t info = rec.xl_info & XLOG_XACT_OPMASK;
    if (info == XLOG_XACT_COMMIT || info == XLOG_XACT_COMMIT_PREPARED)
        desc_commit(out, rec);
    else if (info == XLOG_XACT_ABORT || info == XLOG_XACT_ABORT_PREPARED)
        desc_abort(out, rec);
    else if (info == XLOG_XACT_PREPARE)
        desc_prepare(out, rec);
    else if (info == XLOG_XACT_ASSIGNMENT)
        desc_assignment(out, rec.main_data);
    else if (info == XLOG_XACT_INVALIDATIONS)
        desc_invalidations(out, rec.main_data, *rec.format);
}

// xact_identify (xactdesc.c, PG15).
const char* xact_identify(std::uint8_t xl_info, const WalFormat& /*format*/) {
    switch (xl_info & XLOG_XACT_OPMASK) {
        case XLOG_XACT_COMMIT: return "COMMIT";
        case XLOG_XACT_PREPARE: return "PREPARE";
        case XLOG_XACT_ABORT: return "ABORT";
        case XLOG_XACT_COMMIT_PREPARED: return "COMMIT_PREPARED";
        case XLOG_XACT_ABORT_PREPARED: return "ABORT_PREPARED";
        case XLOG_XACT_ASSIGNMENT: return "ASSIGNMENT";
        case XLOG_XACT_INVALIDATIONS: return "INVALIDATION";
        default: return nullptr;
    }
}

}  // namespace understudy
