// Relation file paths inside a (scratch) data directory, as PostgreSQL 15 lays them out
// (src/common/relpath.c: GetDatabasePath, GetRelationPath; src/backend/storage/smgr/md.c:
// _mdfd_segpath). Paths are relative to the data directory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/wal_format.h"
#include "wal/decoded_record.h"

namespace understudy::storage {

// pg_tablespace OIDs of the two built-in tablespaces (catalog/pg_tablespace.dat).
inline constexpr Oid DEFAULTTABLESPACE_OID = 1663;
inline constexpr Oid GLOBALTABLESPACE_OID = 1664;

// src/include/catalog/catversion.h, PostgreSQL 15.
inline constexpr std::uint32_t CATALOG_VERSION_NO = 202209061;
// "PG_" PG_MAJORVERSION "_" CATALOG_VERSION_NO (src/include/common/relpath.h): PostgreSQL 15's,
// the default of the functions below.
inline constexpr std::string_view TABLESPACE_VERSION_DIRECTORY = "PG_15_202209061";

// TABLESPACE_VERSION_DIRECTORY of each major version: "PG_" PG_MAJORVERSION "_"
// CATALOG_VERSION_NO (common/relpath.h, catalog/catversion.h; fixed within a major).
struct TablespaceDirectoryVersion {
    int since_major;
    const char* tablespace_version_directory;
};
inline constexpr TablespaceDirectoryVersion kTablespaceDirectoryVersions[] = {
    {14, "PG_14_202107181"}, {15, "PG_15_202209061"}, {16, "PG_16_202307071"},
    {17, "PG_17_202406281"}, {18, "PG_18_202506291"},
};
// The row of `major` (the last row at or below it; 14's below 14).
std::string_view tablespace_version_directory(int major);

// Default build: 8 kB blocks, 1 GB segments (pg_config.h: BLCKSZ, RELSEG_SIZE).
using understudy::BLCKSZ;  // common/wal_format.h: one definition of the page size
inline constexpr BlockNumber RELSEG_SIZE = 131072;

// forkname_to_number (common/relpath.c): "main", "fsm", "vm", "init"; nullopt otherwise.
std::optional<ForkNumber> fork_from_name(std::string_view name);

// GetDatabasePath (PG15): "global", "base/<db>", "pg_tblspc/<spc>/PG_15_<cat>/<db>".
std::string database_path(Oid spcNode, Oid dbNode, std::string_view tsdir = TABLESPACE_VERSION_DIRECTORY);

// `tsdir`: the version's TABLESPACE_VERSION_DIRECTORY (tablespace_version_directory(major)).
// Directory of a tablespace's version subdirectory: "pg_tblspc/<spc>/PG_15_<cat>" (the
// tablespace's own "global"/"base" for the built-in ones).
std::string tablespace_path(Oid spcNode, std::string_view tsdir = TABLESPACE_VERSION_DIRECTORY);

// GetRelationPath for a permanent relation (relpathperm, PG15): "base/5/16384_fsm" etc.
std::string relation_path(const RelFileNode& rnode, ForkNumber forknum,
                          std::string_view tsdir = TABLESPACE_VERSION_DIRECTORY);

// _mdfd_segpath (md.c, PG15): the relation path for segment 0, "<path>.<segno>" after it.
std::string segment_path(const RelFileNode& rnode, ForkNumber forknum, BlockNumber segno,
                         std::string_view tsdir = TABLESPACE_VERSION_DIRECTORY);

// Segment holding a block and the block's index inside it (md.c: blkno / RELSEG_SIZE).
inline BlockNumber segment_of_block(BlockNumber blkno) { return blkno / RELSEG_SIZE; }
inline BlockNumber block_in_segment(BlockNumber blkno) { return blkno % RELSEG_SIZE; }

// "1663/5/16384" as pg_waldump and PostgreSQL's messages print a RelFileNode.
std::string format_relfilenode(const RelFileNode& rnode);

}  // namespace understudy::storage
