// Segment naming, preallocation, completion and resume logic of the WAL writer, in a temp dir.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "common/bytes.h"
#include "common/fs.h"
#include "receiver/wal_writer.h"

using namespace understudy;
using namespace understudy::receiver;
namespace sfs = std::filesystem;

namespace {

constexpr std::uint32_t kSeg = 1u << 20;

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/understudy-unit-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() {
        std::error_code ec;
        sfs::remove_all(path, ec);
    }
};

// A page with a WAL page header for `pageaddr` followed by `fill` bytes.
void put_page_header(std::vector<std::uint8_t>& buf, std::size_t off, XLogRecPtr pageaddr, bool long_header,
                     std::uint64_t sysid = 0) {
    store<std::uint16_t>(buf.data() + off, 0xD110);
    store<std::uint16_t>(buf.data() + off + 2, long_header ? 0x0002 : 0);
    store<std::uint32_t>(buf.data() + off + 4, 1);
    store<std::uint64_t>(buf.data() + off + 8, pageaddr);
    if (long_header) {
        store<std::uint64_t>(buf.data() + off + 24, sysid);
        store<std::uint32_t>(buf.data() + off + 32, kSeg);
        store<std::uint32_t>(buf.data() + off + 36, 8192);
    }
}

std::vector<std::uint8_t> wal_bytes(XLogRecPtr start, std::size_t n, std::uint64_t sysid = 42) {
    std::vector<std::uint8_t> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>((start + i) * 7 + 1) | 1;  // never 0
    // Page headers where pages begin, so the resume scan accepts the data.
    for (XLogRecPtr p = (start + 8191) / 8192 * 8192; p + 40 <= start + n; p += 8192)
        put_page_header(out, static_cast<std::size_t>(p - start), p, p % kSeg == 0, sysid);
    return out;
}

std::uint64_t file_size(const std::string& p) { return sfs::file_size(p); }

std::vector<std::uint8_t> slurp(const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("choose_resume_point picks the newest segment, then the highest timeline, complete over partial") {
    std::vector<SegmentFileInfo> files = {
        {{1, 5, false}, kSeg},
        {{1, 6, true}, 1000},
    };
    auto rp = choose_resume_point(files, kSeg);
    REQUIRE(rp);
    CHECK(rp->tli == 1);
    CHECK(rp->lsn == 6 * XLogRecPtr{kSeg} + 1000);

    files.push_back({{2, 6, true}, 24});
    rp = choose_resume_point(files, kSeg);
    CHECK(rp->tli == 2);
    CHECK(rp->lsn == 6 * XLogRecPtr{kSeg} + 24);

    files.push_back({{2, 6, false}, kSeg});
    rp = choose_resume_point(files, kSeg);
    CHECK(rp->lsn == 7 * XLogRecPtr{kSeg});
    CHECK_FALSE(choose_resume_point({}, kSeg));
}

TEST_CASE("partial_valid_length stops at trailing zeros and at a page without a valid header") {
    const XLogRecPtr seg_start = 3 * XLogRecPtr{kSeg};
    std::vector<std::uint8_t> seg(kSeg, 0);
    CHECK(partial_valid_length(seg, seg_start) == 0);
    auto data = wal_bytes(seg_start, 20000);
    std::copy(data.begin(), data.end(), seg.begin());
    CHECK(partial_valid_length(seg, seg_start) == 20000);
    // A hole: the third page's header is gone (zeroed), data after it must not be trusted.
    std::fill(seg.begin() + 16384, seg.begin() + 16384 + 24, 0);
    CHECK(partial_valid_length(seg, seg_start) == 16384);
    // A page header for the wrong address (e.g. recycled content).
    data = wal_bytes(seg_start, 20000);
    std::copy(data.begin(), data.end(), seg.begin());
    store<std::uint64_t>(seg.data() + 8192 + 8, 0x1234);
    CHECK(partial_valid_length(seg, seg_start) == 8192);
}

TEST_CASE("long page header gives the system identifier and segment size") {
    std::vector<std::uint8_t> page(8192, 0);
    put_page_header(page, 0, 0, true, 0xABCDEF);
    auto id = read_long_page_header(page);
    REQUIRE(id);
    CHECK(id->xlp_sysid == 0xABCDEF);
    CHECK(id->xlp_seg_size == kSeg);
    std::vector<std::uint8_t> zeros(8192, 0);
    CHECK_FALSE(read_long_page_header(zeros));
}

TEST_CASE("writer preallocates .partial, completes segments with a rename, and resumes where it stopped") {
    TempDir dir;
    const std::string wal = dir.path + "/wal";
    const XLogRecPtr start = 5 * XLogRecPtr{kSeg};
    const std::size_t first = kSeg + 30000;  // one full segment and part of the next
    auto data = wal_bytes(start, first + 5000);
    {
        WalWriter w(wal);
        REQUIRE(w.prepare_dir().ok());
        REQUIRE(w.check_identity(42, kSeg).ok());
        w.set_position(1, start);
        REQUIRE(w.write(1, start, std::span(data).first(first)).ok());
        CHECK(w.write_pos() == start + first);
        CHECK(sfs::exists(wal + "/000000010000000000000005"));
        CHECK_FALSE(sfs::exists(wal + "/000000010000000000000005.partial"));
        CHECK(w.flush_pos() == start + kSeg);  // the completed segment is durable
        REQUIRE(sfs::exists(wal + "/000000010000000000000006.partial"));
        CHECK(file_size(wal + "/000000010000000000000006.partial") == kSeg);
        REQUIRE(w.flush().ok());
        CHECK(w.flush_pos() == start + first);
        REQUIRE(w.close_segment().ok());
    }
    auto seg5 = slurp(wal + "/000000010000000000000005");
    CHECK(std::equal(seg5.begin(), seg5.end(), data.begin()));
    {
        WalWriter w(wal);
        REQUIRE(w.prepare_dir().ok());
        REQUIRE(w.check_identity(42, kSeg).ok());
        auto rp = w.find_resume_point();
        REQUIRE(rp.ok());
        REQUIRE(rp->has_value());
        CHECK((*rp)->tli == 1);
        CHECK((*rp)->lsn == start + first);  // no gap, nothing fetched twice
        w.set_position((*rp)->tli, (*rp)->lsn);
        REQUIRE(w.write(1, (*rp)->lsn, std::span(data).subspan(first)).ok());
        REQUIRE(w.close_segment().ok());
    }
    auto seg6 = slurp(wal + "/000000010000000000000006.partial");
    REQUIRE(seg6.size() == kSeg);
    CHECK(std::equal(data.begin() + kSeg, data.end(), seg6.begin()));
    CHECK(std::all_of(seg6.begin() + static_cast<long>(data.size() - kSeg), seg6.end(), [](auto b) { return b == 0; }));
}

// Extents of the file with FIEMAP_EXTENT_UNWRITTEN (allocated, never written: what
// posix_fallocate leaves on ext4 and xfs); -1 when the file system cannot say (tmpfs).
int unwritten_extents(const std::string& path) {
    fs::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return -1;
    constexpr unsigned kMax = 256;
    std::vector<std::uint8_t> buf(sizeof(fiemap) + kMax * sizeof(fiemap_extent));
    auto* fm = reinterpret_cast<fiemap*>(buf.data());
    fm->fm_start = 0;
    fm->fm_length = FIEMAP_MAX_OFFSET;
    fm->fm_flags = FIEMAP_FLAG_SYNC;
    fm->fm_extent_count = kMax;
    if (::ioctl(fd.get(), FS_IOC_FIEMAP, fm) != 0) return -1;
    int n = 0;
    for (unsigned i = 0; i < fm->fm_mapped_extents; ++i)
        if ((fm->fm_extents[i].fe_flags & FIEMAP_EXTENT_UNWRITTEN) != 0) ++n;
    return n;
}

TEST_CASE("a new segment is filled with zeros, not left as unwritten extents; a short one is padded") {
    TempDir dir;
    const std::string wal = dir.path + "/wal";
    const XLogRecPtr start = 7 * XLogRecPtr{kSeg};
    auto data = wal_bytes(start, 20000);
    {
        WalWriter w(wal);
        REQUIRE(w.prepare_dir().ok());
        REQUIRE(w.check_identity(42, kSeg).ok());
        w.set_position(1, start);
        REQUIRE(w.write(1, start, std::span(data)).ok());
        REQUIRE(w.flush().ok());
        REQUIRE(w.close_segment().ok());
    }
    const std::string seg7 = wal + "/000000010000000000000007.partial";
    REQUIRE(file_size(seg7) == kSeg);
    // Every fdatasync after a write into an unwritten extent also writes the inode out.
    const int unwritten = unwritten_extents(seg7);
    if (unwritten >= 0) CHECK(unwritten == 0);
    else MESSAGE("FIEMAP not supported under /tmp: extent check skipped");
    auto bytes = slurp(seg7);
    CHECK(std::equal(data.begin(), data.end(), bytes.begin()));
    CHECK(std::all_of(bytes.begin() + static_cast<long>(data.size()), bytes.end(), [](auto b) { return b == 0; }));

    // A crash while padding leaves a short file: its bytes stay, the rest becomes zeros.
    REQUIRE(::truncate(seg7.c_str(), 12345) == 0);
    {
        WalWriter w(wal);
        REQUIRE(w.prepare_dir().ok());
        REQUIRE(w.check_identity(42, kSeg).ok());
        w.set_position(1, start + 20000);
        auto more = wal_bytes(start + 20000, 100);
        REQUIRE(w.write(1, start + 20000, std::span(more)).ok());
        REQUIRE(w.close_segment().ok());
    }
    bytes = slurp(seg7);
    REQUIRE(bytes.size() == kSeg);
    CHECK(std::equal(data.begin(), data.begin() + 12345, bytes.begin()));
    CHECK(std::all_of(bytes.begin() + 12345, bytes.begin() + 20000, [](auto b) { return b == 0; }));
    if (unwritten >= 0) CHECK(unwritten_extents(seg7) == 0);
}

TEST_CASE("the next segment is preallocated ahead and renamed into place at the switch") {
    TempDir dir;
    const std::string wal = dir.path + "/wal";
    const std::string temp = wal + "/" + WalWriter::kPreallocName;
    const XLogRecPtr start = 9 * XLogRecPtr{kSeg};
    auto data = wal_bytes(start, kSeg + 4000);
    WalWriter w(wal);
    REQUIRE(w.prepare_dir().ok());
    REQUIRE(w.check_identity(42, kSeg).ok());
    w.set_position(1, start);
    REQUIRE(w.write(1, start, std::span(data).first(1000)).ok());
    // Opening segment 9 started the zeros of the next one on a thread.
    struct stat st {};
    for (int i = 0; i < 500 && !(::stat(temp.c_str(), &st) == 0 && st.st_size == kSeg); ++i) ::usleep(10000);
    REQUIRE(st.st_size == kSeg);
    const ino_t prealloc_inode = st.st_ino;
    REQUIRE(w.write(1, start + 1000, std::span(data).subspan(1000)).ok());
    REQUIRE(w.flush().ok());
    const std::string seg10 = wal + "/00000001000000000000000A.partial";
    REQUIRE(::stat(seg10.c_str(), &st) == 0);
    CHECK(st.st_ino == prealloc_inode);  // renamed, not written again
    CHECK(st.st_size == kSeg);
    auto bytes = slurp(seg10);
    CHECK(std::equal(data.begin() + kSeg, data.end(), bytes.begin()));
    CHECK(std::all_of(bytes.begin() + 4000, bytes.end(), [](auto b) { return b == 0; }));
    const int unwritten = unwritten_extents(seg10);
    if (unwritten >= 0) CHECK(unwritten == 0);
    // Readers see only segment names: the file being preallocated is not one.
    CHECK_FALSE(parse_segment_file_name(WalWriter::kPreallocName, kSeg).has_value());
}

TEST_CASE("identity: the ident file or a segment's long header refuses another system's WAL") {
    TempDir dir;
    const std::string wal = dir.path + "/wal";
    WalWriter w(wal);
    REQUIRE(w.prepare_dir().ok());
    REQUIRE(w.check_identity(42, kSeg).ok());
    auto ident = fs::read_file(wal + "/" + kIdentFileName);
    REQUIRE(ident.ok());
    auto parsed = ident_from_json(*ident, "x");
    REQUIRE(parsed.ok());
    CHECK(parsed->system_identifier == 42);
    auto other = w.check_identity(43, kSeg);
    REQUIRE_FALSE(other.ok());
    CHECK(other.message().find("holds WAL of database system 42") != std::string::npos);
    CHECK_FALSE(w.check_identity(42, 2 * kSeg).ok());

    // No ident file, but a segment of system 77.
    TempDir dir2;
    WalWriter w2(dir2.path);
    std::vector<std::uint8_t> seg(kSeg, 0);
    put_page_header(seg, 0, 0, true, 77);
    std::ofstream(dir2.path + "/000000010000000000000000", std::ios::binary)
        .write(reinterpret_cast<const char*>(seg.data()), static_cast<std::streamsize>(seg.size()));
    auto r = w2.check_identity(42, kSeg);
    REQUIRE_FALSE(r.ok());
    CHECK(r.message().find("system 77") != std::string::npos);
    CHECK_FALSE(sfs::exists(dir2.path + "/" + kIdentFileName));  // nothing written on refusal
}

TEST_CASE("prepare_dir explains an unusable directory") {
    TempDir dir;
    std::ofstream(dir.path + "/file") << "x";
    WalWriter w(dir.path + "/file/wal");
    auto r = w.prepare_dir();
    REQUIRE_FALSE(r.ok());
    CHECK(r.message().find("cannot be used") != std::string::npos);
}

TEST_CASE("a clean stop records the exact position even when the WAL ends in zero bytes") {
    TempDir dir;
    const XLogRecPtr start = 2 * XLogRecPtr{kSeg};
    auto data = wal_bytes(start, 10000);
    std::fill(data.end() - 6, data.end(), 0);  // e.g. MAXALIGN padding after the last record
    {
        WalWriter w(dir.path);
        REQUIRE(w.check_identity(42, kSeg).ok());
        w.set_position(1, start);
        REQUIRE(w.write(1, start, data).ok());
        REQUIRE(w.close_cleanly().ok());
    }
    WalWriter w(dir.path);
    REQUIRE(w.check_identity(42, kSeg).ok());
    auto rp = w.find_resume_point();
    REQUIRE(rp.ok());
    REQUIRE(rp->has_value());
    CHECK((*rp)->lsn == start + 10000);
    // Without the clean-stop record (a crash) the scan resumes before the zeros: never after.
    sfs::remove(dir.path + "/" + kStopStateFileName);
    rp = w.find_resume_point();
    CHECK((*rp)->lsn == start + 10000 - 6);
}

TEST_CASE("after a failed fsync the next start resumes at the durable position and the record goes once re-flushed") {
    TempDir dir;
    const XLogRecPtr start = 3 * XLogRecPtr{kSeg};
    auto data = wal_bytes(start, 200000);
    {
        WalWriter w(dir.path);
        REQUIRE(w.check_identity(42, kSeg).ok());
        w.set_position(1, start);
        REQUIRE(w.write(1, start, data).ok());
        REQUIRE(w.close_segment().ok());
    }
    // What sync_failure() leaves: durable up to 100000, written up to 200000 (the scan of the
    // .partial, served from the page cache, would say 200000).
    {
        std::ofstream f(dir.path + "/" + kSyncFailedFileName);
        f << "{\"timeline\":1,\"durable_lsn\":\"" << format_lsn(start + 100000) << "\",\"written_lsn\":\""
          << format_lsn(start + 200000) << "\",\"file\":\"x\",\"error\":\"Input/output error\"}\n";
    }
    WalWriter w(dir.path);
    REQUIRE(w.check_identity(42, kSeg).ok());
    auto rp = w.find_resume_point();
    REQUIRE(rp.ok());
    REQUIRE(rp->has_value());
    CHECK((*rp)->lsn == start + 100000);
    w.set_position(1, (*rp)->lsn);
    // Flushing part of the way keeps the record: a crash now must still resume at 100000 or later
    // only up to what is flushed anew.
    REQUIRE(w.write(1, start + 100000, std::span(data).subspan(100000, 50000)).ok());
    REQUIRE(w.flush().ok());
    CHECK(sfs::exists(dir.path + "/" + kSyncFailedFileName));
    REQUIRE(w.write(1, start + 150000, std::span(data).subspan(150000)).ok());
    REQUIRE(w.flush().ok());
    CHECK_FALSE(sfs::exists(dir.path + "/" + kSyncFailedFileName));
    CHECK_FALSE(w.must_stop());
    CHECK_FALSE(w.sync_failed());

    // A damaged record stops the start with the file's name instead of guessing.
    {
        std::ofstream f(dir.path + "/" + kSyncFailedFileName);
        f << "{\"timeline\":1}";
    }
    WalWriter w2(dir.path);
    REQUIRE(w2.check_identity(42, kSeg).ok());
    auto bad = w2.find_resume_point();
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.message().find(kSyncFailedFileName) != std::string::npos);
}

TEST_CASE("check_incoming refuses WAL with another system identifier, a page at the wrong address, a gap or an overlap") {
    TempDir dir;
    WalWriter w(dir.path);
    REQUIRE(w.check_identity(42, kSeg).ok());
    const XLogRecPtr start = 4 * XLogRecPtr{kSeg};
    w.set_position(1, start);
    CHECK(w.check_incoming(start, wal_bytes(start, 20000, 42)).ok());
    w.set_position(1, start + 100);
    const auto ok_bytes = wal_bytes(start, 20000, 42);
    CHECK(w.check_incoming(start + 100, std::span(ok_bytes).subspan(100)).ok());
    // Pages of zeros (what a primary sends after an XLOG_SWITCH, up to the segment's end) pass.
    w.set_position(1, start + 8192);
    const std::vector<std::uint8_t> zero_pages(3 * 8192, 0);
    CHECK(w.check_incoming(start + 8192, zero_pages).ok());
    CHECK_FALSE(w.must_stop());

    w.set_position(1, start);
    auto forged = wal_bytes(start, 20000, 4242);
    auto r = w.check_incoming(start, forged);
    REQUIRE_FALSE(r.ok());
    CHECK(r.message().find("4242") != std::string::npos);
    CHECK(r.message().find("000000010000000000000004") != std::string::npos);
    CHECK(w.must_stop());
    // The last page of segment 4, then segment 5 of another system: the page before it is kept.
    {
        WalWriter wa(dir.path);
        REQUIRE(wa.check_identity(42, kSeg).ok());
        const XLogRecPtr from = start + kSeg - 8192;
        auto bytes = wal_bytes(from, 8192 + 100, 42);
        auto other = wal_bytes(start + kSeg, 100, 4242);
        std::copy(other.begin(), other.end(), bytes.begin() + 8192);
        wa.set_position(1, from);
        std::size_t accepted = 1;
        REQUIRE_FALSE(wa.check_incoming(from, bytes, &accepted).ok());
        CHECK(accepted == 8192);
    }

    WalWriter w2(dir.path);
    REQUIRE(w2.check_identity(42, kSeg).ok());
    w2.set_position(1, start + 8192 * 2);
    auto misplaced = wal_bytes(start + 8192, 20000, 42);  // pages whose headers say 8 kB earlier
    auto m = w2.check_incoming(start + 8192 * 2, misplaced);
    REQUIRE_FALSE(m.ok());
    CHECK(m.message().find("xlp_pageaddr") != std::string::npos);

    // A header cut by the message boundary is not judged (the next message holds the rest).
    WalWriter w3(dir.path);
    REQUIRE(w3.check_identity(42, kSeg).ok());
    w3.set_position(1, start);
    CHECK(w3.check_incoming(start, std::span(forged).first(30)).ok());
    // Not where the stream is: a gap or an overlap.
    auto gap = w3.check_incoming(start + 8192, std::span(ok_bytes).subspan(8192));
    REQUIRE_FALSE(gap.ok());
    CHECK(gap.message().find("a gap") != std::string::npos);
    WalWriter w4(dir.path);
    REQUIRE(w4.check_identity(42, kSeg).ok());
    w4.set_position(1, start + 8192);
    auto overlap = w4.check_incoming(start, wal_bytes(start, 20000, 42));
    REQUIRE_FALSE(overlap.ok());
    CHECK(overlap.message().find("an overlap") != std::string::npos);
}
