// File-system helpers with the durability PostgreSQL's tools use: write to a temp file, fsync it,
// rename over the target, fsync the directory.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace understudy::fs {

// Move-only owner of a file descriptor (after libcamera's UniqueFD).
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
    UniqueFd& operator=(UniqueFd&& o) noexcept {
        if (this != &o) reset(o.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    int release() {
        int f = fd_;
        fd_ = -1;
        return f;
    }
    void reset(int fd = -1);

private:
    int fd_ = -1;
};

// "strerror(errno)" as a std::string.
std::string errno_text(int err);

Result<void> fsync_dir(const std::string& dir);
Result<void> fsync_file(const std::string& path);
// Write contents to path atomically: path.tmp, fsync, rename, fsync directory.
Result<void> write_file_atomic(const std::string& path, std::string_view contents);
Result<std::string> read_file(const std::string& path);
// mkdir -p; error names the directory and the reason.
Result<void> make_dirs(const std::string& dir);

}  // namespace understudy::fs
