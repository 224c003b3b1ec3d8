// The durable replay state of a scratch data directory: where redo stopped and the counters
// PostgreSQL's startup process keeps in shared memory and pg_control (ShmemVariableCache's
// nextXid / nextOid, MultiXactState's nextMXact / nextOffset, the last restartpoint of
// ControlFile, the oldest running xid from XLOG_RUNNING_XACTS). Written at every restartpoint,
// after the pages and SLRUs are on disk, atomically (temp file, fsync, rename, fsync directory:
// common/fs.h), so that after a crash at any moment a rerun finds either the old or the new
// state, never a torn one.
//
// Stored as JSON, LSNs in PostgreSQL's "X/X" form, in <data dir>/understudy_replay_state.json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/lsn.h"
#include "common/result.h"
#include "wal/decoded_record.h"

namespace understudy {

inline constexpr std::string_view kReplayStateFile = "understudy_replay_state.json";
inline constexpr int kReplayStateVersion = 1;

// A prepared transaction known to recovery (GlobalTransactionData as PrepareRedoAdd fills it,
// twophase.c, PG15): added by XLOG_XACT_PREPARE, removed by COMMIT/ABORT PREPARED.
struct PreparedXact {
    TransactionId xid = InvalidTransactionId;
    std::string gid;
    XLogRecPtr prepare_start_lsn = InvalidXLogRecPtr;
    XLogRecPtr prepare_end_lsn = InvalidXLogRecPtr;
    Oid database = 0;
    Oid owner = 0;
    std::int64_t prepared_at = 0;  // TimestampTz
    // The PREPARE record's main data: the 2PC state file's contents (twophase.c writes the record
    // from it, and CheckPointTwoPhase rewrites the file from the record). Kept only in a full
    // directory, where restartpoints write pg_twophase files ("data_hex" in the file).
    std::string data;
    bool on_disk = false;  // GlobalTransactionData.ondisk: its pg_twophase file is written
    friend bool operator==(const PreparedXact&, const PreparedXact&) = default;
};

// The progress of one replication origin (ReplicationState, origin.c, PG15): remote_lsn is the
// origin's LSN applied, local_lsn the end of the local record that recorded it.
struct ReplicationOriginProgress {
    RepOriginId roident = InvalidRepOriginId;
    XLogRecPtr remote_lsn = InvalidXLogRecPtr;
    XLogRecPtr local_lsn = InvalidXLogRecPtr;
    friend bool operator==(const ReplicationOriginProgress&, const ReplicationOriginProgress&) = default;
};

// Records replayed by one rmgr over every run on this data directory (not a PostgreSQL
// structure: PostgreSQL keeps no such counts). Each write of the state stores the totals read at
// the run's start plus the run's counters so far, and both describe the same records (those up
// to apply_lsn), so after a crash the records replayed again are counted once.
struct RmgrTotals {
    std::uint8_t rmgr_id = 0;
    std::uint64_t records = 0;
    std::uint64_t applied = 0;
    std::uint64_t images_checked = 0;     // wal_consistency_checking images compared (--verify)
    std::uint64_t images_mismatched = 0;
    friend bool operator==(const RmgrTotals&, const RmgrTotals&) = default;
};

struct ReplayState {
    XLogRecPtr apply_lsn = InvalidXLogRecPtr;              // end of the last applied record
    XLogRecPtr last_restartpoint_lsn = InvalidXLogRecPtr;  // checkpoint record of the last restartpoint
    XLogRecPtr last_restartpoint_redo = InvalidXLogRecPtr; // its redo pointer
    TimeLineID timeline = 0;                               // timeline of apply_lsn
    std::uint64_t next_full_xid = 0;                       // FullTransactionId: epoch << 32 | xid
    Oid next_oid = 0;
    std::uint32_t next_multixact = 0;                      // MultiXactId
    std::uint32_t next_multixact_offset = 0;               // MultiXactOffset
    TransactionId oldest_running_xid = InvalidTransactionId;
    // Appended for the Transaction / CommitTs / Standby / ReplicationOrigin redo routines. Optional
    // in the JSON file (absent: the defaults), so state files written before them still read.
    TransactionId latest_completed_xid = InvalidTransactionId;  // from XLOG_RUNNING_XACTS
    // commitTsShared->commitTsActive (commit_ts.c, PG15); nullopt: not known yet (the Transaction
    // redo then looks for pg_commit_ts segments once, as StartupCommitTs trusts pg_control).
    std::optional<bool> commit_ts_active;
    std::vector<PreparedXact> prepared_xacts;                 // TwoPhaseState in recovery
    std::vector<ReplicationOriginProgress> replication_origins;  // replication_states[]
    // The PostgreSQL major version of the WAL this directory replays (a directory replays one);
    // 0: not known yet (no record read). A state file written before the field existed is one of
    // PostgreSQL 15 (the only version replayed then).
    int pg_major_version = 0;
    std::vector<RmgrTotals> rmgr_totals;  // rmgrs with records, by rmgr_id; absent in older files
    // The directory's mode ("directory_mode": "sparse" or "full"; absent: sparse). Sparse: pages
    // appear as WAL brings them; no server can start on it (no PG_VERSION, no global/pg_control).
    // Full: restored from a base backup (every relation file there); global/pg_control is kept
    // as the startup process keeps it (redo/storage/control_file.h).
    bool full = false;
    // Full only: the base backup's start (backup_label's START WAL LOCATION, ControlFile's
    // backupStartPoint), the end of its XLOG_BACKUP_END record once replayed (backup_label is
    // then renamed backup_label.old), and the minRecoveryPoint written to pg_control.
    XLogRecPtr backup_start_lsn = InvalidXLogRecPtr;
    XLogRecPtr backup_end_lsn = InvalidXLogRecPtr;
    XLogRecPtr min_recovery_point = InvalidXLogRecPtr;
    friend bool operator==(const ReplayState&, const ReplayState&) = default;
};

// <data_dir>/understudy_replay_state.json
std::string replay_state_path(const std::string& data_dir);

// The JSON text (pretty, one field per line) and back. Parsing is strict: every field present
// with the right type, LSNs valid; errors name `source` (a file name) and the field.
std::string replay_state_to_json(const ReplayState& state);
Result<ReplayState> parse_replay_state(std::string_view text, const std::string& source);

// Durable write (atomic replace) / read. Reading a directory without a state file gives
// nullopt (a fresh start); a damaged file is an error that says to start over or fix it.
Result<void> write_replay_state(const std::string& data_dir, const ReplayState& state);
Result<std::optional<ReplayState>> read_replay_state(const std::string& data_dir);

}  // namespace understudy
