// Shared by the tests that compare `understudy replay` with PostgreSQL's own startup process
// (replay_standby, replay_standby_index: 15; replay_standby_pgN: N): a base backup of a primary
// of version N; a workload; a PostgreSQL N recovering a copy of the backup from the same WAL
// segments to the same LSN (recovery_target_lsn, exclusive, pause), then shut down (its
// shutdown restartpoint writes every page); understudy replaying another copy of the backup to
// that LSN; every page of the chosen relations compared after masking.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/pg_cluster.h"

namespace understudy::testing::replay {

// The value of `field` in `dir`/backup_label, up to the first space.
std::string backup_label_field(const std::string& dir, const std::string& field);

// What a relation is, for the mask its pages get: "heap", "sequence", or the index access
// method's name ("btree", "hash", "gin", "gist", "spgist", "brin", "bloom").
// Returns "base/<db>/<filenode>" (or the pg_tblspc path) -> kind for every permanent relation
// with storage of every connectable database of `pg`.
std::map<std::string, std::string> relation_kinds(const PgCluster& pg);

// The rmgr whose mask routine applies to a relation of `kind` ("Heap", "Btree", ...; bloom
// pages are written with generic WAL: "Generic"); empty for a kind we do not compare.
std::string mask_rmgr_of(const std::string& kind);

// Where both recoveries ended.
struct StandbyRecovery {
    std::string pg_dir;       // PostgreSQL's recovered (and cleanly stopped) data directory
    std::string us_dir;       // understudy's
    std::string target;       // recovery_target_lsn
    std::string pg_replayed;  // pg_last_wal_replay_lsn() when PostgreSQL paused
    nlohmann::json report;    // understudy's --report
    std::map<std::string, std::string> kinds;  // relation_kinds(primary) after the workload
};

// Base backup of `pg`, a PostgreSQL `major` server, into `work`/backup (15: pg_basebackup;
// other versions: pg_backup_start/stop (14: pg_start_backup/pg_stop_backup), non-exclusive, and
// a copy of the data directory as pg_basebackup makes it, with the backup_label and
// tablespace_map the stop function returns), `workload` on the primary, CHECKPOINT, target = the
// insert LSN, more WAL past it, segments copied; PostgreSQL `major` (pg_bindir() for 15,
// pg_version_bindir(major) otherwise) recovers one copy of the backup to the target
// (recovery.signal, restore_command and the recovery_target_* settings in
// postgresql.auto.conf) and is stopped, understudy replays another (from the backup's start
// LSN, with --end target). REQUIREs both to succeed.
StandbyRecovery recover_with_both(PgCluster& pg, const TempDir& work, const std::function<void()>& workload,
                                  int major = 15);

struct PageComparison {
    std::size_t pages = 0, relations = 0, differing = 0, vm_pages = 0;
    std::map<std::string, std::size_t> pages_by_kind;  // kind -> main-fork pages compared
    std::string first;                                 // the first differences, for messages
};

// Compares the main fork of every relation of `r.kinds` whose kind is in `kinds` (and, for
// heaps, the visibility map fork) page by page after the rmgr's mask, between both directories.
PageComparison compare_relations(const StandbyRecovery& r, const std::set<std::string>& kinds);

}  // namespace understudy::testing::replay
