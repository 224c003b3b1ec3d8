// Redo routine of the Tablespace resource manager: tblspc_redo
// (src/backend/commands/tablespace.c, PostgreSQL 15: create_tablespace_directories,
// destroy_tablespace_directories).
//
// The record names the primary's tablespace location; a standby replaying into a scratch data
// directory must never write there. The tablespace is created the way PostgreSQL creates an
// in-place tablespace (allow_in_place_tablespaces): pg_tblspc/<oid> is a directory inside the
// data directory, holding the version directory PG_15_<catversion>, where the storage manager
// puts the tablespace's databases.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "redo/apply/record_data.h"
#include "common/fs.h"
#include "common/log.h"
#include "wal/describe/desc_utils.h"
#include "wal/records/pg_types.h"
#include "wal/records/tblspc.h"
#include "redo/rmgr.h"
#include "wal/relpath.h"

namespace understudy {

namespace {

namespace stdfs = std::filesystem;

std::string link_location(const std::string& data_dir, Oid ts_id) {
    return fmt::format("{}/pg_tblspc/{}", data_dir, ts_id);
}

// create_tablespace_directories(location, tablespaceoid) (PG15), in-place form: pg_tblspc/<oid>
// and its version directory; both may exist already during redo.
Result<void> create_tablespace_directories(const std::string& data_dir, Oid ts_id, std::string_view tsdir) {
    const std::string linkloc = link_location(data_dir, ts_id);
    // A symbolic link left by a real standby setup (or a copied data directory) is kept: it
    // points where this data directory's tablespace lives.
    return fs::make_dirs(fmt::format("{}/{}", linkloc, tsdir));
}

// destroy_tablespace_directories(tablespaceoid, redo=true) (PG15): the (empty) database
// directories of the version directory, the version directory, then pg_tblspc/<oid>. A
// database directory that is not empty stops it, as rmdir() fails in PostgreSQL; returns false.
Result<bool> destroy_tablespace_directories(const std::string& data_dir, Oid ts_id, std::string_view tsdir) {
    const std::string linkloc = link_location(data_dir, ts_id);
    const std::string versiondir = fmt::format("{}/{}", linkloc, tsdir);
    std::error_code ec;
    if (stdfs::is_directory(versiondir, ec)) {
        for (const auto& entry : stdfs::directory_iterator(versiondir, ec)) {
            if (!entry.is_directory()) continue;
            if (::rmdir(entry.path().c_str()) != 0) {
                if (errno == ENOENT) continue;
                log::warning("could not remove directory \"{}\": {}", entry.path().string(), fs::errno_text(errno));
                return false;
            }
        }
        if (::rmdir(versiondir.c_str()) != 0 && errno != ENOENT) {
            log::warning("could not remove directory \"{}\": {}", versiondir, fs::errno_text(errno));
            return false;
        }
    }
    struct stat st;
    if (::lstat(linkloc.c_str(), &st) != 0) return true;  // already gone (redo)
    const int rc = S_ISDIR(st.st_mode) ? ::rmdir(linkloc.c_str()) : ::unlink(linkloc.c_str());
    if (rc != 0 && errno != ENOENT) {
        log::warning("could not remove \"{}\": {}", linkloc, fs::errno_text(errno));
        return false;
    }
    if (auto r = fs::fsync_dir(data_dir + "/pg_tblspc"); !r) return r.error();
    return true;
}

}  // namespace

// tblspc_redo (tablespace.c, PG15).
Result<redo::RedoOutcome> tblspc_redo(redo::RedoContext& ctx, const DecodedRecord& rec) {
    switch (rec.info()) {
        case XLOG_TBLSPC_CREATE: {
            auto xlrec = read_record_struct<xl_tblspc_create_rec>(rec.main_data, MinSizeOfTblspcCreateRec);
            if (!xlrec) return redo::record_error(rec, "main data shorter than xl_tblspc_create_rec");
            const std::string location = c_string(rec.main_data.subspan(MinSizeOfTblspcCreateRec));
            log::debug("tablespace {} (primary location \"{}\") created in place as pg_tblspc/{}", xlrec->ts_id,
                       location, xlrec->ts_id);
            if (auto r = create_tablespace_directories(ctx.data_dir(), xlrec->ts_id, ctx.smgr().tablespace_version_directory()); !r)
                return redo::record_error(rec, r.error().message);
            return redo::RedoOutcome::applied;
        }
        case XLOG_TBLSPC_DROP: {
            auto xlrec = read_record_struct<xl_tblspc_drop_rec>(rec.main_data, sizeof(xl_tblspc_drop_rec));
            if (!xlrec) return redo::record_error(rec, "main data shorter than xl_tblspc_drop_rec");
            auto done = destroy_tablespace_directories(ctx.data_dir(), xlrec->ts_id, ctx.smgr().tablespace_version_directory());
            if (!done) return redo::record_error(rec, done.error().message);
            if (!*done)
                log::info("directories for tablespace {} could not be removed; you can remove the directories "
                          "manually if necessary",
                          xlrec->ts_id);
            return redo::RedoOutcome::applied;
        }
        default:
            return redo::record_error(rec, fmt::format("unknown op code {}", rec.info()));
    }
}

}  // namespace understudy
