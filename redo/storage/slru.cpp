#include "redo/storage/slru.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "common/bytes.h"
#include "common/fs.h"
#include "redo/storage/page.h"

namespace understudy::storage {

namespace {

constexpr TransactionId FirstNormalTransactionId = 3;

bool multixact_id_precedes(MultiXactId a, MultiXactId b) { return static_cast<std::int32_t>(a - b) < 0; }
bool multixact_offset_precedes(MultiXactOffset a, MultiXactOffset b) { return static_cast<std::int32_t>(a - b) < 0; }

// The SLRU page-precedes test shared by clog and commit_ts: compare the second normal xid of
// each page, and the last one of page2 (PG15).
bool xid_page_precedes(int page1, int page2, TransactionId xacts_per_page) {
    TransactionId xid1 = static_cast<TransactionId>(page1) * xacts_per_page + FirstNormalTransactionId + 1;
    TransactionId xid2 = static_cast<TransactionId>(page2) * xacts_per_page + FirstNormalTransactionId + 1;
    return transaction_id_precedes(xid1, xid2) && transaction_id_precedes(xid1, xid2 + xacts_per_page - 1);
}

}  // namespace

std::string slru_segment_name(int segno) { return fmt::format("{:04X}", segno); }

bool clog_page_precedes(int page1, int page2) { return xid_page_precedes(page1, page2, CLOG_XACTS_PER_PAGE); }

bool commit_ts_page_precedes(int page1, int page2) {
    return xid_page_precedes(page1, page2, COMMIT_TS_XACTS_PER_PAGE);
}

bool multixact_offset_page_precedes(int page1, int page2) {
    MultiXactId m1 = static_cast<MultiXactId>(page1) * MULTIXACT_OFFSETS_PER_PAGE + FirstMultiXactId + 1;
    MultiXactId m2 = static_cast<MultiXactId>(page2) * MULTIXACT_OFFSETS_PER_PAGE + FirstMultiXactId + 1;
    return multixact_id_precedes(m1, m2) && multixact_id_precedes(m1, m2 + MULTIXACT_OFFSETS_PER_PAGE - 1);
}

bool multixact_member_page_precedes(int page1, int page2) {
    MultiXactOffset o1 = static_cast<MultiXactOffset>(page1) * MULTIXACT_MEMBERS_PER_PAGE;
    MultiXactOffset o2 = static_cast<MultiXactOffset>(page2) * MULTIXACT_MEMBERS_PER_PAGE;
    return multixact_offset_precedes(o1, o2) && multixact_offset_precedes(o1, o2 + MULTIXACT_MEMBERS_PER_PAGE - 1);
}

// ---- Slru ----

Slru::Slru(std::string data_dir, std::string subdir, PagePrecedes precedes, std::size_t max_cached_pages)
    : dir_(data_dir + "/" + subdir), precedes_(precedes), max_cached_pages_(std::max<std::size_t>(max_cached_pages, 1)) {}

Result<void> Slru::make_room() {
    if (pages_.size() < max_cached_pages_) return {};
    for (auto it = pages_.begin(); it != pages_.end(); ++it) {
        if (!it->second.dirty) {
            pages_.erase(it);
            return {};
        }
    }
    auto it = pages_.begin();  // all dirty: write out the lowest page
    if (auto r = write_physical(it->first, it->second.data.get()); !r) return r;
    pages_.erase(it);
    return {};
}

Result<Slru::CachedPage*> Slru::load(int pageno, bool zero) {
    if (auto it = pages_.find(pageno); it != pages_.end()) {
        if (zero) std::memset(it->second.data.get(), 0, BLCKSZ);
        return &it->second;
    }
    if (auto r = make_room(); !r) return r.error();
    CachedPage page;
    page.data = std::make_unique<std::uint8_t[]>(BLCKSZ);  // zeroed
    if (!zero) {
        const int segno = pageno / SLRU_PAGES_PER_SEGMENT;
        const std::string path = dir_ + "/" + slru_segment_name(segno);
        fs::UniqueFd fd(::open(path.c_str(), O_RDONLY));
        if (fd.valid()) {
            const off_t off = static_cast<off_t>(pageno % SLRU_PAGES_PER_SEGMENT) * BLCKSZ;
            std::size_t got = 0;
            while (got < BLCKSZ) {
                ssize_t n = ::pread(fd.get(), page.data.get() + got, BLCKSZ - got, off + static_cast<off_t>(got));
                if (n < 0) {
                    if (errno == EINTR) continue;
                    return make_error(fmt::format("could not read page {} of \"{}\" at offset {}: {}", pageno, path,
                                                  off, fs::errno_text(errno)));
                }
                if (n == 0) break;  // short file: the rest stays zero
                got += static_cast<std::size_t>(n);
            }
        } else if (errno != ENOENT) {
            return make_error(fmt::format("could not open \"{}\": {}", path, fs::errno_text(errno)));
        }
    }
    auto [it, ok] = pages_.emplace(pageno, std::move(page));
    return &it->second;
}

Result<std::uint8_t*> Slru::read_page(int pageno) {
    auto p = load(pageno, false);
    if (!p) return p.error();
    return (*p)->data.get();
}

void Slru::mark_dirty(int pageno) {
    if (auto it = pages_.find(pageno); it != pages_.end()) it->second.dirty = true;
}

Result<std::uint8_t*> Slru::zero_page(int pageno) {
    auto p = load(pageno, true);
    if (!p) return p.error();
    (*p)->dirty = true;
    latest_page_number_ = pageno;
    return (*p)->data.get();
}

Result<void> Slru::write_physical(int pageno, const std::uint8_t* data) {
    const int segno = pageno / SLRU_PAGES_PER_SEGMENT;
    const std::string path = dir_ + "/" + slru_segment_name(segno);
    if (auto r = fs::make_dirs(dir_); !r) return r;
    fs::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT, 0600));
    if (!fd.valid())
        return make_error(fmt::format("could not open \"{}\" to write page {}: {}", path, pageno, fs::errno_text(errno)));
    const off_t off = static_cast<off_t>(pageno % SLRU_PAGES_PER_SEGMENT) * BLCKSZ;
    std::size_t done = 0;
    while (done < BLCKSZ) {
        ssize_t n = ::pwrite(fd.get(), data + done, BLCKSZ - done, off + static_cast<off_t>(done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(fmt::format("could not write page {} of \"{}\": {} (check free space)", pageno, path,
                                          fs::errno_text(errno)));
        }
        done += static_cast<std::size_t>(n);
    }
    if (!written_segments_.count(segno)) dir_dirty_ = true;  // possibly a new file
    written_segments_[segno] = true;
    return {};
}

Result<void> Slru::write_page(int pageno) {
    auto it = pages_.find(pageno);
    if (it == pages_.end()) return {};
    if (auto r = write_physical(pageno, it->second.data.get()); !r) return r;
    it->second.dirty = false;
    return {};
}

Result<void> Slru::flush() {
    for (auto& [pageno, page] : pages_) {
        if (!page.dirty) continue;
        if (auto r = write_physical(pageno, page.data.get()); !r) return r;
        page.dirty = false;
    }
    for (auto& [segno, need] : written_segments_) {
        if (!need) continue;
        const std::string path = dir_ + "/" + slru_segment_name(segno);
        fs::UniqueFd fd(::open(path.c_str(), O_RDWR));
        if (!fd.valid()) {
            if (errno == ENOENT) continue;  // deleted since
            return make_error(fmt::format("could not open \"{}\" to fsync it: {}", path, fs::errno_text(errno)));
        }
        if (::fsync(fd.get()) != 0)
            return make_error(fmt::format("could not fsync \"{}\": {}", path, fs::errno_text(errno)));
        need = false;
    }
    if (dir_dirty_) {
        if (auto r = fs::fsync_dir(dir_); !r) return r;
        dir_dirty_ = false;
    }
    return {};
}

std::vector<int> Slru::segments() const {
    std::vector<int> out;
    DIR* d = ::opendir(dir_.c_str());
    if (!d) return out;
    while (struct dirent* de = ::readdir(d)) {
        const std::string name = de->d_name;
        const std::size_t len = name.size();
        if ((len == 4 || len == 5 || len == 6) && name.find_first_not_of("0123456789ABCDEF") == std::string::npos)
            out.push_back(static_cast<int>(std::stol(name, nullptr, 16)));
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

Result<void> Slru::delete_segment(int segno) {
    for (auto it = pages_.begin(); it != pages_.end();) {
        if (it->first / SLRU_PAGES_PER_SEGMENT != segno) {
            ++it;
            continue;
        }
        it = pages_.erase(it);  // PostgreSQL writes dirty ones first; the file goes anyway
    }
    const std::string path = dir_ + "/" + slru_segment_name(segno);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return make_error(fmt::format("could not remove \"{}\": {}", path, fs::errno_text(errno)));
    written_segments_.erase(segno);
    dir_dirty_ = true;
    return {};
}

Result<bool> Slru::truncate(int cutoff_page) {
    if (latest_page_number_ && precedes_(*latest_page_number_, cutoff_page)) return false;  // apparent wraparound
    for (auto it = pages_.begin(); it != pages_.end();) {
        if (!precedes_(it->first, cutoff_page)) {
            ++it;
            continue;
        }
        if (it->second.dirty)
            if (auto r = write_physical(it->first, it->second.data.get()); !r) return r.error();
        it = pages_.erase(it);
    }
    for (int segno : segments()) {
        const int segpage = segno * SLRU_PAGES_PER_SEGMENT;
        // SlruMayDeleteSegment: both the first and the last page of the segment precede.
        if (precedes_(segpage, cutoff_page) && precedes_(segpage + SLRU_PAGES_PER_SEGMENT - 1, cutoff_page))
            if (auto r = delete_segment(segno); !r) return r.error();
    }
    return true;
}

// ---- Clog ----

Result<XidStatus> Clog::get_status(TransactionId xid) {
    auto page = slru_.read_page(clog_page_of(xid));
    if (!page) return page.error();
    const int pgindex = static_cast<int>(xid % CLOG_XACTS_PER_PAGE);
    const std::uint8_t byte = (*page)[pgindex / CLOG_XACTS_PER_BYTE];
    const int bshift = (pgindex % CLOG_XACTS_PER_BYTE) * CLOG_BITS_PER_XACT;
    return static_cast<XidStatus>((byte >> bshift) & 0x03);
}

// TransactionIdSetStatusBit (PG15), in recovery.
Result<void> Clog::set_status_bit(TransactionId xid, XidStatus status) {
    const int pageno = clog_page_of(xid);
    auto page = slru_.read_page(pageno);
    if (!page) return page.error();
    const int pgindex = static_cast<int>(xid % CLOG_XACTS_PER_PAGE);
    std::uint8_t& byte = (*page)[pgindex / CLOG_XACTS_PER_BYTE];
    const int bshift = (pgindex % CLOG_XACTS_PER_BYTE) * CLOG_BITS_PER_XACT;
    const int curval = (byte >> bshift) & 0x03;
    // Replaying the two phases of a multi-page commit: already committed stays committed.
    if (status == TRANSACTION_STATUS_SUB_COMMITTED && curval == TRANSACTION_STATUS_COMMITTED) return {};
    byte = static_cast<std::uint8_t>((byte & ~(0x03 << bshift)) | (status << bshift));
    slru_.mark_dirty(pageno);
    return {};
}

// TransactionIdSetPageStatusInternal (PG15).
Result<void> Clog::set_page_status(TransactionId xid, std::span<const TransactionId> subxids, XidStatus status, int) {
    if (status == TRANSACTION_STATUS_COMMITTED)
        for (TransactionId sub : subxids)
            if (auto r = set_status_bit(sub, TRANSACTION_STATUS_SUB_COMMITTED); !r) return r;
    if (xid != InvalidTransactionId)
        if (auto r = set_status_bit(xid, status); !r) return r;
    for (TransactionId sub : subxids)
        if (auto r = set_status_bit(sub, status); !r) return r;
    return {};
}

// set_status_by_pages (PG15).
Result<void> Clog::set_status_by_pages(std::span<const TransactionId> xids, XidStatus status) {
    std::size_t i = 0;
    while (i < xids.size()) {
        const int pageno = clog_page_of(xids[i]);
        std::size_t start = i;
        while (i < xids.size() && clog_page_of(xids[i]) == pageno) ++i;
        if (auto r = set_page_status(InvalidTransactionId, xids.subspan(start, i - start), status, pageno); !r) return r;
    }
    return {};
}

Result<void> Clog::set_tree_status(TransactionId xid, std::span<const TransactionId> subxids, XidStatus status) {
    const int pageno = clog_page_of(xid);
    std::size_t on_first = 0;
    while (on_first < subxids.size() && clog_page_of(subxids[on_first]) == pageno) ++on_first;
    if (on_first == subxids.size()) return set_page_status(xid, subxids, status, pageno);

    // Several pages: the subtransactions elsewhere are marked sub-committed first, then the
    // parent's page, then the rest page by page.
    auto rest = subxids.subspan(on_first);
    if (status == TRANSACTION_STATUS_COMMITTED)
        if (auto r = set_status_by_pages(rest, TRANSACTION_STATUS_SUB_COMMITTED); !r) return r;
    if (auto r = set_page_status(xid, subxids.first(on_first), status, pageno); !r) return r;
    return set_status_by_pages(rest, status);
}

Result<void> Clog::zero_page(int pageno) {
    if (auto p = slru_.zero_page(pageno); !p) return p.error();
    return slru_.write_page(pageno);
}

// ---- CommitTs ----

Result<void> CommitTs::set_tree(TransactionId xid, std::span<const TransactionId> subxids, TimestampTz ts,
                                RepOriginId nodeid) {
    auto set_one = [&](TransactionId x) -> Result<void> {
        const int pageno = static_cast<int>(x / COMMIT_TS_XACTS_PER_PAGE);
        auto page = slru_.read_page(pageno);
        if (!page) return page.error();
        std::uint8_t* entry = *page + SizeOfCommitTimestampEntry * (x % COMMIT_TS_XACTS_PER_PAGE);
        store<TimestampTz>(entry, ts);
        store<RepOriginId>(entry + sizeof(TimestampTz), nodeid);
        slru_.mark_dirty(pageno);
        return {};
    };
    if (auto r = set_one(xid); !r) return r;
    for (TransactionId sub : subxids)
        if (auto r = set_one(sub); !r) return r;
    return {};
}

Result<CommitTimestampEntry> CommitTs::get(TransactionId xid) {
    auto page = slru_.read_page(static_cast<int>(xid / COMMIT_TS_XACTS_PER_PAGE));
    if (!page) return page.error();
    const std::uint8_t* entry = *page + SizeOfCommitTimestampEntry * (xid % COMMIT_TS_XACTS_PER_PAGE);
    return CommitTimestampEntry{load<TimestampTz>(entry), load<RepOriginId>(entry + sizeof(TimestampTz))};
}

Result<void> CommitTs::zero_page(int pageno) {
    if (auto p = slru_.zero_page(pageno); !p) return p.error();
    return slru_.write_page(pageno);
}

// ---- MultiXact ----

Result<void> MultiXactSlrus::record_new_multixact(MultiXactId multi, MultiXactOffset offset,
                                                  std::span<const MultiXactMember> members) {
    const int pageno = multixact_offset_page(multi);
    MultiXactId next = multi + 1;
    if (next < FirstMultiXactId) next = FirstMultiXactId;
    const int next_pageno = multixact_offset_page(next);

    // WAL from an older minor release: the next page may not exist yet.
    if (next_pageno != pageno && offsets_.latest_page_number() == pageno) {
        if (auto r = offsets_.zero_page(next_pageno); !r) return r.error();
        if (auto r = offsets_.write_page(next_pageno); !r) return r;
        pre_initialized_offsets_page_ = next_pageno;
    }

    auto op = offsets_.read_page(pageno);
    if (!op) return op.error();
    store<MultiXactOffset>(*op + multixact_offset_entry(multi) * sizeof(MultiXactOffset), offset);
    offsets_.mark_dirty(pageno);

    MultiXactOffset next_offset = offset + static_cast<MultiXactOffset>(members.size());
    if (next_offset == 0) next_offset = 1;  // as GetNewMultiXactId skips offset 0
    auto np = offsets_.read_page(next_pageno);
    if (!np) return np.error();
    store<MultiXactOffset>(*np + multixact_offset_entry(next) * sizeof(MultiXactOffset), next_offset);
    offsets_.mark_dirty(next_pageno);

    for (const MultiXactMember& m : members) {
        const int mpageno = mx_offset_to_member_page(offset);
        auto mp = members_.read_page(mpageno);
        if (!mp) return mp.error();
        store<TransactionId>(*mp + mx_offset_to_member_offset(offset), m.xid);
        std::uint8_t* flagsptr = *mp + mx_offset_to_flags_offset(offset);
        const int bshift = mx_offset_to_flags_bit_shift(offset);
        std::uint32_t flagsval = load<std::uint32_t>(flagsptr);
        flagsval &= ~(((1u << MXACT_MEMBER_BITS_PER_XACT) - 1) << bshift);
        flagsval |= static_cast<std::uint32_t>(m.status) << bshift;
        store<std::uint32_t>(flagsptr, flagsval);
        members_.mark_dirty(mpageno);
        ++offset;
    }
    return {};
}

Result<MultiXactOffset> MultiXactSlrus::get_offset(MultiXactId multi) {
    auto op = offsets_.read_page(multixact_offset_page(multi));
    if (!op) return op.error();
    return load<MultiXactOffset>(*op + multixact_offset_entry(multi) * sizeof(MultiXactOffset));
}

Result<MultiXactMember> MultiXactSlrus::get_member(MultiXactOffset offset) {
    auto mp = members_.read_page(mx_offset_to_member_page(offset));
    if (!mp) return mp.error();
    const std::uint32_t flags = load<std::uint32_t>(*mp + mx_offset_to_flags_offset(offset));
    const auto status = static_cast<MultiXactStatus>((flags >> mx_offset_to_flags_bit_shift(offset)) & 0xFF);
    return MultiXactMember{load<TransactionId>(*mp + mx_offset_to_member_offset(offset)), status};
}

Result<void> MultiXactSlrus::zero_offsets_page(int pageno) {
    if (pageno == pre_initialized_offsets_page_) {
        pre_initialized_offsets_page_ = -1;  // done already by record_new_multixact
        return {};
    }
    if (auto p = offsets_.zero_page(pageno); !p) return p.error();
    return offsets_.write_page(pageno);
}

Result<void> MultiXactSlrus::zero_members_page(int pageno) {
    if (auto p = members_.zero_page(pageno); !p) return p.error();
    return members_.write_page(pageno);
}

Result<void> MultiXactSlrus::truncate_members(MultiXactOffset start_trunc_memb, MultiXactOffset end_trunc_memb) {
    const int maxsegment = mx_offset_to_member_segment(MaxMultiXactOffset);
    const int endsegment = mx_offset_to_member_segment(end_trunc_memb);
    for (int segment = mx_offset_to_member_segment(start_trunc_memb); segment != endsegment;
         segment = segment == maxsegment ? 0 : segment + 1)
        if (auto r = members_.delete_segment(segment); !r) return r;
    return {};
}

Result<bool> MultiXactSlrus::truncate_offsets(MultiXactId, MultiXactId end_trunc_off) {
    return offsets_.truncate(multixact_offset_page(previous_multixact_id(end_trunc_off)));
}

Result<void> MultiXactSlrus::flush() {
    if (auto r = offsets_.flush(); !r) return r;
    return members_.flush();
}

}  // namespace understudy::storage
