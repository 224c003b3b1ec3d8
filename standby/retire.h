// The standby's slot lifecycle. `understudy standby` keeps a permanent physical slot on the
// primary; while the slot exists the primary keeps every WAL segment from the slot's restart_lsn
// on (without limit unless max_slot_wal_keep_size is set). DIR/primary.json records which primary
// (its conninfo without any password) and which slot a directory belongs to, so that
// `understudy retire --dir DIR` can drop that slot and then remove the directory.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"

namespace understudy::standby {

inline constexpr const char* kPrimaryFileName = "primary.json";

// `conninfo` with any password removed, as libpq keyword='value' pairs (a URI is expanded).
Result<std::string> conninfo_without_password(const std::string& conninfo);

// Writes DIR/primary.json: {"conninfo": <without password>, "slot": slot} (0600, atomically).
Result<void> save_primary_file(const std::string& dir, const std::string& conninfo, const std::string& slot);

struct SavedPrimary {
    std::string conninfo;
    std::string slot;
};
// DIR/primary.json; nullopt when the directory has none (a standby from before it existed).
Result<std::optional<SavedPrimary>> read_primary_file(const std::string& dir);

struct RetireOptions {
    std::string dir;
    std::optional<std::string> conninfo;  // nullopt: DIR/primary.json's
    std::optional<std::string> slot;      // nullopt: DIR/primary.json's, else "understudy"
    bool keep_dir = false;                // drop the slot only
};

// Locks DIR (refused while a standby, receive or replay writes it), drops the slot on the
// primary (refused while a walsender uses it: a standby elsewhere streams with it; a slot that
// is already gone is fine), then removes DIR. Nothing is removed when the slot could not be
// dropped: the error says what to do.
Result<void> retire_standby(const RetireOptions& opts);

}  // namespace understudy::standby
