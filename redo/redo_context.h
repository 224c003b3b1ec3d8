// The contract between the replay engine and the redo routines of every resource manager.
//
// A redo routine mirrors PostgreSQL 15's rm_redo (e.g. heap_redo in heapam.c): it receives one
// decoded record and applies it through a RedoContext, which plays the part of PostgreSQL's
// xlogutils.c (XLogReadBufferForRedo, XLogInitBufferForRedo, XLogReadBufferExtended) and gives
// access to the SLRUs, the storage manager and the replay state. The engine (redo/replayer.*)
// implements it; routines never touch files directly.
//
// Sparse start: the scratch data directory may begin empty. A page appears the first time a
// full-page image or an initialising record (XLogInitBufferForRedo) brings it; a record for a
// page not present is not guessed: read_buffer_for_redo answers BLK_NOTFOUND, the routine skips
// that block, and the engine counts it (missing_pages). Idempotence is PostgreSQL's: an image
// flagged BKPIMAGE_APPLY is restored (BLK_RESTORED); a page whose LSN is at or past the record's
// end answers BLK_DONE; otherwise BLK_NEEDS_REDO, and the routine must set the page LSN to
// rec.end_lsn (PageSetLSN) and mark it dirty after changing it.
#pragma once

#include <cstdint>

#include "common/result.h"
#include "wal/decoded_record.h"
#include "redo/storage/page_cache.h"
#include "redo/storage/slru.h"
#include "redo/storage/smgr.h"

namespace understudy {

struct ReplayState;  // redo/replay_state.h

namespace redo {

// XLogRedoAction (xlogutils.h, PG15): BLK_NEEDS_REDO (the page is read: apply the change),
// BLK_DONE (page LSN >= record end), BLK_RESTORED (a full-page image was restored: nothing more
// to do for this block), BLK_NOTFOUND (sparse start or dropped relation: skip this block).
// One definition, shared with the page cache's read_buffer_for_redo.
using XLogRedoAction = storage::XLogRedoAction;

// What a redo routine reports back for a record.
enum class RedoOutcome {
    applied,      // the record's redo ran (blocks may still have been DONE/NOTFOUND)
    unsupported,  // no redo routine exists yet for this record type: counted, nothing changed
};

class RedoContext {
public:
    virtual ~RedoContext() = default;

    // XLogReadBufferForRedoExtended (PG15) for block `block_id` of `rec`. `out` receives the
    // pinned page for BLK_NEEDS_REDO and BLK_RESTORED (and BLK_DONE); it is invalid for
    // BLK_NOTFOUND. mode RBM_ZERO_AND_LOCK / RBM_ZERO_ON_ERROR as in PostgreSQL;
    // get_cleanup_lock has no effect (single process) but is kept for parity with call sites.
    virtual Result<XLogRedoAction> read_buffer_for_redo(
        const DecodedRecord& rec, int block_id, storage::PageHandle& out,
        storage::ReadBufferMode mode = storage::ReadBufferMode::RBM_NORMAL,
        bool get_cleanup_lock = false) = 0;

    // XLogInitBufferForRedo (PG15): a zeroed page for a block the record initialises (the
    // routine then calls PageInit / _bt_pageinit ...). Extends the fork as needed.
    virtual Result<storage::PageHandle> init_buffer_for_redo(const DecodedRecord& rec, int block_id) = 0;

    // XLogReadBufferExtended (PG15) for pages a record does not reference as a block, e.g. the
    // visibility map page cleared by heap_xlog_insert (visibilitymap_clear) -- mode
    // RBM_ZERO_ON_ERROR there. Returns the cached page result (status tells missing/new).
    virtual Result<storage::CachedPage> read_buffer_extended(const RelFileNode& rnode, ForkNumber forknum,
                                                             BlockNumber blkno, storage::ReadBufferMode mode) = 0;

    virtual storage::PageCache& pages() = 0;
    virtual storage::Smgr& smgr() = 0;
    virtual storage::Clog& clog() = 0;
    virtual storage::CommitTs& commit_ts() = 0;
    virtual storage::MultiXactSlrus& multixact() = 0;
    virtual ReplayState& state() = 0;
    // Absolute path of the scratch data directory (relation map files, pg_tblspc links, ...).
    virtual const std::string& data_dir() const = 0;

    // RecoveryRestartPoint (PG15 xlogrecovery.c): xlog_redo calls this for a checkpoint record;
    // the engine performs the restartpoint (pages, SLRUs and replay state made durable) once
    // the record has been applied. The default does nothing (contexts without durability).
    virtual void request_restartpoint(XLogRecPtr checkpoint_lsn, XLogRecPtr redo_lsn) {
        (void)checkpoint_lsn;
        (void)redo_lsn;
    }
};

}  // namespace redo
}  // namespace understudy
