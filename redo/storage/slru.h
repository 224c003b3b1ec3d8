// SLRU files as PostgreSQL 15 writes them (src/backend/access/transam/slru.c): 8 kB pages,
// 32 pages per segment file named "%04X" after the segment number, in pg_xact, pg_commit_ts,
// pg_multixact/offsets and pg_multixact/members; and the three users redo needs:
// clog.c (transaction status, 2 bits per xid), commit_ts.c (TimestampTz + RepOriginId per xid)
// and multixact.c (offsets and member groups).
//
// MultiXactId, MultiXactOffset, TimestampTz and the MultiXactStatus values are also declared in
// understudy by wal/records/; qualify the storage:: ones rather than importing the namespace.
//
// Recovery reads a page whose segment file does not exist as zeroes (SlruPhysicalReadPage in
// recovery); here a file too short for the page reads as zeroes as well (a sparse start).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "wal/decoded_record.h"
#include "wal/relpath.h"

namespace understudy::storage {

inline constexpr int SLRU_PAGES_PER_SEGMENT = 32;

// SlruFileName (PG15): "%04X".
std::string slru_segment_name(int segno);

// SimpleLru*: a page-addressed SLRU directory with a small write-back cache.
class Slru {
public:
    // PagePrecedes callback of the SLRU (CLOGPagePrecedes, CommitTsPagePrecedes, ...).
    using PagePrecedes = bool (*)(int page1, int page2);

    Slru(std::string data_dir, std::string subdir, PagePrecedes precedes, std::size_t max_cached_pages = 256);
    Slru(const Slru&) = delete;
    Slru& operator=(const Slru&) = delete;

    const std::string& dir() const { return dir_; }  // absolute: data_dir/subdir

    // SimpleLruReadPage: the page (cached), zeroes if its file or its bytes are missing. The
    // pointer stays valid until the next call on this Slru.
    Result<std::uint8_t*> read_page(int pageno);
    void mark_dirty(int pageno);
    // SimpleLruZeroPage: a zeroed, dirty page; becomes latest_page_number.
    Result<std::uint8_t*> zero_page(int pageno);
    // SimpleLruWritePage: write one cached page now (if cached).
    Result<void> write_page(int pageno);
    // SimpleLruWriteAll + fsync of written segments and the directory (checkpoint).
    Result<void> flush();

    // SimpleLruTruncate (PG15): drop cached pages preceding cutoff_page (writing dirty ones
    // first, as PostgreSQL does), then delete every segment file all of whose pages precede it
    // (SlruMayDeleteSegment). Skipped, as PostgreSQL does, if the latest page would go
    // ("apparent wraparound"); returns whether it truncated.
    Result<bool> truncate(int cutoff_page);
    // SlruDeleteSegment (PG15): forget the segment's cached pages, remove its file.
    Result<void> delete_segment(int segno);

    std::optional<int> latest_page_number() const { return latest_page_number_; }
    void set_latest_page_number(int pageno) { latest_page_number_ = pageno; }
    // Segment numbers of the files in the directory (SlruScanDirectory's name rule).
    std::vector<int> segments() const;

private:
    struct CachedPage {
        std::unique_ptr<std::uint8_t[]> data;
        bool dirty = false;
    };
    Result<CachedPage*> load(int pageno, bool zero);
    Result<void> write_physical(int pageno, const std::uint8_t* data);
    Result<void> make_room();

    std::string dir_;
    PagePrecedes precedes_;
    std::size_t max_cached_pages_;
    std::map<int, CachedPage> pages_;
    std::map<int, bool> written_segments_;  // segno -> needs fsync
    std::optional<int> latest_page_number_;
    bool dir_dirty_ = false;
};

// ---- pg_xact (clog.c) ----

// XidStatus values (clog.h).
enum XidStatus : std::uint8_t {
    TRANSACTION_STATUS_IN_PROGRESS = 0x00,
    TRANSACTION_STATUS_COMMITTED = 0x01,
    TRANSACTION_STATUS_ABORTED = 0x02,
    TRANSACTION_STATUS_SUB_COMMITTED = 0x03,
};

inline constexpr int CLOG_BITS_PER_XACT = 2;
inline constexpr int CLOG_XACTS_PER_BYTE = 4;
inline constexpr int CLOG_XACTS_PER_PAGE = BLCKSZ * CLOG_XACTS_PER_BYTE;  // 32768

inline int clog_page_of(TransactionId xid) { return static_cast<int>(xid / CLOG_XACTS_PER_PAGE); }
bool clog_page_precedes(int page1, int page2);  // CLOGPagePrecedes (PG15)

class Clog {
public:
    explicit Clog(const std::string& data_dir) : slru_(data_dir, "pg_xact", clog_page_precedes) {}

    // TransactionIdGetStatus (PG15), from the page (not the in-memory group LSNs).
    Result<XidStatus> get_status(TransactionId xid);
    // TransactionIdSetTreeStatus (PG15) as in recovery: top-level xid and subtransactions,
    // with the SUB_COMMITTED intermediate step when a commit spans several clog pages.
    Result<void> set_tree_status(TransactionId xid, std::span<const TransactionId> subxids, XidStatus status);
    // clog_redo CLOG_ZEROPAGE: zero the page and write it at once.
    Result<void> zero_page(int pageno);
    // clog_redo CLOG_TRUNCATE: SimpleLruTruncate(pageno).
    Result<bool> truncate(int pageno) { return slru_.truncate(pageno); }
    Result<void> flush() { return slru_.flush(); }
    Slru& slru() { return slru_; }

private:
    Result<void> set_page_status(TransactionId xid, std::span<const TransactionId> subxids, XidStatus status,
                                 int pageno);
    Result<void> set_status_by_pages(std::span<const TransactionId> subxids, XidStatus status);
    Result<void> set_status_bit(TransactionId xid, XidStatus status);

    Slru slru_;
};

// ---- pg_commit_ts (commit_ts.c) ----

using TimestampTz = std::int64_t;  // microseconds since 2000-01-01 UTC

inline constexpr std::size_t SizeOfCommitTimestampEntry = 10;  // TimestampTz + RepOriginId
inline constexpr int COMMIT_TS_XACTS_PER_PAGE = static_cast<int>(BLCKSZ / SizeOfCommitTimestampEntry);  // 819

bool commit_ts_page_precedes(int page1, int page2);  // CommitTsPagePrecedes (PG15)

struct CommitTimestampEntry {
    TimestampTz time = 0;
    RepOriginId nodeid = InvalidRepOriginId;
    friend bool operator==(const CommitTimestampEntry&, const CommitTimestampEntry&) = default;
};

class CommitTs {
public:
    explicit CommitTs(const std::string& data_dir) : slru_(data_dir, "pg_commit_ts", commit_ts_page_precedes) {}

    // TransactionTreeSetCommitTsData (PG15): one entry per xid, page by page.
    Result<void> set_tree(TransactionId xid, std::span<const TransactionId> subxids, TimestampTz ts,
                          RepOriginId nodeid);
    // The stored entry (TransactionIdGetCommitTsData without the shared-memory shortcuts).
    Result<CommitTimestampEntry> get(TransactionId xid);
    // commit_ts_redo COMMIT_TS_ZEROPAGE / COMMIT_TS_TRUNCATE.
    Result<void> zero_page(int pageno);
    Result<bool> truncate(int pageno) { return slru_.truncate(pageno); }
    Result<void> flush() { return slru_.flush(); }
    Slru& slru() { return slru_; }

private:
    Slru slru_;
};

// ---- pg_multixact (multixact.c) ----

using MultiXactId = std::uint32_t;
using MultiXactOffset = std::uint32_t;

inline constexpr MultiXactId FirstMultiXactId = 1;
inline constexpr MultiXactId MaxMultiXactId = 0xFFFFFFFF;
inline constexpr MultiXactOffset MaxMultiXactOffset = 0xFFFFFFFF;

// MultiXactStatus (multixact.h).
enum MultiXactStatus : std::uint8_t {
    MultiXactStatusForKeyShare = 0x00,
    MultiXactStatusForShare = 0x01,
    MultiXactStatusForNoKeyUpdate = 0x02,
    MultiXactStatusForUpdate = 0x03,
    MultiXactStatusNoKeyUpdate = 0x04,
    MultiXactStatusUpdate = 0x05,
};

struct MultiXactMember {
    TransactionId xid = InvalidTransactionId;
    MultiXactStatus status = MultiXactStatusForKeyShare;
    friend bool operator==(const MultiXactMember&, const MultiXactMember&) = default;
};

inline constexpr int MULTIXACT_OFFSETS_PER_PAGE = BLCKSZ / sizeof(MultiXactOffset);  // 2048
inline constexpr int MXACT_MEMBER_BITS_PER_XACT = 8;
inline constexpr int MULTIXACT_FLAGBYTES_PER_GROUP = 4;
inline constexpr int MULTIXACT_MEMBERS_PER_MEMBERGROUP = 4;
inline constexpr int MULTIXACT_MEMBERGROUP_SIZE =
    sizeof(TransactionId) * MULTIXACT_MEMBERS_PER_MEMBERGROUP + MULTIXACT_FLAGBYTES_PER_GROUP;  // 20
inline constexpr int MULTIXACT_MEMBERGROUPS_PER_PAGE = BLCKSZ / MULTIXACT_MEMBERGROUP_SIZE;  // 409
inline constexpr int MULTIXACT_MEMBERS_PER_PAGE = MULTIXACT_MEMBERGROUPS_PER_PAGE * MULTIXACT_MEMBERS_PER_MEMBERGROUP;

// multixact.c address macros (PG15).
inline int multixact_offset_page(MultiXactId multi) { return static_cast<int>(multi / MULTIXACT_OFFSETS_PER_PAGE); }
inline int multixact_offset_entry(MultiXactId multi) { return static_cast<int>(multi % MULTIXACT_OFFSETS_PER_PAGE); }
inline int mx_offset_to_member_page(MultiXactOffset off) { return static_cast<int>(off / MULTIXACT_MEMBERS_PER_PAGE); }
inline int mx_offset_to_member_segment(MultiXactOffset off) { return mx_offset_to_member_page(off) / SLRU_PAGES_PER_SEGMENT; }
inline int mx_offset_to_flags_offset(MultiXactOffset off) {
    return static_cast<int>((off / MULTIXACT_MEMBERS_PER_MEMBERGROUP) % MULTIXACT_MEMBERGROUPS_PER_PAGE) *
           MULTIXACT_MEMBERGROUP_SIZE;
}
inline int mx_offset_to_flags_bit_shift(MultiXactOffset off) {
    return static_cast<int>(off % MULTIXACT_MEMBERS_PER_MEMBERGROUP) * MXACT_MEMBER_BITS_PER_XACT;
}
inline int mx_offset_to_member_offset(MultiXactOffset off) {
    return mx_offset_to_flags_offset(off) + MULTIXACT_FLAGBYTES_PER_GROUP +
           static_cast<int>(off % MULTIXACT_MEMBERS_PER_MEMBERGROUP) * static_cast<int>(sizeof(TransactionId));
}
inline MultiXactId previous_multixact_id(MultiXactId m) { return m == FirstMultiXactId ? MaxMultiXactId : m - 1; }

bool multixact_offset_page_precedes(int page1, int page2);  // MultiXactOffsetPagePrecedes (PG15)
bool multixact_member_page_precedes(int page1, int page2);  // MultiXactMemberPagePrecedes (PG15)

class MultiXactSlrus {
public:
    explicit MultiXactSlrus(const std::string& data_dir)
        : offsets_(data_dir, "pg_multixact/offsets", multixact_offset_page_precedes),
          members_(data_dir, "pg_multixact/members", multixact_member_page_precedes) {}

    // RecordNewMultiXact as PostgreSQL 15 has it since the minor release that backpatched "set
    // next multixid's offset when creating a new multixid" (the installed 15.18 does this):
    // offsets[multi] = offset and offsets[multi + 1] = offset + members (0 skipped to 1), then
    // each member's xid and status byte. In recovery, when multi + 1 is on the next offsets page
    // and that page is not the latest one yet (WAL of an older minor release), the next page is
    // zeroed and written first, and its later ZERO_OFF_PAGE record is skipped.
    Result<void> record_new_multixact(MultiXactId multi, MultiXactOffset offset,
                                      std::span<const MultiXactMember> members);
    Result<MultiXactOffset> get_offset(MultiXactId multi);
    Result<MultiXactMember> get_member(MultiXactOffset offset);
    // multixact_redo XLOG_MULTIXACT_ZERO_OFF_PAGE / ZERO_MEM_PAGE: zero and write the page
    // (an offsets page pre-initialised by record_new_multixact is left alone, once).
    Result<void> zero_offsets_page(int pageno);
    Result<void> zero_members_page(int pageno);
    // multixact_redo XLOG_MULTIXACT_TRUNCATE_ID (PG15): PerformMembersTruncation(start, end)
    // deletes member segments from start's up to (not including) end's, wrapping;
    // PerformOffsetsTruncation truncates offsets at the page of PreviousMultiXactId(end).
    Result<void> truncate_members(MultiXactOffset start_trunc_memb, MultiXactOffset end_trunc_memb);
    Result<bool> truncate_offsets(MultiXactId start_trunc_off, MultiXactId end_trunc_off);
    Result<void> flush();
    Slru& offsets() { return offsets_; }
    Slru& members() { return members_; }

private:
    Slru offsets_;
    Slru members_;
    int pre_initialized_offsets_page_ = -1;
};

}  // namespace understudy::storage
