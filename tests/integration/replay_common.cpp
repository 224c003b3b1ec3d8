#include "tests/integration/replay_common.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/process.h"

namespace understudy::testing::replay {

namespace fsys = std::filesystem;

std::uint64_t lsn_value(const std::string& lsn) {
    auto slash = lsn.find('/');
    if (slash == std::string::npos) throw std::runtime_error("not an LSN: " + lsn);
    return (std::stoull(lsn.substr(0, slash), nullptr, 16) << 32) | std::stoull(lsn.substr(slash + 1), nullptr, 16);
}

std::string lsn_text(std::uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(v >> 32), static_cast<unsigned>(v));
    return buf;
}

std::string checkpoint_redo_lsn(const PgCluster& pg) {
    pg.sql("CHECKPOINT");
    return pg.sql("select redo_lsn from pg_control_checkpoint()");
}

void switch_and_copy_wal(const PgCluster& pg, const std::string& dest) {
    pg.sql("select pg_switch_wal()");
    pg.sql("CHECKPOINT");  // makes sure the switched segment is on disk (and fsync = off is fine)
    fsys::create_directories(dest);
    for (const auto& e : fsys::directory_iterator(pg.wal_dir())) {
        const std::string name = e.path().filename().string();
        if (!e.is_regular_file()) continue;
        const bool segment = name.size() == 24 && name.find_first_not_of("0123456789ABCDEF") == std::string::npos;
        const bool history = name.ends_with(".history");
        if (segment || history) fsys::copy_file(e.path(), dest + "/" + name, fsys::copy_options::overwrite_existing);
    }
}

waldump::ToolRun run_replay(const std::vector<std::string>& args, const std::string& dir,
                            std::chrono::seconds timeout) {
    std::vector<std::string> argv{understudy_bin(), "replay"};
    argv.insert(argv.end(), args.begin(), args.end());
    return waldump::run_tool(argv, dir + "/replay.out", timeout);
}

waldump::ToolRun run_replay_verify(const VerifyDirs& dirs, const std::string& start) {
    return run_replay({"--wal-dir", dirs.wal, "--data-dir", dirs.data, "--start", start, "--verify", "--report",
                       dirs.report},
                      dirs.work);
}

nlohmann::json read_json(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw std::runtime_error("cannot open " + path);
    return nlohmann::json::parse(f);
}

std::map<std::string, std::string> data_files(const std::string& data_dir) {
    std::map<std::string, std::string> out;
    const char* dirs[] = {"global", "base", "pg_tblspc", "pg_xact", "pg_multixact", "pg_commit_ts"};
    for (const char* d : dirs) {
        const fsys::path root = fsys::path(data_dir) / d;
        if (!fsys::exists(root)) continue;
        for (auto it = fsys::recursive_directory_iterator(root, fsys::directory_options::follow_directory_symlink);
             it != fsys::recursive_directory_iterator(); ++it) {
            if (!it->is_regular_file()) continue;
            std::ifstream f(it->path(), std::ios::binary);
            std::stringstream ss;
            ss << f.rdbuf();
            out[fsys::relative(it->path(), data_dir).string()] = ss.str();
        }
    }
    const std::string state = data_dir + "/understudy_replay_state.json";
    if (fsys::exists(state)) out["understudy_replay_state.json"] = waldump::read_file(state);
    return out;
}

std::vector<std::string> differing_files(const std::map<std::string, std::string>& a,
                                         const std::map<std::string, std::string>& b) {
    std::vector<std::string> diff;
    for (const auto& [name, content] : a) {
        auto it = b.find(name);
        if (it == b.end()) diff.push_back(name + " (only in the first)");
        else if (it->second != content) diff.push_back(name);
    }
    for (const auto& [name, content] : b)
        if (!a.contains(name)) diff.push_back(name + " (only in the second)");
    return diff;
}

}  // namespace understudy::testing::replay
