// WAL sources: a directory of segment files, one file, a memory buffer.
#include "redo/wal_source.h"

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
#include "common/wal_format.h"

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
    if (!is_valid_segment_size(seg))
        return make_error(fmt::format(
            "WAL segment size must be a power of two between 1 MB and 1 GB, but the WAL file "
            "\"{}\" header specifies {} byte{}",
            name, static_cast<std::int32_t>(seg), seg == 1 ? "" : "s"));
    return seg;
}

}  // namespace

Result<std::vector<TimelineHistoryEntry>> parse_timeline_history(const std::string& text) {
    std::vector<TimelineHistoryEntry> out;
    std::istringstream in(text);
    std::string line;
    int lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#') continue;
        unsigned tli = 0, hi = 0, lo = 0;
        if (std::sscanf(line.c_str() + first, "%u\t%X/%X", &tli, &hi, &lo) != 3)
            return make_error(fmt::format(
                "syntax error in history file line {}: expected \"TLI<tab>LSN<tab>reason\"",
                lineno));
        if (!out.empty() && tli <= out.back().tli)
            return make_error(fmt::format(
                "invalid data in history file line {}: timeline IDs must be in increasing "
                "sequence",
                lineno));
        out.push_back({tli, (std::uint64_t{hi} << 32) | lo});
    }
    return out;
}

// ---- DirectorySource --------------------------------------------------------------------------

DirectorySource::DirectorySource(std::string dir, TimeLineID tli, std::uint32_t seg_size)
    : dir_(std::move(dir)), tli_(tli), seg_size_(seg_size) {}

DirectorySource::~DirectorySource() { unmap(); }

void DirectorySource::unmap() {
    if (map_) ::munmap(const_cast<std::uint8_t*>(map_), seg_size_);
    map_ = nullptr;
}

Result<void> DirectorySource::load_history() {
    auto text = fs::read_file(dir_ + "/" + history_file_name(tli_));
    if (!text) return {};  // timeline 1, or no history here: read tli_ only
    auto parsed = parse_timeline_history(*text);
    if (!parsed)
        return make_error(fmt::format("{}/{}: {}", dir_, history_file_name(tli_), parsed.message()));
    history_ = std::move(*parsed);
    return {};
}

std::vector<TimeLineID> DirectorySource::timelines_for(XLogSegNo segno) const {
    std::vector<TimeLineID> tlis{tli_};
    // Newest parent first; a parent is a candidate when the segment starts before it was left.
    for (auto it = history_.rbegin(); it != history_.rend(); ++it)
        if (segno_to_lsn(segno, seg_size_) < it->switchpoint) tlis.push_back(it->tli);
    return tlis;
}

Result<bool> DirectorySource::open_segment(XLogSegNo segno) {
    unmap();
    fd_.reset();
    segno_.reset();
    len_ = 0;
    for (TimeLineID tli : timelines_for(segno)) {
        std::string base = segment_file_name(tli, segno, seg_size_);
        for (const std::string& name : {base, base + ".partial"}) {
            int fd = ::open((dir_ + "/" + name).c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                if (errno == ENOENT) continue;
                return make_error(fmt::format("could not open file \"{}/{}\": {}", dir_, name,
                                              fs::errno_text(errno)));
            }
            fd_.reset(fd);
            segno_ = segno;
            seg_tli_ = tli;
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
    if (!segno_ || *segno_ != segno) {
        auto opened = open_segment(segno);
        if (!opened) return opened.error();
        if (!*opened) return std::optional<SegmentData>{};
        reread_from = seg_size_;
    }
    if (map_)
        return std::optional<SegmentData>{
            SegmentData{std::span<const std::uint8_t>(map_, seg_size_), seg_tli_, seg_name_}};
    if (reread_from < len_) {
        // Growing or rewritten file (follow mode): read again from there.
        // Only up to what is wanted: a follower re-reads after every flush of the receiver.
        if (auto r = read_range(reread_from, want_end); !r) return r.error();
    } else if (len_ < want_end) {
        if (auto r = read_range(len_, want_end); !r) return r.error();
    }
    return std::optional<SegmentData>{
        SegmentData{std::span<const std::uint8_t>(buf_.get(), len_), seg_tli_, seg_name_}};
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
                                                         const std::string& fname) {
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
    auto seg = segment_size_from_page(page.data(), *n, name);
    if (!seg) return seg.error();
    return std::optional<std::uint32_t>{*seg};
}

}  // namespace understudy
