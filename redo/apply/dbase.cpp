// Redo routine of the Database resource manager: dbase_redo
// (src/backend/commands/dbcommands.c, PostgreSQL 15).
//
// CREATE_FILE_COPY: the template database's cached pages are written back first
// (FlushDatabaseBuffers), then its directory is copied file by file (copydir, not recursive),
// replacing a destination left over from an earlier replay. CREATE_WAL_LOG: the database
// directory and its PG_VERSION (CreateDirAndVersionFile); the relations arrive as WAL records.
// DROP: the database's cached pages are forgotten (DropDatabaseBuffers) and its directory removed
// in every tablespace listed.
#include <fmt/format.h>

#include "redo/apply/record_data.h"
#include "common/bytes.h"
#include "wal/records/dbase.h"
#include "wal/records/pg_types.h"
#include "redo/rmgr.h"

namespace understudy {

namespace {

using redo::RedoContext;
using redo::RedoOutcome;

// XLOG_DBASE_CREATE_FILE_COPY (dbase_redo, PG15).
Result<RedoOutcome> redo_create_file_copy(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = read_record_struct<xl_dbase_create_file_copy_rec>(rec.main_data, sizeof(xl_dbase_create_file_copy_rec));
    if (!xlrec) return redo::record_error(rec, "main data shorter than xl_dbase_create_file_copy_rec");
    // FlushDatabaseBuffers(src_db_id): the copy must see the template's latest pages.
    if (auto r = ctx.pages().flush_database(xlrec->src_db_id); !r)
        return redo::record_error(rec, r.error().message);
    if (auto r = ctx.smgr().copy_database_dir(xlrec->src_tablespace_id, xlrec->src_db_id, xlrec->tablespace_id,
                                              xlrec->db_id);
        !r)
        return redo::record_error(rec, r.error().message);
    return RedoOutcome::applied;
}

// XLOG_DBASE_CREATE_WAL_LOG (dbase_redo, PG15).
Result<RedoOutcome> redo_create_wal_log(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = read_record_struct<xl_dbase_create_wal_log_rec>(rec.main_data, sizeof(xl_dbase_create_wal_log_rec));
    if (!xlrec) return redo::record_error(rec, "main data shorter than xl_dbase_create_wal_log_rec");
    if (auto r = ctx.smgr().create_database_dir(xlrec->tablespace_id, xlrec->db_id); !r)
        return redo::record_error(rec, r.error().message);
    return RedoOutcome::applied;
}

// XLOG_DBASE_DROP (dbase_redo, PG15).
Result<RedoOutcome> redo_drop(RedoContext& ctx, const DecodedRecord& rec) {
    auto xlrec = read_record_struct<xl_dbase_drop_rec>(rec.main_data, MinSizeOfDbaseDropRec);
    if (!xlrec) return redo::record_error(rec, "main data shorter than xl_dbase_drop_rec");
    if (xlrec->ntablespaces < 0 ||
        rec.main_data.size() < MinSizeOfDbaseDropRec + static_cast<std::size_t>(xlrec->ntablespaces) * sizeof(Oid))
        return redo::record_error(rec, fmt::format("{} tablespaces announced, main data is {} bytes", xlrec->ntablespaces,
                                       rec.main_data.size()));
    // DropDatabaseBuffers(db_id); ForgetDatabaseSyncRequests / XLogDropDatabase have no
    // counterpart beyond what the storage manager forgets when it removes the directory.
    if (auto r = ctx.pages().drop_database(xlrec->db_id); !r) return redo::record_error(rec, r.error().message);
    for (int i = 0; i < xlrec->ntablespaces; ++i) {
        const Oid ts = load<Oid>(rec.main_data.data() + MinSizeOfDbaseDropRec + static_cast<std::size_t>(i) * sizeof(Oid));
        if (auto r = ctx.smgr().remove_database_dir(ts, xlrec->db_id); !r)
            return redo::record_error(rec, r.error().message);
    }
    return RedoOutcome::applied;
}

}  // namespace

// dbase_redo (dbcommands.c, PG15; PG14's has CREATE (a file copy, 0x00) and DROP at 0x10, the
// record type of an info value per version from wal/records/dbase.h).
Result<redo::RedoOutcome> dbase_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    const DbaseRecordType* type = dbase_record_type(rec.info(), *rec.format);
    if (type == nullptr) return redo::record_error(rec, fmt::format("unknown op code {:#x}", rec.info()));
    switch (type->record) {
        case DbaseRecord::CreateFileCopy: return redo_create_file_copy(ctx, rec);
        case DbaseRecord::CreateWalLog: return redo_create_wal_log(ctx, rec);
        case DbaseRecord::Drop: return redo_drop(ctx, rec);
    }
    return redo::record_error(rec, fmt::format("unknown op code {:#x}", rec.info()));
}

}  // namespace understudy
