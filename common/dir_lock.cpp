#include "common/dir_lock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

namespace understudy {

namespace {

// A write lock on the whole file through this open file description; false with errno set.
bool try_lock(int fd) {
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 0;
    return ::fcntl(fd, F_OFD_SETLK, &fl) == 0;
}

// "pid N (what)" from the lock file's text "N\nwhat\n"; the raw text when it is not that.
std::string describe_holder(const std::string& text) {
    const std::size_t nl = text.find('\n');
    const std::string pid = text.substr(0, nl);
    std::string what = nl == std::string::npos ? "" : text.substr(nl + 1);
    while (!what.empty() && what.back() == '\n') what.pop_back();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) return "another process";
    return what.empty() ? fmt::format("pid {}", pid) : fmt::format("pid {} ({})", pid, what);
}

}  // namespace

Result<DirLock> DirLock::acquire(const std::string& dir, const std::string& holder, const std::string& option) {
    if (auto r = fs::make_dirs(dir); !r)
        return make_error(fmt::format("{}: {}; give a directory you can create and write", option, r.message()));
    const std::string path = dir + "/" + kDirLockFileName;
    fs::UniqueFd fd;
    // A holder that lets go removes the file: the one locked must still be the one at the path.
    for (int attempt = 0;; ++attempt) {
        fd = fs::UniqueFd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        if (!fd.valid())
            return make_error(fmt::format("{} is not writable: could not create lock file \"{}\": {}; fix its "
                                          "permissions or give another directory",
                                          option, path, fs::errno_text(errno)));
        if (!try_lock(fd.get())) {
            const int err = errno;
            if (err != EAGAIN && err != EACCES)
                return make_error(fmt::format("{}: could not lock \"{}\": {}", option, path, fs::errno_text(err)));
            auto text = fs::read_file(path);
            return make_error(fmt::format("{} is in use by {} (lock file \"{}\"); stop that process first, or give "
                                          "another directory",
                                          option, describe_holder(text ? *text : ""), path));
        }
        struct stat locked {}, named {};
        if (::fstat(fd.get(), &locked) == 0 && ::stat(path.c_str(), &named) == 0 && locked.st_ino == named.st_ino &&
            locked.st_dev == named.st_dev)
            break;
        if (attempt == 10)
            return make_error(fmt::format("{}: lock file \"{}\" keeps being replaced; is another process starting on "
                                          "it?",
                                          option, path));
    }
    DirLock lock;
    lock.path_ = path;
    lock.fd_ = std::move(fd);
    const std::string content = fmt::format("{}\n{}\n", ::getpid(), holder);
    if (::ftruncate(lock.fd_.get(), 0) != 0 ||
        ::pwrite(lock.fd_.get(), content.data(), content.size(), 0) != static_cast<ssize_t>(content.size()))
        return make_error(fmt::format("{}: could not write lock file \"{}\": {}", option, lock.path_,
                                      fs::errno_text(errno)));
    return lock;
}

void DirLock::release() {
    if (!fd_.valid()) return;
    ::unlink(path_.c_str());  // still locked: nobody else holds this file now
    fd_.reset();
}

std::string DirLock::holder_of(const std::string& dir) {
    const std::string path = dir + "/" + kDirLockFileName;
    fs::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return "";
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (::fcntl(fd.get(), F_OFD_GETLK, &fl) != 0 || fl.l_type == F_UNLCK) return "";
    auto text = fs::read_file(path);
    return describe_holder(text ? *text : "");
}

}  // namespace understudy
