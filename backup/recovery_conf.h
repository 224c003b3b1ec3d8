// What `pg_basebackup -R` writes into a backup (PG15 fe_utils/recovery_gen.c
// GenerateRecoveryConfig, WriteRecoveryConfig): an empty standby.signal, and appended to
// postgresql.auto.conf `primary_conninfo = '...'` (every non-empty connection option of the
// replication connection but replication, dbname and fallback_application_name, each value quoted
// as appendConnStrVal does, the whole escaped for the configuration file) and
// `primary_slot_name = '...'`. A password is written only when the user's conninfo had one
// (libpq also reports one found in .pgpass, which stays there).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace understudy::backup {

// The lines appended to postgresql.auto.conf. `options`: keyword/value pairs (PQconninfo's).
std::string recovery_config_text(const std::vector<std::pair<std::string, std::string>>& options,
                                 bool keep_password, const std::string& slot);

// Appends the lines to DATA/postgresql.auto.conf and creates DATA/standby.signal, both fsynced.
Result<void> write_recovery_config(const std::string& data_dir, const std::string& text);

}  // namespace understudy::backup
