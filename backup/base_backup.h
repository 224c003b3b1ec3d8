// `understudy basebackup`: a base backup taken natively over the replication protocol (no
// pg_basebackup), written file by file into DIR/data.
//
// Steps (take_base_backup): the slot is created first over a SQL connection (backup/slot.h),
// then a replication connection runs IDENTIFY_SYSTEM and BASE_BACKUP (LABEL, PROGRESS,
// CHECKPOINT, MANIFEST 'yes', TABLESPACE_MAP, no WAL) in the server's syntax: PG15+ a
// parenthesised option list and one CopyOut stream whose CopyData messages start with 'n' (a new
// archive: name, tablespace path), 'd' (data of the archive or the manifest), 'p' (progress) and
// 'm' (the manifest follows); PG14 the keyword syntax and one CopyOut per archive, then one for
// the manifest (PG14/15 basebackup.c, basebackup_copy.c; pg_basebackup.c reads them the same
// way). Each archive's tar stream (backup/tar_stream.h) is written as it arrives, files 0600
// and directories 0700 (writeback started as each file closes, every file fsynced after the last
// archive, as fsync_pgdata does), its size and CRC-32C kept; the manifest is verified
// against them (backup/manifest.h: what `pg_verifybackup -n` checks) and written as
// DIR/data/backup_manifest.
//
// A backup that failed midway leaves no directory that looks complete: everything is written
// to DIR/data.partial, which is renamed to DIR/data only after the manifest verified and every
// file and directory is fsynced. A rename is atomic, so DIR/data either does not exist or is
// the whole verified backup, also after a kill -9 or power loss (a marker file would be one
// more thing every reader of DIR/data must know to look for). A failed run removes
// DIR/data.partial and the tablespace directories it created; one killed leaves
// DIR/data.partial, which the next run removes before it starts.
//
// Tablespaces: with --tablespace-mapping OLD=NEW a tablespace at OLD on the primary is written to
// NEW (empty or new) and DIR/data/pg_tblspc/OID links to it; without a mapping it is written
// inside DIR/data/pg_tblspc/OID (an in-place tablespace directory). DIR/data/tablespace_map
// keeps the mapped tablespaces' lines with their NEW paths (what a server restoring from
// backup_label reads) and is removed when no line remains; the manifest's entry for it
// describes the server's original, which was verified as received.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/lsn.h"
#include "common/result.h"

namespace understudy::backup {

struct TablespaceMapping {
    std::string old_dir;
    std::string new_dir;
};

// "OLD=NEW" as pg_basebackup's -T takes it ("\=" for an '=' in a path); both absolute.
Result<TablespaceMapping> parse_tablespace_mapping(const std::string& text);

struct BaseBackupOptions {
    std::string conninfo;
    std::optional<std::string> application_name;  // nullopt: conninfo's, else "understudy"
    std::string dir;                                // the backup goes to DIR/data
    std::string slot = "understudy";                // created before the backup; empty: none
    std::string label = "understudy base backup";
    bool fast_checkpoint = false;  // CHECKPOINT 'fast' (else 'spread', the server's default)
    // standby.signal and primary_conninfo / primary_slot_name in postgresql.auto.conf, as
    // `pg_basebackup -R` writes them (backup/recovery_conf.h).
    bool write_recovery_conf = false;
    int max_rate_kb = 0;           // MAX_RATE in kB/s (32 .. 1048576); 0: unthrottled
    std::vector<TablespaceMapping> tablespace_mappings;
    enum class Progress { automatic, terminal, plain, off };
    Progress progress = Progress::automatic;
    std::chrono::milliseconds progress_interval{5000};  // between plain progress lines
};

struct BaseBackupResult {
    int server_version_num = 0;
    std::uint64_t system_identifier = 0;
    TimeLineID timeline = 0;
    XLogRecPtr start_lsn = InvalidXLogRecPtr;  // the backup's checkpoint's redo (backup_label's START WAL LOCATION)
    XLogRecPtr end_lsn = InvalidXLogRecPtr;
    XLogRecPtr checkpoint_lsn = InvalidXLogRecPtr;  // backup_label's CHECKPOINT LOCATION
    std::uint64_t bytes = 0;                         // tar bytes received
    std::uint64_t files = 0;
    std::uint64_t tablespaces = 0;  // besides the main data directory
    double seconds = 0;
    bool slot_created = false;
    XLogRecPtr slot_restart_lsn = InvalidXLogRecPtr;
    std::string data_dir;  // DIR/data
};

// The BASE_BACKUP command for a server of `server_version_num` (PQserverVersion).
std::string base_backup_command(int server_version_num, const BaseBackupOptions& opts);

// backup_label's "START WAL LOCATION" and "CHECKPOINT LOCATION".
struct BackupLabel {
    XLogRecPtr start_lsn = InvalidXLogRecPtr;
    XLogRecPtr checkpoint_lsn = InvalidXLogRecPtr;
    TimeLineID timeline = 0;
};
Result<BackupLabel> parse_backup_label(const std::string& text);

// Takes the backup into opts.dir/data (refused if it exists). Errors name the file, the LSN
// or the option and what to do.
Result<BaseBackupResult> take_base_backup(const BaseBackupOptions& opts);

}  // namespace understudy::backup
