#include "wal/relpath.h"

#include <fmt/format.h>

namespace understudy::storage {

std::optional<ForkNumber> fork_from_name(std::string_view name) {
    if (name == "main") return MAIN_FORKNUM;
    if (name == "fsm") return FSM_FORKNUM;
    if (name == "vm") return VISIBILITYMAP_FORKNUM;
    if (name == "init") return INIT_FORKNUM;
    return std::nullopt;
}

std::string_view tablespace_version_directory(int major) {
    const TablespaceDirectoryVersion* row = &kTablespaceDirectoryVersions[0];
    for (const auto& r : kTablespaceDirectoryVersions)
        if (major >= r.since_major) row = &r;
    return row->tablespace_version_directory;
}

std::string tablespace_path(Oid spcNode, std::string_view tsdir) {
    if (spcNode == GLOBALTABLESPACE_OID) return "global";
    if (spcNode == DEFAULTTABLESPACE_OID) return "base";
    return fmt::format("pg_tblspc/{}/{}", spcNode, tsdir);
}

std::string database_path(Oid spcNode, Oid dbNode, std::string_view tsdir) {
    if (spcNode == GLOBALTABLESPACE_OID) return "global";
    return fmt::format("{}/{}", tablespace_path(spcNode, tsdir), dbNode);
}

std::string relation_path(const RelFileNode& rnode, ForkNumber forknum, std::string_view tsdir) {
    std::string path = fmt::format("{}/{}", database_path(rnode.spcNode, rnode.dbNode, tsdir), rnode.relNode);
    if (forknum != MAIN_FORKNUM) path += fmt::format("_{}", fork_name(forknum));
    return path;
}

std::string segment_path(const RelFileNode& rnode, ForkNumber forknum, BlockNumber segno, std::string_view tsdir) {
    std::string path = relation_path(rnode, forknum, tsdir);
    if (segno > 0) path += fmt::format(".{}", segno);
    return path;
}

std::string format_relfilenode(const RelFileNode& rnode) {
    return fmt::format("{}/{}/{}", rnode.spcNode, rnode.dbNode, rnode.relNode);
}

}  // namespace understudy::storage
