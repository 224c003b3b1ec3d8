// Shared by the per-version real-standby tests (replay_standby_pg14, replay_standby_pg16, and
// replay_standby_pg17 / _pg18 once those versions replay): `understudy replay` against
// PostgreSQL N's own startup process (tests/integration/replay_standby_common.h). A server of
// version N (tools/pg_versions.sh; fails, not skips, without it) with wal_level = logical; a
// non-exclusive base backup (pg_backup_start/stop, 14: pg_start_backup/pg_stop_backup, and a
// copy of the data directory); then the coverage workload (all_rmgrs.sql, coverage_extras.sql
// with a restart) and the index workloads (index_rmgrs.sql, bloom_generic.sql). PostgreSQL N
// recovers one copy of the backup to recovery_target_lsn and is shut down; understudy replays
// another copy to the same LSN.
//
// Asserts: both stopped at the same LSN; no rmgr reports unsupported records; every page of
// every heap, btree, sequence, hash, gin, gist, spgist, brin and bloom relation (main fork) and
// every visibility map page both directories have is identical after the rmgr's mask routine
// (zero differing pages); each of those kinds had pages compared, and more than 8,000 pages of
// more than 400 relations and more than 50 VM pages were (so the test cannot pass on an empty
// comparison). With 14's PRUNE made to truncate trailing unused line pointers as 15's does, the
// 14 test found the one page that differs (pg_database's, pd_lower).
#pragma once

namespace understudy::testing::replay {

void check_replay_standby_of_version(int major);

}  // namespace understudy::testing::replay
