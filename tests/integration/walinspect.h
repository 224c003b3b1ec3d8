// Shared by walinspect_pg15 ... walinspect_pg18: that version's live server and its pg_walinspect
// (the server's own rm_identify, rm_desc, block references and statistics) over the committed
// coverage WAL of tests/fixtures/wal/pgN/ (every record type the version's coverage workload
// writes), compared record by record with `understudy waldump --json`, and range by range with
// its --stats and --stats=record figures. The fixture's segments are put in the pg_wal of a
// fresh server whose WAL has been switched past them, so no workload runs in the test.
#pragma once

namespace understudy::testing::waldump {

// The doctest body of walinspect_pgN (15 <= major <= 18: pg_walinspect first shipped with 15).
void check_against_walinspect(int major);

}  // namespace understudy::testing::waldump
