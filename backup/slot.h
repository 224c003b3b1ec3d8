// The physical replication slot a standby streams with, created on the primary before anything
// else (a base backup, the first START_REPLICATION) so that no WAL in between can be removed:
// pg_create_physical_replication_slot(name, immediately_reserve => true) (PG15 slot.c
// ReplicationSlotReserveWal sets a physical slot's restart_lsn to the redo pointer of the latest
// checkpoint, and a base backup's start is its own checkpoint's redo, later than that).
#pragma once

#include <libpq-fe.h>

#include <string>

#include "common/lsn.h"
#include "common/result.h"

namespace understudy::backup {

struct SlotState {
    bool created = false;                        // by this call
    XLogRecPtr restart_lsn = InvalidXLogRecPtr;  // after the call
};

// Over a normal (SQL) connection: reads the slot, creates it reserving WAL if it does not exist.
Result<SlotState> ensure_physical_slot(PGconn* conn, const std::string& slot);

// Before a slot or a backup: a primary with wal_level = minimal allows neither (and no
// replication connection); the error says which setting to change.
Result<void> check_wal_level(PGconn* conn);

// Drops a slot this program created (a base backup that failed after creating it).
Result<void> drop_physical_slot(PGconn* conn, const std::string& slot);

}  // namespace understudy::backup
