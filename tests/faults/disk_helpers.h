// Small file systems for the disk fault tests: a size-limited tmpfs, and an ext4 image on a loop
// device whose backing file lives on its own tmpfs (so that writes to chosen blocks of the ext4
// can be made to fail: the blocks' backing pages are punched out and the tmpfs is full). Both
// are mounted under a directory of the test and unmounted (and the loop device detached) when
// the object goes away. Needs root; skip_unless_mountable() exits 77 (meson's "skipped") with
// the reason where mounting or loop devices are not available.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "common/fs.h"
#include "common/lsn.h"
#include "tests/support/files.h"
#include "tests/support/process.h"

namespace understudy::testing::disk {

namespace sfs = std::filesystem;

inline std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

// Runs a command that must succeed (mount, losetup, mkfs); fails the test with its output.
inline std::string must(const std::vector<std::string>& argv) {
    auto r = run(argv);
    std::string cmd;
    for (auto& a : argv) cmd += a + " ";
    REQUIRE_MESSAGE(r.exit_code == 0, cmd << "failed: " << r.output);
    return trim(r.output);
}

// Exits 77 (skipped) unless a tmpfs can be mounted here (root, mount(2) allowed) and, with
// `loop`, a loop device can be attached and an ext4 made (losetup, mkfs.ext4).
inline void skip_unless_mountable(bool loop) {
    TempDir probe("understudy-mount-probe");
    const std::string mnt = probe.path() + "/m";
    sfs::create_directory(mnt);
    auto m = run({"mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt});
    if (m.exit_code != 0) {
        std::fprintf(stderr, "SKIP: cannot mount a tmpfs (needs root and mount(2)): %s\n", m.output.c_str());
        std::exit(77);
    }
    std::string reason;
    if (loop) {
        const std::string img = mnt + "/img";
        auto t = run({"truncate", "-s", "2M", img});
        auto l = run({"losetup", "-f", "--show", img});
        if (t.exit_code != 0 || l.exit_code != 0) reason = "no loop device (losetup -f): " + l.output;
        else run({"losetup", "-d", trim(l.output)});
        if (reason.empty() && run({"sh", "-c", "command -v mkfs.ext4"}).exit_code != 0)
            reason = "no mkfs.ext4 (e2fsprogs)";
    }
    run({"umount", mnt});
    if (!reason.empty()) {
        std::fprintf(stderr, "SKIP: %s\n", reason.c_str());
        std::exit(77);
    }
}

// A tmpfs of `size` ("6m") mounted at `path` (created).
class Tmpfs {
public:
    Tmpfs(std::string path, const std::string& size) : path_(std::move(path)) {
        sfs::create_directories(path_);
        must({"mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700", "tmpfs", path_});
        mounted_ = true;
    }
    Tmpfs(const Tmpfs&) = delete;
    Tmpfs& operator=(const Tmpfs&) = delete;
    ~Tmpfs() {
        if (mounted_) run({"umount", "-l", path_});
    }
    const std::string& path() const { return path_; }
    void resize(const std::string& size) { must({"mount", "-o", "remount,size=" + size, path_}); }
    void remount(const std::string& mode) { must({"mount", "-o", "remount," + mode, path_}); }

private:
    std::string path_;
    bool mounted_ = false;
};

// Every complete segment in `wal` equals the server's; every .partial's first `flushed` bytes
// do. (compare_with_server also wants every .partial full size: a segment whose preallocation
// the full disk cut short is not, and is not taken as complete either.)
inline std::vector<std::string> check_received(const std::string& wal, const std::string& server_wal, XLogRecPtr flushed,
                                               std::uint32_t seg_size = 1u << 20) {
    std::vector<std::string> problems;
    for (auto& e : sfs::directory_iterator(wal)) {
        const std::string name = e.path().filename().string();
        auto parsed = parse_segment_file_name(name, seg_size);
        if (!parsed) continue;
        const std::string mine = read_file(e.path().string());
        const std::string theirs = read_file(server_wal + "/" + name.substr(0, 24));
        if (!parsed->partial) {
            if (mine != theirs) problems.push_back(name + " is complete but differs from the primary's");
            continue;
        }
        if (mine.size() > seg_size) problems.push_back(name + " is larger than a segment");
        const XLogRecPtr seg_start = segno_to_lsn(parsed->segno, seg_size);
        const std::size_t upto = flushed > seg_start ? static_cast<std::size_t>(std::min<XLogRecPtr>(flushed - seg_start, seg_size)) : 0;
        if (mine.size() < upto || mine.compare(0, upto, theirs, 0, upto) != 0)
            problems.push_back(name + ": the flushed part differs from the primary's");
    }
    return problems;
}

inline std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (auto& s : v) out += s + "\n";
    return out;
}

// Fills the file system holding `dir` with a file `dir`/filler until write() says ENOSPC;
// returns the bytes written.
inline std::uint64_t fill_up(const std::string& dir) {
    const std::string path = dir + "/filler";
    fs::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    REQUIRE(fd.valid());
    std::vector<char> block(1 << 16, 'f');
    std::uint64_t total = 0;
    for (int i = 0; i < 1 << 16; ++i) {  // 4 GB at most: a bound, not a size anyone reaches here
        ssize_t n = ::write(fd.get(), block.data(), block.size());
        if (n <= 0) break;
        total += static_cast<std::uint64_t>(n);
    }
    return total;
}

// An ext4 file system on a loop device over `image` on a tmpfs of its own, mounted at `mnt`.
// The image is allocated in full (fallocate) before mkfs, so every block of the ext4 has its
// page in the tmpfs: only blocks punched out later (punch_file_tail) need new pages, and with
// the tmpfs full their writes fail (the loop device reports an I/O error; ext4 then fails the
// fsync/fdatasync of the file that owns them). Only a request that begins in a punched page
// fails: the loop device writes a request to the image with one write, and when that write runs
// out of space after its first pages it returns a short count, which the loop device reports
// as success for the whole request (the rest is lost behind a successful fdatasync). Punch from
// where the writes will begin (a new file's first block), not from inside written data.
class LoopExt4 {
public:
    LoopExt4(const std::string& base, int image_mb, int headroom_mb) : backing_(base + "/backing", std::to_string(image_mb + headroom_mb) + "m") {
        image_ = backing_.path() + "/ext4.img";
        must({"fallocate", "-l", std::to_string(image_mb) + "M", image_});
        device_ = must({"losetup", "-f", "--show", image_});
        // 4 kB blocks, one page of the image each (mke2fs makes 1 kB blocks on a file system
        // this small): a punched block is a whole page freed, never a page only zeroed.
        must({"mkfs.ext4", "-q", "-F", "-b", "4096", "-E", "nodiscard,lazy_itable_init=0,lazy_journal_init=0", device_});
        mnt_ = base + "/mnt";
        sfs::create_directories(mnt_);
        mount();
    }
    LoopExt4(const LoopExt4&) = delete;
    LoopExt4& operator=(const LoopExt4&) = delete;
    ~LoopExt4() {
        if (mounted_) run({"umount", "-l", mnt_});
        if (!device_.empty()) run({"losetup", "-d", device_});
    }
    const std::string& mnt() const { return mnt_; }
    const std::string& device() const { return device_; }
    const Tmpfs& backing() const { return backing_; }

    void mount() {
        must({"mount", "-o", "errors=remount-ro", device_, mnt_});
        mounted_ = true;
    }
    // Unmounting drops the page cache of every file: what is read after mount() is what the
    // device holds.
    void umount() {
        must({"umount", mnt_});
        mounted_ = false;
    }
    // e2fsck -fy (after an error the kernel marked in the superblock); returns its exit code
    // (0: clean, 1: errors corrected).
    int fsck() { return run({"e2fsck", "-fy", device_}).exit_code; }

    // ext4's own emergency read-only remount (errors=remount-ro), as after a metadata error:
    // works while files are open for writing, unlike mount -o remount,ro (EBUSY).
    void trigger_fs_error() {
        const std::string knob = "/sys/fs/ext4/" + sfs::path(device_).filename().string() + "/trigger_fs_error";
        must({"sh", "-c", "echo understudy-fault-test > " + knob});
    }

    // Punches the image's pages under bytes [from, end) of `file` (a file on this ext4): they
    // read as zeros and writing them needs new tmpfs pages. Returns the bytes punched.
    std::uint64_t punch_file_tail(const std::string& file, std::uint64_t from) {
        fs::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
        REQUIRE(fd.valid());
        constexpr unsigned kMax = 64;
        std::vector<std::uint8_t> buf(sizeof(fiemap) + kMax * sizeof(fiemap_extent));
        auto* fm = reinterpret_cast<fiemap*>(buf.data());
        fm->fm_start = 0;
        fm->fm_length = FIEMAP_MAX_OFFSET;
        fm->fm_flags = FIEMAP_FLAG_SYNC;
        fm->fm_extent_count = kMax;
        REQUIRE(::ioctl(fd.get(), FS_IOC_FIEMAP, fm) == 0);
        fs::UniqueFd img(::open(image_.c_str(), O_RDWR | O_CLOEXEC));
        REQUIRE(img.valid());
        std::uint64_t punched = 0;
        for (unsigned i = 0; i < fm->fm_mapped_extents; ++i) {
            const fiemap_extent& e = fm->fm_extents[i];
            std::uint64_t lo = std::max<std::uint64_t>(e.fe_logical, from);
            const std::uint64_t hi = e.fe_logical + e.fe_length;
            if (lo >= hi) continue;
            const std::uint64_t phys = e.fe_physical + (lo - e.fe_logical);
            // A range that begins or ends inside a page of the image only zeroes that page; a
            // write there then succeeds and the fault is not where the test thinks it is.
            REQUIRE_MESSAGE((phys % 4096 == 0 && (hi - lo) % 4096 == 0),
                            "cannot punch " << file << " at " << lo << ": its blocks are not whole pages of the image");
            REQUIRE(::fallocate(img.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(phys),
                                static_cast<off_t>(hi - lo)) == 0);
            punched += hi - lo;
        }
        // The loop device caches nothing of its own, but the ext4 above has the file's pages:
        // they stay as they are (clean, holding the old zeros) until written again.
        return punched;
    }

private:
    Tmpfs backing_;
    std::string image_;
    std::string device_;
    std::string mnt_;
    bool mounted_ = false;
};

}  // namespace understudy::testing::disk
