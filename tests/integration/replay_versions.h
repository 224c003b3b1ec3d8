// Shared by the per-version replay tests (replay_pg14, replay_pg16, replay_pg17, replay_pg18): `understudy
// replay --verify` of PostgreSQL N WAL from a sparse start. A server of that version (from
// tools/pg_versions.sh; fails, not skips, without it) with wal_consistency_checking = all and
// wal_compression = pglz runs, after a checkpoint, the coverage workload (all_rmgrs.sql then
// coverage_extras.sql, as tools/waldump_diff.sh --version N runs it); its WAL is replayed into an
// empty directory from that checkpoint's redo LSN. The cluster keeps initdb's default for data
// checksums (off up to 17, on from 18), which is checked.
//
// Asserts: every page image the server attached for consistency checking equals, after masking,
// the page we rebuilt (zero mismatches); no rmgr reports unsupported records; the report accounts
// for every record; the WAL holds every record type of N but those
// tests/workloads/coverage_unreachable.txt lists (so each was applied: none is unsupported); the
// replay state records version N; and a directory of another version (its PG_VERSION) given this
// WAL is refused before any record is applied, naming both versions.
#pragma once

namespace understudy::testing::replay {

void check_replay_verify_of_version(int major);

}  // namespace understudy::testing::replay
