// Shared by walinspect_pg15 ... walinspect_pg18: the coverage workload (all_rmgrs.sql +
// coverage_extras.sql, wal_compression = pglz, wal_consistency_checking = all) on that version's
// server, then pg_walinspect, that server's own rm_identify / rm_desc / block references and
// statistics, compared record by record with `understudy waldump --json` and with its --stats and
// --stats=record figures. One server run serves every check.
#pragma once

namespace understudy::testing::waldump {

// The doctest body of walinspect_pgN (15 <= major <= 18: pg_walinspect first shipped with 15).
void check_against_walinspect(int major);

}  // namespace understudy::testing::waldump
