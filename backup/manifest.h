// The backup manifest (PG15 backup_manifest.c writes it, pg_verifybackup checks it; version 2 of
// PG17+ adds System-Identifier): its own
// SHA-256 checksum, every file's path, size and checksum, and the WAL range the backup needs.
// verify_backup_files() does what `pg_verifybackup -n` does for a plain directory, against the
// sizes and CRC-32C values computed while the files were written (no second read).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/lsn.h"
#include "common/result.h"

namespace understudy::backup {

struct ManifestFile {
    std::string path;  // relative to the data directory (tablespaces: pg_tblspc/OID/...)
    std::uint64_t size = 0;
    std::string checksum_algorithm;  // "CRC32C", "NONE", ...
    std::string checksum;            // hex, as written in the manifest
};

struct ManifestWalRange {
    TimeLineID timeline = 0;
    XLogRecPtr start_lsn = InvalidXLogRecPtr;
    XLogRecPtr end_lsn = InvalidXLogRecPtr;
};

struct Manifest {
    int version = 1;
    std::uint64_t system_identifier = 0;  // version 2 (PG17+) only
    std::vector<ManifestFile> files;
    std::vector<ManifestWalRange> wal_ranges;
};

// What was written for one file: its size and CRC-32C (finished, as pg_checksum_final gives it).
struct ReceivedFile {
    std::uint64_t size = 0;
    std::uint32_t crc32c = 0;
};

// Parses the manifest and checks its Manifest-Checksum (SHA-256 of everything up to its
// penultimate newline, as pg_verifybackup's verify_manifest_checksum).
Result<Manifest> parse_manifest(std::string_view text);

// The manifest's CRC-32C text for a finished CRC: the 4 bytes in memory (little-endian) order,
// in hex (pg_checksum_final copies the uint32 as it lies in memory).
std::string crc32c_manifest_hex(std::uint32_t crc);

// Every file of the manifest was received with its size and checksum, and every received file is
// in the manifest. The error lists the first problems by path and says how many there were.
Result<void> verify_backup_files(const Manifest& m, const std::map<std::string, ReceivedFile>& received);

// The manifest's WAL range is the backup's: one range, on `timeline`, from `start` to `end`.
Result<void> verify_wal_range(const Manifest& m, TimeLineID timeline, XLogRecPtr start, XLogRecPtr end);

}  // namespace understudy::backup
