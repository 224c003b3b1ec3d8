// pg_twophase state files of a full data directory, as the startup process keeps them
// (twophase.c: RecreateTwoPhaseFile, CheckPointTwoPhase, RemoveTwoPhaseFile). A prepared
// transaction lives in the replay state from its PREPARE record on; at a restartpoint, every one
// whose PREPARE ends at or before the restartpoint's redo gets its file (the record's main data,
// then its CRC-32C), because a server started on the directory replays from that redo and would
// not see the PREPARE again; COMMIT / ABORT PREPARED remove the file.
#pragma once

#include <cstdint>
#include <string>

#include "common/lsn.h"
#include "common/result.h"
#include "common/wal_format.h"
#include "redo/replay_state.h"

namespace understudy::storage {

// The name of xid's file under pg_twophase/ for `major`: "%08X" of the xid in 14-16; in 17 and
// later "%08X%08X" of the full xid, its epoch that of next_full_xid unless the xid lies after
// next_full_xid's (then the epoch before: AdjustToFullTransactionId).
std::string twophase_file_name(int major, TransactionId xid, std::uint64_t next_full_xid);

// CheckPointTwoPhase(redo_horizon): writes the file of every prepared transaction of `state`
// not yet on disk whose PREPARE ended at or before `redo_horizon` (durably: file and directory
// fsynced), and marks it on disk. Returns how many were written.
Result<int> checkpoint_two_phase(const std::string& data_dir, int major, ReplayState& state, XLogRecPtr redo_horizon);

// restoreTwoPhaseData at the start of a full run: every pg_twophase file (a base backup holds
// the files the primary's checkpoint wrote for transactions prepared before it) whose xid the
// state does not know becomes a prepared transaction on disk, so that its COMMIT / ABORT
// PREPARED removes the file. The CRC is checked; `format` is the directory's version's.
// Returns how many were added.
Result<int> load_twophase_files(const std::string& data_dir, const WalFormat& format, ReplayState& state);

// RemoveTwoPhaseFile(xid, giveWarning = false): a missing file is not an error.
Result<void> remove_twophase_file(const std::string& data_dir, int major, TransactionId xid,
                                  std::uint64_t next_full_xid);

}  // namespace understudy::storage
