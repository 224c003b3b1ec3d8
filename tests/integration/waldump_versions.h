// Shared by the per-version waldump tests (waldump_pg14 ... waldump_pg18): the fixtures of
// tests/fixtures/wal/pgN/ (tools/make_version_fixtures.sh: a few 1 MB segments of that version's
// coverage workload, and what that version's pg_waldump printed over them), their record type
// lists, and `understudy waldump` checked against them.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace understudy::testing::waldump {

// One recorded pg_waldump run of tests/fixtures/wal/pgN/cases.tsv.
struct FixtureCase {
    std::string name;               // expected/<name>.out.zst, expected/<name>.err
    int exit_code = 0;              // pg_waldump's exit status
    std::vector<std::string> args;  // "@WAL@" stands for the unpacked wal/ directory
};

// tests/fixtures/wal/pgN.
std::string version_fixture_dir(int major);
std::vector<FixtureCase> read_fixture_cases(const std::string& fixture_dir);

// Decompresses every <name>.zst of `src_dir` into `dst_dir`/<name> (made if missing).
void unpack_zst_dir(const std::string& src_dir, const std::string& dst_dir);
// The contents of one zstd-compressed file.
std::string read_zst_file(const std::string& path);

// The record types of tests/fixtures/wal/pgN/record_types.txt ("Rmgr/TYPE").
std::set<std::string> version_record_types(int major);
// Those tests/workloads/coverage_unreachable.txt lists for `major` (no workload writes them).
std::set<std::string> unreachable_record_types(int major);
// "Rmgr/TYPE" names with a non-zero count in `pg_waldump --stats=record` output.
std::set<std::string> record_types_in_stats(const std::string& stats_record_output);

// The doctest body of waldump_pgN: unpacks pgN's fixture, runs `understudy waldump` with each
// case's arguments and checks stdout line for line, stderr (program name normalised) and the exit
// status against pg_waldump's; checks that every text case's records come out as one JSON
// object per line with --json; and that the fixture holds every record type of the version but
// the unreachable ones.
void check_version_fixture(int major);

// The reader-level corruption trials of tests/fixtures/wal/pgN/corruption.tsv: flips the listed
// bytes of one fixture segment (a record's CRC, xl_prev, rmid, length, a page header's magic,
// info bits, timeline, pageaddr, contrecord flag and length, the segment size, and seeded random
// flips) and checks that `understudy waldump` ends as that version's pg_waldump did: same exit
// status, same stderr (program name normalised), same stdout (line count and FNV-1a 64 hash).
void check_version_corruption(int major);

// A description that the pg_waldump a fixture was made with prints otherwise than the same
// major's server (whose pg_walinspect walinspect_pgN compares understudy with, record by record):
// an older minor release's text, or an artifact of how that pg_waldump was built. Issue #12:
// follow the server; so understudy prints the server's text, and the fixture test rewrites
// `part` in understudy's lines of `record` to `replacement` before comparing them with
// pg_waldump's.
struct KnownReferenceDifference {
    int major;
    const char* record;       // text of the lines concerned, e.g. "desc: PREPARE "
    const char* part;         // ECMAScript regex of what the server prints
    const char* replacement;  // what that pg_waldump prints instead ("" when nothing)
    const char* why;
};
// The list (every entry checked against the server: see the .cpp).
const std::vector<KnownReferenceDifference>& known_reference_differences();
// `text` (understudy waldump's stdout for PostgreSQL `major` WAL) with every known reference
// difference of that major rewritten as that pg_waldump prints it; `changed` counts the lines
// it changed.
std::string as_reference_prints(int major, const std::string& text, std::size_t& changed);

// FNV-1a 64 of `bytes` as 16 hex digits (tools/lib/version_fixture.py computes the same).
std::string fnv1a64_hex(const std::string& bytes);

}  // namespace understudy::testing::waldump
