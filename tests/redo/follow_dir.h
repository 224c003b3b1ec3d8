// A one-segment WAL directory that a test grows while a following Replayer reads it (1 MB
// segments, timeline 1, segment 1 as .partial), with the replay options that follow it.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "redo/replayer.h"

namespace understudy::testing {

struct FollowDir {
    static constexpr std::uint32_t kSeg = 1u << 20;
    std::string dir;
    std::string seg_path;

    explicit FollowDir(const char* name) {
        std::string tmpl = std::string("/tmp/") + name + "-XXXXXX";
        dir = ::mkdtemp(tmpl.data());
        seg_path = dir + "/" + segment_file_name(1, 1, kSeg) + ".partial";
    }
    ~FollowDir() { std::filesystem::remove_all(dir); }

    // The segment holds the first `len` bytes of `bytes`, zeros after them.
    void write_segment(const std::vector<std::uint8_t>& bytes, std::size_t len) const {
        std::vector<std::uint8_t> file(kSeg, 0);
        std::copy_n(bytes.begin(), len, file.begin());
        std::ofstream f(seg_path, std::ios::binary | std::ios::trunc);
        f.write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
    }

    redo::ReplayOptions follow_options(XLogRecPtr start) const {
        redo::ReplayOptions o;
        o.wal_dir = dir;
        o.data_dir = dir + "/data";
        o.start = start;
        o.follow = true;
        o.poll = std::chrono::milliseconds(20);
        return o;
    }
};

// Polls `pred` for up to 5 s.
template <typename Pred>
bool wait_for(Pred pred) {
    for (int i = 0; i < 500 && !pred(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return pred();
}

}  // namespace understudy::testing
