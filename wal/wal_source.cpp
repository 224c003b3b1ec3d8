// WAL sources: a directory of segment files, one file, a memory buffer.
#include "wal/wal_source.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

#include <fmt/format.h>

#include "common/bytes.h"
#include "common/log.h"
#include "common/wal_format.h"
#include "common/wal_format_messages.h"

namespace understudy {

namespace {

bool is_xlog_file_name(std::string_view name) {
    if (name.size() != 24) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    });
}

// Reads up to `len` bytes at `off`, retrying short reads; returns the bytes read.
Result<std::size_t> pread_full(int fd, std::uint8_t* buf, std::size_t len, off_t off,
                               const std::string& name) {
    std::size_t done = 0;
    while (done < len) {
        ssize_t n = ::pread(fd, buf + done, len - done, off + static_cast<off_t>(done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(fmt::format("could not read from file \"{}\", offset {}: {}", name,
                                          off + static_cast<off_t>(done), fs::errno_text(errno)));
        }
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    return done;
}

Result<std::uint32_t> segment_size_from_page(const std::uint8_t* page, std::size_t len,
                                             const std::string& name) {
    if (len < XLOG_BLCKSZ)
        return make_error(
            fmt::format("could not read file \"{}\": read {} of {}", name, len, XLOG_BLCKSZ));
    std::uint32_t seg = load<std::uint32_t>(page + page_layout::xlp_seg_size);
    if (!is_valid_segment_size(seg)) {
        // Worded as the pg_waldump of the page's version words it (15's for an unknown magic).
        const WalFormat* format = wal_format_for_magic(load<std::uint16_t>(page + page_layout::xlp_magic));
        const WalMessages& m = format ? wal_messages(*format) : wal_messages_for_version(0);
        return make_error(invalid_segment_size_text(m, name, static_cast<std::int32_t>(seg)));
    }
    return seg;
}

}  // namespace

// ---- DirectorySource --------------------------------------------------------------------------

DirectorySource::DirectorySource(std::string dir, TimeLineID tli, std::uint32_t seg_size)
    : dir_(std::move(dir)),
      tli_(tli),
      seg_size_(seg_size),
      history_{TimelineHistoryEntry{tli, InvalidXLogRecPtr, InvalidXLogRecPtr}} {}

DirectorySource::~DirectorySource() { unmap(); }

void DirectorySource::unmap() {
    if (map_) ::munmap(const_cast<std::uint8_t*>(map_), seg_size_);
    map_ = nullptr;
}

Result<void> DirectorySource::load_history() {
    auto history = read_timeline_history(dir_, tli_);
    if (!history) return history.error();
    history_ = std::move(*history);
    reopen_ = true;
    return {};
}

Result<bool> DirectorySource::rescan_latest_timeline(XLogRecPtr replay_lsn) {
    const TimeLineID newest = find_newest_timeline(dir_, tli_);
    if (newest == tli_ || newest == rejected_tli_) return false;
    auto history = read_timeline_history(dir_, newest);
    if (!history) return history.error();
    const TimelineHistoryEntry* current = find_timeline(tli_, *history);
    if (current == nullptr || current->end < replay_lsn) {
        rejected_tli_ = newest;
        if (current == nullptr)
            log::warning("new timeline {} (\"{}/{}\") is not a child of timeline {}; staying on timeline {}",
                         newest, dir_, history_file_name(newest), tli_, tli_);
        else
            log::warning("new timeline {} forked off timeline {} at {}, before the current recovery point {}; "
                         "staying on timeline {}",
                         newest, tli_, format_lsn(current->end), format_lsn(replay_lsn), tli_);
        return false;
    }
    log::info("new target timeline is {} (timeline {} ended at {})", newest, tli_, format_lsn(current->end));
    tli_ = newest;
    history_ = std::move(*history);
    reopen_ = true;
    return true;
}

std::vector<DirectorySource::Candidate> DirectorySource::candidates(XLogSegNo segno) const {
    std::vector<Candidate> out;
    const XLogRecPtr seg_start = segno_to_lsn(segno, seg_size_);
    for (const TimelineHistoryEntry& e : history_) {
        if (e.tli < cur_file_tli_) break;  // never back to an older timeline while reading forward
        // A timeline begun after this segment does not have it.
        if (e.begin != InvalidXLogRecPtr && lsn_to_segno(e.begin, seg_size_) > segno) continue;
        // Nor does one that ended before it (newer timelines hold it, when their files exist).
        if (e.end != InvalidXLogRecPtr && e.end <= seg_start) continue;
        const bool ends_here = e.end != InvalidXLogRecPtr && lsn_to_segno(e.end, seg_size_) == segno;
        out.push_back({e.tli, ends_here ? segment_offset(e.end, seg_size_) : seg_size_});
    }
    return out;
}

TimeLineID DirectorySource::timeline_for(XLogSegNo segno) const {
    const auto c = candidates(segno);
    return c.empty() ? tli_ : c.front().tli;
}

Result<bool> DirectorySource::open_segment(XLogSegNo segno) {
    // Reading forward keeps curFileTLI; any other jump starts the choice afresh.
    if (!last_segno_ || (segno != *last_segno_ && segno != *last_segno_ + 1)) cur_file_tli_ = 0;
    last_segno_ = segno;
    unmap();
    fd_.reset();
    segno_.reset();
    len_ = 0;
    newer_missing_ = false;
    reopen_ = false;
    for (const Candidate& c : candidates(segno)) {
        std::string base = segment_file_name(c.tli, segno, seg_size_);
        for (const std::string& name : {base, base + ".partial"}) {
            int fd = ::open((dir_ + "/" + name).c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                if (errno == ENOENT) continue;
                return make_error(fmt::format("could not open file \"{}/{}\": {}", dir_, name,
                                              fs::errno_text(errno)));
            }
            fd_.reset(fd);
            segno_ = segno;
            seg_tli_ = c.tli;
            cur_file_tli_ = c.tli;
            seg_usable_ = c.usable;
            seg_name_ = name;
            struct stat st;
            if (::fstat(fd, &st) == 0 && st.st_size >= static_cast<off_t>(seg_size_)) {
                // Shared, read-only: later writes to the file stay visible (follow mode).
                void* m = ::mmap(nullptr, seg_size_, PROT_READ, MAP_SHARED, fd, 0);
                if (m != MAP_FAILED) {
                    ::madvise(m, seg_size_, MADV_SEQUENTIAL);
                    map_ = static_cast<const std::uint8_t*>(m);
                    len_ = seg_size_;
                    return true;
                }
            }
            ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
            // Uninitialised on purpose: only the pages read into are ever touched.
            if (!buf_) buf_.reset(new std::uint8_t[seg_size_]);
            return true;
        }
        newer_missing_ = true;
    }
    return false;
}

bool DirectorySource::newer_file_exists() const {
    for (const Candidate& c : candidates(*segno_)) {
        if (c.tli == seg_tli_) return false;
        const std::string base = dir_ + "/" + segment_file_name(c.tli, *segno_, seg_size_);
        struct stat st;
        if (::stat(base.c_str(), &st) == 0 || ::stat((base + ".partial").c_str(), &st) == 0) return true;
    }
    return false;
}

Result<void> DirectorySource::read_range(std::uint32_t from, std::uint32_t to) {
    from = std::min(from, len_);
    std::uint64_t end = (std::uint64_t{to} + kChunk - 1) / kChunk * kChunk;
    end = std::min<std::uint64_t>(end, seg_size_);
    if (end <= from) return {};
    auto n = pread_full(fd_.get(), buf_.get() + from, static_cast<std::size_t>(end - from),
                        static_cast<off_t>(from), seg_name_);
    if (!n) return n.error();
    len_ = from + static_cast<std::uint32_t>(*n);
    return {};
}

Result<std::optional<SegmentData>> DirectorySource::segment(XLogSegNo segno, std::uint32_t want_end,
                                                            std::uint32_t reread_from) {
    want_end = std::min(want_end, seg_size_);
    // A re-read of a segment opened on an older timeline: the newer one's file may exist now.
    const bool retry_newer = segno_ && *segno_ == segno && reread_from < seg_size_ && newer_missing_ &&
                             newer_file_exists();
    if (!segno_ || *segno_ != segno || reopen_ || retry_newer) {
        auto opened = open_segment(segno);
        if (!opened) return opened.error();
        if (!*opened) return std::optional<SegmentData>{};
        reread_from = seg_size_;
    }
    if (map_)
        return std::optional<SegmentData>{SegmentData{
            std::span<const std::uint8_t>(map_, seg_usable_), seg_tli_, seg_name_}};
    if (reread_from < len_) {
        // Growing or rewritten file (follow mode): read again from there.
        // Only up to what is wanted: a follower re-reads after every flush of the receiver.
        if (auto r = read_range(reread_from, want_end); !r) return r.error();
    } else if (len_ < want_end) {
        if (auto r = read_range(len_, want_end); !r) return r.error();
    }
    return std::optional<SegmentData>{SegmentData{
        std::span<const std::uint8_t>(buf_.get(), std::min(len_, seg_usable_)), seg_tli_, seg_name_}};
}

// ---- MemorySource -----------------------------------------------------------------------------

MemorySource::MemorySource(std::span<const std::uint8_t> bytes, XLogRecPtr start,
                           std::uint32_t seg_size, TimeLineID tli)
    : bytes_(bytes), start_(start), seg_size_(seg_size), tli_(tli) {}

Result<std::optional<SegmentData>> MemorySource::segment(XLogSegNo segno, std::uint32_t,
                                                         std::uint32_t) {
    XLogRecPtr seg_start = segno_to_lsn(segno, seg_size_);
    if (seg_start < start_ || seg_start - start_ >= bytes_.size())
        return std::optional<SegmentData>{};
    std::size_t off = static_cast<std::size_t>(seg_start - start_);
    std::size_t len = std::min<std::size_t>(seg_size_, bytes_.size() - off);
    return std::optional<SegmentData>{SegmentData{
        bytes_.subspan(off, len), tli_, fmt::format("memory segment {}", segno)}};
}

// ---- FileSource -------------------------------------------------------------------------------

Result<FileSource> FileSource::open(const std::string& path) {
    auto text = fs::read_file(path);
    if (!text) return text.error();
    FileSource src;
    src.path_ = path;
    src.bytes_.assign(text->begin(), text->end());
    std::string base = path.substr(path.find_last_of('/') == std::string::npos
                                       ? 0
                                       : path.find_last_of('/') + 1);
    auto seg = segment_size_from_page(src.bytes_.data(), src.bytes_.size(), base);
    if (!seg) return seg.error();
    src.seg_size_ = *seg;
    if (auto parsed = parse_segment_file_name(base, src.seg_size_)) {
        src.segno_ = parsed->segno;
        src.tli_ = parsed->tli;
    } else {
        XLogRecPtr pageaddr = load<std::uint64_t>(src.bytes_.data() + page_layout::xlp_pageaddr);
        src.segno_ = lsn_to_segno(pageaddr, src.seg_size_);
        src.tli_ = load<std::uint32_t>(src.bytes_.data() + page_layout::xlp_tli);
    }
    if (src.bytes_.size() > src.seg_size_) src.bytes_.resize(src.seg_size_);
    return src;
}

Result<std::optional<SegmentData>> FileSource::segment(XLogSegNo segno, std::uint32_t,
                                                       std::uint32_t) {
    if (segno != segno_) return std::optional<SegmentData>{};
    return std::optional<SegmentData>{SegmentData{bytes_, tli_, path_}};
}

// ---- search_directory -------------------------------------------------------------------------

Result<std::optional<std::uint32_t>> detect_segment_size(const std::string& dir,
                                                         const std::string& fname,
                                                         const WalFormat** page_format) {
    std::string name = fname;
    if (name.empty()) {
        DIR* d = ::opendir(dir.c_str());
        if (!d) return std::optional<std::uint32_t>{};
        std::string partial;
        while (dirent* e = ::readdir(d)) {
            std::string_view n = e->d_name;
            if (is_xlog_file_name(n)) {
                name = n;
                break;
            }
            if (partial.empty() && n.size() == 32 && n.ends_with(".partial") &&
                is_xlog_file_name(n.substr(0, 24)))
                partial = n;
        }
        ::closedir(d);
        if (name.empty()) name = partial;
        if (name.empty()) return std::optional<std::uint32_t>{};
    }
    int fd = ::open((dir + "/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return std::optional<std::uint32_t>{};
        return make_error(fmt::format("could not open file \"{}\": {}", name, fs::errno_text(errno)));
    }
    fs::UniqueFd guard(fd);
    std::vector<std::uint8_t> page(XLOG_BLCKSZ);
    auto n = pread_full(fd, page.data(), page.size(), 0, name);
    if (!n) return n.error();
    if (page_format != nullptr && *n >= sizeof(std::uint16_t))
        *page_format = wal_format_for_magic(load<std::uint16_t>(page.data() + page_layout::xlp_magic));
    auto seg = segment_size_from_page(page.data(), *n, name);
    if (!seg) return seg.error();
    return std::optional<std::uint32_t>{*seg};
}

}  // namespace understudy
