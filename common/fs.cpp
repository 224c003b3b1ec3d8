#include "common/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

namespace understudy::fs {

void UniqueFd::reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

std::string errno_text(int err) { return std::strerror(err); }

Result<void> fsync_dir(const std::string& dir) {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY));
    if (!fd.valid()) return make_error(fmt::format("could not open directory \"{}\": {}", dir, errno_text(errno)));
    if (::fsync(fd.get()) != 0)
        return make_error(fmt::format("could not fsync directory \"{}\": {}", dir, errno_text(errno)));
    return {};
}

Result<void> fsync_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY));
    if (!fd.valid()) return make_error(fmt::format("could not open file \"{}\": {}", path, errno_text(errno)));
    if (::fsync(fd.get()) != 0)
        return make_error(fmt::format("could not fsync file \"{}\": {}", path, errno_text(errno)));
    return {};
}

Result<void> write_file_atomic(const std::string& path, std::string_view contents) {
    const std::string tmp = path + ".tmp";
    {
        UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600));
        if (!fd.valid())
            return make_error(fmt::format("could not create file \"{}\": {}", tmp, errno_text(errno)));
        std::size_t done = 0;
        while (done < contents.size()) {
            ssize_t n = ::write(fd.get(), contents.data() + done, contents.size() - done);
            if (n < 0) {
                if (errno == EINTR) continue;
                return make_error(fmt::format("could not write file \"{}\": {}", tmp, errno_text(errno)));
            }
            done += static_cast<std::size_t>(n);
        }
        if (::fsync(fd.get()) != 0)
            return make_error(fmt::format("could not fsync file \"{}\": {}", tmp, errno_text(errno)));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0)
        return make_error(fmt::format("could not rename \"{}\" to \"{}\": {}", tmp, path, errno_text(errno)));
    auto parent = std::filesystem::path(path).parent_path().string();
    return fsync_dir(parent.empty() ? "." : parent);
}

Result<std::string> read_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY));
    if (!fd.valid()) return make_error(fmt::format("could not open file \"{}\": {}", path, errno_text(errno)));
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(fmt::format("could not read file \"{}\": {}", path, errno_text(errno)));
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

Result<void> make_dirs(const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return make_error(fmt::format("could not create directory \"{}\": {}", dir, ec.message()));
    return {};
}

}  // namespace understudy::fs
