// What a standby's data directory is (sparse or full), read from its files only: the replay
// state (redo/replay_state.h) and, for a full directory, global/pg_control
// (redo/storage/control_file.h). `understudy lag --dir` shows it: the mode, the last
// restartpoint, and whether a PostgreSQL 15 server can start on DIR/data now (once the
// standby is stopped).
#pragma once

#include <string>

#include "common/lsn.h"
#include "common/result.h"

namespace understudy::standby {

struct DirectoryMode {
    bool known = false;  // a replay state exists
    bool full = false;
    XLogRecPtr apply_lsn = InvalidXLogRecPtr;
    XLogRecPtr last_restartpoint = InvalidXLogRecPtr;       // checkpoint record
    XLogRecPtr last_restartpoint_redo = InvalidXLogRecPtr;
    XLogRecPtr backup_end = InvalidXLogRecPtr;              // full: end of XLOG_BACKUP_END replayed
    // Full: pg_control's fields as pg_controldata prints them.
    XLogRecPtr control_checkpoint = InvalidXLogRecPtr;
    XLogRecPtr control_min_recovery_point = InvalidXLogRecPtr;
    std::string control_state;
    bool server_can_start = false;
    std::string reason;  // why (not)
};

// DIR is the standby's --dir (the data directory is DIR/data).
Result<DirectoryMode> read_directory_mode(const std::string& dir);
std::string format_directory_mode(const DirectoryMode& m);  // text lines
std::string directory_mode_json(const DirectoryMode& m);    // one JSON object

}  // namespace understudy::standby
