// What the standby asks the primary over a normal (non-replication) connection before it
// starts: the system identifier and timeline (pg_control_system(), pg_control_checkpoint()),
// the latest checkpoint's redo point (where an empty standby starts, sparse), and its physical
// replication slot (created reserving WAL: PG15 slot.c ReplicationSlotReserveWal sets a physical
// slot's restart_lsn to the redo pointer, so the segments from the start point on are kept), and
// its clock (for the clock skew estimate).
#pragma once

#include <cstdint>
#include <string>

#include "common/lsn.h"
#include "common/result.h"

namespace understudy::standby {

struct PrimaryInfo {
    int server_version_num = 0;  // PQserverVersion: 150004 for 15.4
    std::uint64_t system_identifier = 0;
    TimeLineID timeline = 0;
    XLogRecPtr redo_lsn = InvalidXLogRecPtr;          // pg_control_checkpoint().redo_lsn
    XLogRecPtr slot_restart_lsn = InvalidXLogRecPtr;  // of the (possibly just created) slot
    bool slot_created = false;
    XLogRecPtr current_lsn = InvalidXLogRecPtr;  // pg_current_wal_lsn() after the slot was read
    std::string max_slot_wal_keep_size;          // the setting's text ("-1": unlimited)
    // The primary's clock read by a query (clock_timestamp()) between two readings of ours, the
    // tightest of three: a round trip for the clock skew estimate (standby/clock_skew.h).
    // PostgreSQL TimestampTz microseconds; all 0 if the reading failed.
    std::int64_t clock_sent = 0, clock_primary = 0, clock_received = 0;
};

// Connects with `conninfo` (any libpq conninfo/URI), reads the above and creates `slot` if it
// does not exist. A primary of a major version replay does not apply is an error (naming its
// version and `understudy receive` instead), found before anything is created on it; so is, with
// `full_directory` (`--base-backup`), one whose pg_control a full directory cannot keep
// (storage::control_file_kept_for_major: none of 14 to 18).
Result<PrimaryInfo> query_primary(const std::string& conninfo, const std::string& slot, bool full_directory = false);

}  // namespace understudy::standby
