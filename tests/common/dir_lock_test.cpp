// common/dir_lock.h: one writer per directory; the refusal names the holder's pid; a kill -9 of
// the holder releases the lock; letting go removes the lock file.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "common/dir_lock.h"
#include "tests/support/files.h"

using understudy::DirLock;

TEST_CASE("a directory is locked by one writer; the refusal names its pid; the lock file goes with the lock") {
    understudy::testing::TempDirectory tmp("dirlock");
    const std::string dir = tmp.path + "/standby";
    auto first = DirLock::acquire(dir, "understudy standby", "--dir \"" + dir + "\"");
    REQUIRE(first);
    CHECK(std::filesystem::exists(dir + "/understudy.lock"));
    struct stat st {};
    REQUIRE(::stat((dir + "/understudy.lock").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(DirLock::holder_of(dir) == "pid " + std::to_string(::getpid()) + " (understudy standby)");
    // A second lock (another open file description, as another process has) is refused.
    auto second = DirLock::acquire(dir, "understudy receive", "--wal-dir \"" + dir + "\"");
    REQUIRE(!second);
    CHECK(second.message() == "--wal-dir \"" + dir + "\" is in use by pid " + std::to_string(::getpid()) +
                                  " (understudy standby) (lock file \"" + dir +
                                  "/understudy.lock\"); stop that process first, or give another directory");
    first->release();
    CHECK(!std::filesystem::exists(dir + "/understudy.lock"));
    CHECK(DirLock::holder_of(dir).empty());
    auto third = DirLock::acquire(dir, "understudy receive", "--wal-dir");
    CHECK(third);
}

TEST_CASE("a holder killed with -9 leaves its lock file but not its lock") {
    understudy::testing::TempDirectory tmp("dirlock");
    const std::string dir = tmp.path;
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        auto l = DirLock::acquire(dir, "understudy standby", "--dir");
        char c = l ? 'y' : 'n';
        (void)!::write(ready[1], &c, 1);
        for (int i = 0; i < 600; ++i) ::usleep(100000);  // killed long before
        ::_exit(0);
    }
    char c = 0;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    ::close(ready[0]);
    ::close(ready[1]);
    REQUIRE(c == 'y');
    auto refused = DirLock::acquire(dir, "understudy receive", "--wal-dir");
    REQUIRE(!refused);
    CHECK(refused.message().find("in use by pid " + std::to_string(child) + " (understudy standby)") != std::string::npos);
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(std::filesystem::exists(dir + "/understudy.lock"));  // left behind, stale
    CHECK(DirLock::holder_of(dir).empty());
    auto taken = DirLock::acquire(dir, "understudy receive", "--wal-dir");
    CHECK(taken);
}
