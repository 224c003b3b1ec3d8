#include "redo/storage/smgr.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "redo/storage/page_checksum.h"

namespace understudy::storage {

namespace {

namespace stdfs = std::filesystem;

std::string parent_of(const std::string& rel_path) {
    auto pos = rel_path.rfind('/');
    return pos == std::string::npos ? std::string{} : rel_path.substr(0, pos);
}

Result<void> pread_full(int fd, std::uint8_t* buf, std::size_t len, off_t off, std::size_t& got,
                        const std::string& path) {
    got = 0;
    while (got < len) {
        ssize_t n = ::pread(fd, buf + got, len - got, off + static_cast<off_t>(got));
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(fmt::format("could not read file \"{}\" at offset {}: {}", path, off,
                                          fs::errno_text(errno)));
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    return {};
}

Result<void> pwrite_full(int fd, const std::uint8_t* buf, std::size_t len, off_t off,
                         const std::string& path) {
    std::size_t done = 0;
    while (done < len) {
        ssize_t n = ::pwrite(fd, buf + done, len - done, off + static_cast<off_t>(done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(fmt::format("could not write file \"{}\" at offset {}: {} (check free space)",
                                          path, off, fs::errno_text(errno)));
        }
        done += static_cast<std::size_t>(n);
    }
    return {};
}

Result<void> copy_file_contents(const std::string& from, const std::string& to) {
    fs::UniqueFd in(::open(from.c_str(), O_RDONLY));
    if (!in.valid())
        return make_error(fmt::format("could not open file \"{}\": {}", from, fs::errno_text(errno)));
    fs::UniqueFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600));
    if (!out.valid())
        return make_error(fmt::format("could not create file \"{}\": {}", to, fs::errno_text(errno)));
    std::vector<std::uint8_t> buf(1 << 20);
    off_t off = 0;
    for (;;) {
        std::size_t got = 0;
        if (auto r = pread_full(in.get(), buf.data(), buf.size(), off, got, from); !r) return r;
        if (got == 0) break;
        if (auto r = pwrite_full(out.get(), buf.data(), got, off, to); !r) return r;
        off += static_cast<off_t>(got);
    }
    if (::fsync(out.get()) != 0)
        return make_error(fmt::format("could not fsync file \"{}\": {}", to, fs::errno_text(errno)));
    return {};
}

}  // namespace

std::size_t Smgr::SegKeyHash::operator()(const SegKey& k) const {
    std::uint64_t h = k.rnode.relNode;
    h = h * 0x9E3779B97F4A7C15ull + k.rnode.dbNode;
    h = h * 0x9E3779B97F4A7C15ull + k.rnode.spcNode;
    h = h * 0x9E3779B97F4A7C15ull + (std::uint64_t{k.segno} << 2 | k.forknum);
    return static_cast<std::size_t>(h ^ (h >> 29));
}

Smgr::Smgr(std::string data_dir, SmgrOptions opts) : data_dir_(std::move(data_dir)), opts_(opts) {
    if (opts_.max_open_files == 0) opts_.max_open_files = 1;
    if (opts_.segment_blocks == 0) opts_.segment_blocks = RELSEG_SIZE;
}

std::string Smgr::full_path(const std::string& rel_path) const { return data_dir_ + "/" + rel_path; }

bool Smgr::exists(const RelFileNode& rnode, ForkNumber forknum) const {
    // An open first segment exists: every unlink, truncation and database removal goes through
    // this Smgr, which forgets the segments it removes (forget_*). PG15's mdexists closes and
    // reopens instead, because another backend may have unlinked the file; the replayer is the
    // only writer of its data directory. Saves a stat() per page-cache miss (a full-page image
    // of a page not yet cached).
    if (open_.contains(SegKey{rnode, forknum, 0})) return true;
    struct stat st;
    return ::stat(full_path(relation_path(rnode, forknum, tsdir_)).c_str(), &st) == 0;
}

void Smgr::note_dir_changed(const std::string& rel_dir) { pending_dirs_.insert(rel_dir); }

Result<void> Smgr::ensure_database_dir(const RelFileNode& rnode) {
    const std::string dir = database_path(rnode.spcNode, rnode.dbNode, tsdir_);
    if (known_dirs_.count(dir)) return {};
    struct stat st;
    if (::stat(full_path(dir).c_str(), &st) != 0) {
        if (auto r = fs::make_dirs(full_path(dir)); !r)
            return make_error(r.message() + " (creating the database directory of relation " +
                              format_relfilenode(rnode) + ")");
        note_dir_changed(parent_of(dir));
    }
    known_dirs_.insert(dir);
    return {};
}

Result<int> Smgr::open_segment(const SegKey& key, bool create) {
    if (auto it = open_.find(key); it != open_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second);
        return it->second->fd.get();
    }
    const std::string rel = segment_path(key.rnode, key.forknum, key.segno, tsdir_);
    if (create) {
        if (auto r = ensure_database_dir(key.rnode); !r) return r.error();
    }
    int flags = O_RDWR | (create ? O_CREAT : 0);
    fs::UniqueFd fd(::open(full_path(rel).c_str(), flags, 0600));
    if (!fd.valid()) {
        if (errno == ENOENT && !create) return -1;
        return make_error(fmt::format("could not open file \"{}\": {}", full_path(rel), fs::errno_text(errno)));
    }
    if (create) {
        pending_files_.insert(rel);
        note_dir_changed(parent_of(rel));
    }
    while (lru_.size() >= opts_.max_open_files) {
        open_.erase(lru_.back().key);
        lru_.pop_back();
    }
    lru_.push_front(OpenSeg{key, std::move(fd)});
    open_[key] = lru_.begin();
    return lru_.front().fd.get();
}

void Smgr::forget_segment(const SegKey& key) {
    if (auto it = open_.find(key); it != open_.end()) {
        lru_.erase(it->second);
        open_.erase(it);
    }
}

void Smgr::forget_matching(const RelFileNode& rnode, int forknum) {
    for (auto it = lru_.begin(); it != lru_.end();) {
        if (it->key.rnode == rnode && (forknum < 0 || it->key.forknum == forknum)) {
            open_.erase(it->key);
            it = lru_.erase(it);
        } else {
            ++it;
        }
    }
}

void Smgr::forget_database(Oid spcNode, Oid dbNode) {
    for (auto it = lru_.begin(); it != lru_.end();) {
        if (it->key.rnode.spcNode == spcNode && it->key.rnode.dbNode == dbNode) {
            open_.erase(it->key);
            it = lru_.erase(it);
        } else {
            ++it;
        }
    }
}

void Smgr::close_all() {
    open_.clear();
    lru_.clear();
}

Result<long long> Smgr::segment_file_blocks(const SegKey& key) {
    struct stat st;
    if (auto it = open_.find(key); it != open_.end()) {
        if (::fstat(it->second->fd.get(), &st) != 0)
            return make_error(fmt::format("could not stat file \"{}\": {}",
                                          full_path(segment_path(key.rnode, key.forknum, key.segno, tsdir_)),
                                          fs::errno_text(errno)));
        return static_cast<long long>(st.st_size / BLCKSZ);
    }
    const std::string path = full_path(segment_path(key.rnode, key.forknum, key.segno, tsdir_));
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return -1LL;
        return make_error(fmt::format("could not stat file \"{}\": {}", path, fs::errno_text(errno)));
    }
    return static_cast<long long>(st.st_size / BLCKSZ);
}

Result<void> Smgr::create(const RelFileNode& rnode, ForkNumber forknum) {
    auto fd = open_segment(SegKey{rnode, forknum, 0}, true);
    if (!fd) return fd.error();
    return {};
}

Result<BlockNumber> Smgr::nblocks(const RelFileNode& rnode, ForkNumber forknum) {
    const BlockNumber seg_blocks = opts_.segment_blocks;
    for (BlockNumber segno = 0;; ++segno) {
        auto n = segment_file_blocks(SegKey{rnode, forknum, segno});
        if (!n) return n.error();
        if (*n < 0) return segno * seg_blocks;
        if (*n > static_cast<long long>(seg_blocks))
            return make_error(fmt::format("segment too big: \"{}\" has {} blocks, more than {} per segment",
                                          full_path(segment_path(rnode, forknum, segno, tsdir_)), *n, seg_blocks));
        if (*n < static_cast<long long>(seg_blocks)) return segno * seg_blocks + static_cast<BlockNumber>(*n);
    }
}

Result<ReadStatus> Smgr::read(const RelFileNode& rnode, ForkNumber forknum, BlockNumber blkno,
                              std::span<std::uint8_t> page) {
    if (page.size() != BLCKSZ)
        return make_error(fmt::format("read of block {} of {}: buffer is {} bytes, not {}", blkno,
                                      relation_path(rnode, forknum, tsdir_), page.size(), BLCKSZ));
    const SegKey key{rnode, forknum, blkno / opts_.segment_blocks};
    auto fd = open_segment(key, false);
    if (!fd) return fd.error();
    if (*fd < 0) {
        if (key.segno == 0 || !exists(rnode, forknum)) return ReadStatus::missing_file;
        return ReadStatus::missing_block;
    }
    std::uint8_t buf[BLCKSZ];
    std::size_t got = 0;
    const off_t off = static_cast<off_t>(blkno % opts_.segment_blocks) * BLCKSZ;
    if (auto r = pread_full(*fd, buf, BLCKSZ, off, got, full_path(segment_path(rnode, forknum, key.segno, tsdir_))); !r)
        return r.error();
    if (got < BLCKSZ) return ReadStatus::missing_block;
    std::copy(buf, buf + BLCKSZ, page.begin());
    return ReadStatus::ok;
}

Result<void> Smgr::extend_to(const RelFileNode& rnode, ForkNumber forknum, BlockNumber target) {
    if (auto r = create(rnode, forknum); !r) return r;
    auto cur = nblocks(rnode, forknum);
    if (!cur) return cur.error();
    if (target <= *cur) return {};
    const BlockNumber seg_blocks = opts_.segment_blocks;
    for (BlockNumber segno = *cur / seg_blocks; segno <= (target - 1) / seg_blocks; ++segno) {
        const SegKey key{rnode, forknum, segno};
        auto fd = open_segment(key, true);
        if (!fd) return fd.error();
        const std::string path = full_path(segment_path(rnode, forknum, segno, tsdir_));
        const BlockNumber first = segno * seg_blocks;
        const BlockNumber want = std::min(seg_blocks, target - first);
        // A partial trailing block is dropped first: mdextend overwrites it with a whole page.
        const BlockNumber have = *cur > first ? *cur - first : 0;
        if (::ftruncate(*fd, static_cast<off_t>(have) * BLCKSZ) != 0 ||
            ::ftruncate(*fd, static_cast<off_t>(want) * BLCKSZ) != 0)
            return make_error(fmt::format("could not extend file \"{}\" to {} blocks: {} (check free space)",
                                          path, want, fs::errno_text(errno)));
        pending_files_.insert(segment_path(rnode, forknum, segno, tsdir_));
    }
    return {};
}

Result<void> Smgr::write(const RelFileNode& rnode, ForkNumber forknum, BlockNumber blkno,
                         std::span<const std::uint8_t> page) {
    if (page.size() != BLCKSZ)
        return make_error(fmt::format("write of block {} of {}: buffer is {} bytes, not {}", blkno,
                                      relation_path(rnode, forknum, tsdir_), page.size(), BLCKSZ));
    const BlockNumber seg_blocks = opts_.segment_blocks;
    const SegKey key{rnode, forknum, blkno / seg_blocks};
    const BlockNumber in_seg = blkno % seg_blocks;
    auto fd = open_segment(key, false);
    if (!fd) return fd.error();
    bool need_extend = *fd < 0;
    if (!need_extend) {
        auto have = segment_file_blocks(key);
        if (!have) return have.error();
        need_extend = *have < static_cast<long long>(in_seg) || (key.segno > 0 && *have == 0);
    }
    if (need_extend) {
        if (auto r = extend_to(rnode, forknum, blkno); !r) return r;
        fd = open_segment(key, true);
        if (!fd) return fd.error();
    }
    const std::string rel = segment_path(rnode, forknum, key.segno, tsdir_);
    const std::uint8_t* bytes = page.data();
    alignas(8) std::array<std::uint8_t, BLCKSZ> with_checksum;
    if (opts_.data_checksums) {
        std::memcpy(with_checksum.data(), page.data(), BLCKSZ);
        set_page_checksum(with_checksum.data(), blkno);
        bytes = with_checksum.data();
    }
    if (auto r = pwrite_full(*fd, bytes, BLCKSZ, static_cast<off_t>(in_seg) * BLCKSZ, full_path(rel)); !r)
        return r;
    pending_files_.insert(rel);
    return {};
}

Result<void> Smgr::truncate(const RelFileNode& rnode, ForkNumber forknum, BlockNumber target) {
    auto cur = nblocks(rnode, forknum);
    if (!cur) return cur.error();
    if (target >= *cur) return {};
    const BlockNumber seg_blocks = opts_.segment_blocks;
    for (long long segno = (*cur - 1) / seg_blocks; segno >= 0; --segno) {
        const SegKey key{rnode, forknum, static_cast<BlockNumber>(segno)};
        const BlockNumber prior = key.segno * seg_blocks;
        BlockNumber keep = 0;
        if (prior > target) {
            keep = 0;
        } else if (prior + seg_blocks > target) {
            keep = target - prior;
        } else {
            break;
        }
        auto fd = open_segment(key, false);
        if (!fd) return fd.error();
        if (*fd < 0) continue;
        const std::string rel = segment_path(rnode, forknum, key.segno, tsdir_);
        if (::ftruncate(*fd, static_cast<off_t>(keep) * BLCKSZ) != 0)
            return make_error(fmt::format("could not truncate file \"{}\" to {} blocks: {}", full_path(rel),
                                          keep, fs::errno_text(errno)));
        pending_files_.insert(rel);
    }
    return {};
}

Result<void> Smgr::unlink(const RelFileNode& rnode, ForkNumber forknum) {
    forget_matching(rnode, forknum);
    for (BlockNumber segno = 0;; ++segno) {
        const std::string rel = segment_path(rnode, forknum, segno, tsdir_);
        pending_files_.erase(rel);
        if (::unlink(full_path(rel).c_str()) != 0) {
            if (errno == ENOENT) break;
            return make_error(fmt::format("could not remove file \"{}\": {}", full_path(rel), fs::errno_text(errno)));
        }
        note_dir_changed(parent_of(rel));
    }
    return {};
}

Result<void> Smgr::unlink_all_forks(const RelFileNode& rnode) {
    for (int f = 0; f <= MAX_FORKNUM; ++f)
        if (auto r = unlink(rnode, static_cast<ForkNumber>(f)); !r) return r;
    return {};
}

Result<void> Smgr::create_database_dir(Oid spcNode, Oid dbNode) {
    const std::string dir = database_path(spcNode, dbNode, tsdir_);
    if (auto r = ensure_database_dir(RelFileNode{spcNode, dbNode, 0}); !r) return r;
    const std::string rel = dir + "/PG_VERSION";
    fs::UniqueFd fd(::open(full_path(rel).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600));
    if (!fd.valid())
        return make_error(fmt::format("could not create file \"{}\": {}", full_path(rel), fs::errno_text(errno)));
    static constexpr char kVersion[] = "15\n";
    if (auto r = pwrite_full(fd.get(), reinterpret_cast<const std::uint8_t*>(kVersion), sizeof kVersion - 1, 0,
                             full_path(rel));
        !r)
        return r;
    pending_files_.insert(rel);
    note_dir_changed(dir);
    return {};
}

Result<void> Smgr::remove_database_dir(Oid spcNode, Oid dbNode) {
    forget_database(spcNode, dbNode);
    const std::string dir = database_path(spcNode, dbNode, tsdir_);
    std::error_code ec;
    stdfs::remove_all(full_path(dir), ec);
    if (ec)
        return make_error(fmt::format("could not remove database directory \"{}\": {}", full_path(dir), ec.message()));
    known_dirs_.erase(dir);
    const std::string prefix = dir + "/";
    for (auto it = pending_files_.begin(); it != pending_files_.end();)
        it = it->rfind(prefix, 0) == 0 ? pending_files_.erase(it) : std::next(it);
    for (auto it = pending_dirs_.begin(); it != pending_dirs_.end();)
        it = (*it == dir || it->rfind(prefix, 0) == 0) ? pending_dirs_.erase(it) : std::next(it);
    note_dir_changed(parent_of(dir));
    return {};
}

Result<void> Smgr::copy_database_dir(Oid src_spcNode, Oid src_dbNode, Oid dst_spcNode, Oid dst_dbNode) {
    const std::string src = database_path(src_spcNode, src_dbNode, tsdir_);
    const std::string dst = database_path(dst_spcNode, dst_dbNode, tsdir_);
    if (auto r = remove_database_dir(dst_spcNode, dst_dbNode); !r) return r;
    forget_database(src_spcNode, src_dbNode);
    // A source missing in the scratch directory (sparse start) is created empty, as
    // recovery_create_dbdir does.
    if (auto r = fs::make_dirs(full_path(src)); !r) return r;
    if (auto r = fs::make_dirs(full_path(parent_of(dst))); !r) return r;
    std::error_code ec;
    stdfs::create_directory(full_path(dst), ec);
    if (ec) return make_error(fmt::format("could not create directory \"{}\": {}", full_path(dst), ec.message()));
    for (const auto& entry : stdfs::directory_iterator(full_path(src), ec)) {
        if (!entry.is_regular_file()) continue;
        const std::string name = entry.path().filename().string();
        if (auto r = copy_file_contents(entry.path().string(), full_path(dst + "/" + name)); !r) return r;
    }
    if (ec) return make_error(fmt::format("could not read directory \"{}\": {}", full_path(src), ec.message()));
    if (auto r = fs::fsync_dir(full_path(dst)); !r) return r;
    if (auto r = fs::fsync_dir(full_path(parent_of(dst))); !r) return r;
    known_dirs_.insert(dst);
    return {};
}

Result<void> Smgr::sync() {
    if (sync_failure_) return make_error(*sync_failure_);
    const auto failed = [this](const std::string& path) {
        sync_failure_ = fmt::format("could not fsync file \"{}\": {}; not retrying (after a failed fsync the kernel "
                                    "may have dropped the data it could not write): fix the disk, then restart, "
                                    "which replays again from the last restartpoint",
                                    path, fs::errno_text(errno));
        return make_error(*sync_failure_);
    };
    // Descriptors already open first, then the rest opened for the fsync.
    for (auto& seg : lru_) {
        auto it = pending_files_.find(segment_path(seg.key.rnode, seg.key.forknum, seg.key.segno, tsdir_));
        if (it == pending_files_.end()) continue;
        if (::fsync(seg.fd.get()) != 0) return failed(full_path(*it));
        pending_files_.erase(it);
    }
    for (const auto& rel : pending_files_) {
        const std::string path = full_path(rel);
        fs::UniqueFd fd(::open(path.c_str(), O_RDONLY));
        if (!fd.valid()) {
            if (errno == ENOENT) continue;  // removed since (DROP DATABASE, unlink)
            return make_error(fmt::format("could not open file \"{}\" to fsync it: {}", path, fs::errno_text(errno)));
        }
        if (::fsync(fd.get()) != 0) return failed(path);
    }
    pending_files_.clear();
    for (const auto& rel : pending_dirs_) {
        struct stat st;
        const std::string path = full_path(rel);
        if (::stat(path.c_str(), &st) != 0) continue;
        if (auto r = fs::fsync_dir(path); !r) {
            sync_failure_ = r.message() + "; not retrying: fix the disk, then restart, which replays again from the "
                                          "last restartpoint";
            return make_error(*sync_failure_);
        }
    }
    pending_dirs_.clear();
    return {};
}

}  // namespace understudy::storage
