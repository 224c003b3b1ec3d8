// One writer per directory (PostgreSQL's postmaster.pid interlock, done with an advisory lock):
// a writer holds an open file description lock (fcntl F_OFD_SETLK, write lock) on
// DIR/understudy.lock for as long as it runs. The kernel drops the lock when the process ends,
// however it ends (kill -9 included), so a stale lock file never keeps anyone out: only a live
// holder does. The holder writes its pid and what it is ("understudy standby") into the file, and
// the refusal names them. Readers (`understudy lag`, `waldump`) never take it. The holder removes
// the file when it lets go (as the postmaster removes postmaster.pid), so a directory a writer
// refused or finished with holds nothing of it; a taker checks, after locking, that the file it
// locked is still the one at the path (else a holder removed it meanwhile, and it tries again).
#pragma once

#include <string>
#include <sys/types.h>

#include "common/fs.h"
#include "common/result.h"

namespace understudy {

inline constexpr const char* kDirLockFileName = "understudy.lock";

class DirLock {
public:
    DirLock() = default;
    DirLock(DirLock&&) noexcept = default;
    DirLock& operator=(DirLock&& o) noexcept {
        if (this != &o) {
            release();
            fd_ = std::move(o.fd_);
            path_ = std::move(o.path_);
        }
        return *this;
    }
    DirLock(const DirLock&) = delete;
    DirLock& operator=(const DirLock&) = delete;
    ~DirLock() { release(); }
    // Removes the lock file and unlocks (what the destructor does).
    void release();
    // Creates `dir` (0700) if missing, then locks it for `holder` (e.g. "understudy standby").
    // `option` names the directory in errors ("--dir \"D\""). Refused while another process (or
    // another lock in this one) holds it: the error names its pid and what it is.
    static Result<DirLock> acquire(const std::string& dir, const std::string& holder, const std::string& option);
    // Who holds `dir`'s lock now: "pid N (understudy standby)"; empty when nobody does (the file
    // may still be there, left by a holder that ended). Never takes the lock for longer than
    // the test itself.
    static std::string holder_of(const std::string& dir);
    bool held() const { return fd_.valid(); }
    const std::string& path() const { return path_; }

private:
    fs::UniqueFd fd_;
    std::string path_;
};

}  // namespace understudy
