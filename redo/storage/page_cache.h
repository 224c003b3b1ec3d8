// The redo engine's buffer pool: 8 kB pages in memory keyed by (RelFileNode, fork, block), read
// from the storage manager on first use, written back at restartpoints and at exit.
//
// It mirrors what recovery asks of PostgreSQL 15's buffer manager: XLogReadBufferExtended
// (src/backend/access/transam/xlogutils.c) with RBM_NORMAL (a missing or never-initialised page
// is reported, not invented), RBM_ZERO_AND_LOCK (the caller initialises the page or restores an
// image) and RBM_ZERO_ON_ERROR; MarkBufferDirty; CheckPointBuffers (write back every dirty page,
// here in file order, then fsync); DropRelFileNodeBuffers / DropDatabaseBuffers /
// FlushDatabaseBuffers. Memory is bounded: clean pages are evicted first, a dirty page is
// written before it is evicted. Pages in use by a redo routine are pinned (PageHandle) and never
// evicted, so a routine can hold the several blocks one record touches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "common/lsn.h"
#include "common/result.h"
#include "wal/decoded_record.h"
#include "wal/relpath.h"
#include "redo/storage/smgr.h"

namespace understudy::storage {

struct PageKey {
    RelFileNode rnode;
    ForkNumber forknum = MAIN_FORKNUM;
    BlockNumber blkno = 0;
    friend bool operator==(const PageKey&, const PageKey&) = default;
};

// File order: tablespace, database, relation, fork, block.
bool file_order_less(const PageKey& a, const PageKey& b);

// bufmgr.h ReadBufferMode values recovery uses.
enum class ReadBufferMode {
    RBM_NORMAL,         // read; a missing block or an all-zero (PageIsNew) page is reported
    RBM_ZERO_AND_LOCK,  // do not read: a page not cached comes back zeroed (caller initialises it)
    RBM_ZERO_ON_ERROR,  // read if there, else a zeroed page
};

enum class PageStatus {
    ok,
    missing_file,   // RBM_NORMAL: the fork does not exist (log_invalid_page in PostgreSQL)
    missing_block,  // RBM_NORMAL: the fork ends before this block
    new_page,       // RBM_NORMAL: the block exists but is all zero (PageIsNew)
};

// One cached page (owned by PageCache; PageHandle points at it while pinned).
struct PageCacheEntry {
    PageKey key;
    std::uint8_t* page = nullptr;  // BLCKSZ bytes in one of the cache's page slabs
    bool dirty = false;
    int pins = 0;
    std::list<PageCacheEntry*>::iterator lru_pos;  // front: most recently used
};

// A pinned page. While it lives the page stays in memory at the same address.
class PageHandle {
public:
    PageHandle() = default;
    PageHandle(PageHandle&& o) noexcept;
    PageHandle& operator=(PageHandle&& o) noexcept;
    PageHandle(const PageHandle&) = delete;
    PageHandle& operator=(const PageHandle&) = delete;
    ~PageHandle();

    bool valid() const { return entry_ != nullptr; }
    std::uint8_t* data() { return entry_->page; }
    const std::uint8_t* data() const { return entry_->page; }
    const PageKey& key() const { return entry_->key; }
    // MarkBufferDirty: the page is written back at the next flush (or before eviction).
    void mark_dirty() { entry_->dirty = true; }
    bool dirty() const { return entry_->dirty; }
    // ReleaseBuffer: unpin now.
    void release();

private:
    friend class PageCache;
    explicit PageHandle(PageCacheEntry* entry) : entry_(entry) { ++entry_->pins; }
    PageCacheEntry* entry_ = nullptr;
};

struct CachedPage {
    PageStatus status = PageStatus::ok;
    PageHandle page;  // valid only when status == ok
};

// xlogutils.h XLogRedoAction.
enum class XLogRedoAction {
    BLK_NEEDS_REDO,  // the page is older than the record: apply it
    BLK_DONE,        // the page's LSN is at or past the record's end: skip
    BLK_RESTORED,    // the full-page image was restored
    BLK_NOTFOUND,    // the block is missing (RBM_NORMAL); see `missing`
};

struct RedoBuffer {
    XLogRedoAction action = XLogRedoAction::BLK_NOTFOUND;
    PageHandle page;                         // valid unless BLK_NOTFOUND
    PageStatus missing = PageStatus::ok;     // why, for BLK_NOTFOUND
};

struct PageCacheStats {
    std::uint64_t hits = 0;
    std::uint64_t reads = 0;          // pages read from disk
    std::uint64_t zeroed = 0;         // pages handed out zeroed without a read
    std::uint64_t missing = 0;        // RBM_NORMAL requests answered missing / new
    std::uint64_t evictions = 0;      // clean pages dropped to make room
    std::uint64_t dirty_evictions = 0;  // dirty pages written to make room
    std::uint64_t writes = 0;         // pages written (eviction + flush)
};

class PageCache {
public:
    // max_pages: memory bound (max_pages * 8 kB), at least 1.
    PageCache(Smgr& smgr, std::size_t max_pages);
    PageCache(const PageCache&) = delete;
    PageCache& operator=(const PageCache&) = delete;
    ~PageCache();  // drops pages without writing them: call flush_all() first

    // XLogReadBufferExtended (PG15) without the locking.
    Result<CachedPage> read_for_redo(const PageKey& key, ReadBufferMode mode);

    // XLogReadBufferForRedoExtended (PG15) for one block reference of a record ending at
    // end_lsn. `will_init` is the block's BKPBLOCK_WILL_INIT flag and must agree with a zeroing
    // mode (PostgreSQL PANICs otherwise; here it is an error). `apply_image`, when not empty, is
    // the block's full-page image already restored to BLCKSZ bytes (RestoreBlockImage) for an
    // image flagged BKPIMAGE_APPLY: it replaces the page, the page LSN becomes end_lsn (unless
    // the image is an uninitialised page), the page is dirty, and an init-fork page is written
    // through at once (FlushOneBuffer).
    Result<RedoBuffer> read_buffer_for_redo(const PageKey& key, XLogRecPtr end_lsn, ReadBufferMode mode,
                                            bool will_init, std::span<const std::uint8_t> apply_image = {});

    // smgrnblocks as recovery sees it: the fork's size on disk, or one past the highest cached
    // block if that is larger (pages extended in memory but not yet written).
    Result<BlockNumber> nblocks(const RelFileNode& rnode, ForkNumber forknum);

    // CheckPointBuffers + the checkpointer's fsyncs (PG15): every dirty page written in file
    // order, then smgr sync. Pages stay cached, clean.
    Result<void> flush_all();
    // FlushDatabaseBuffers (PG15): writes the dirty pages of one database (by dbNode).
    Result<void> flush_database(Oid dbNode);

    // DropRelFileNodeBuffers (PG15): forget (without writing) cached pages of a fork from
    // first_block on. Pinned pages cannot be dropped: that is an error.
    Result<void> drop_relation_pages(const RelFileNode& rnode, ForkNumber forknum, BlockNumber first_block);
    // All forks of a relation, every block (smgrdounlinkall).
    Result<void> drop_relation(const RelFileNode& rnode);
    // DropDatabaseBuffers (PG15): every page of a database (by dbNode).
    Result<void> drop_database(Oid dbNode);

    // Called with a page's LSN before it is written (eviction or flush), as PostgreSQL's
    // FlushBuffer calls XLogFlush, which during recovery is UpdateMinRecoveryPoint: a full
    // directory raises pg_control's minRecoveryPoint first. An error fails the write.
    void set_before_write(std::function<Result<void>(XLogRecPtr page_lsn)> hook) { before_write_ = std::move(hook); }

    std::size_t size() const { return entries_.size(); }
    std::size_t dirty_pages() const;
    std::size_t capacity() const { return max_pages_; }
    const PageCacheStats& stats() const { return stats_; }
    Smgr& smgr() { return smgr_; }

private:
    struct KeyHash {
        std::size_t operator()(const PageKey& k) const;
    };
    using Entry = PageCacheEntry;

    Result<Entry*> make_room_and_insert(const PageKey& key);
    Result<void> evict_one();
    Result<void> write_entry(Entry& e);
    Result<void> write_sorted(std::vector<Entry*> dirty);
    Result<void> drop_if(const char* what, const std::function<bool(const PageKey&)>& pred);
    void touch(Entry& e);
    // fork_end_: one past the highest cached block of each relation fork (the key with blkno 0),
    // so that nblocks() need not scan the cache. Raised on insert; recomputed for the fork when
    // its highest cached page leaves (evict_one) and for all forks after a drop.
    static PageKey fork_key(const PageKey& k) { return PageKey{k.rnode, k.forknum, 0}; }
    void note_cached(const PageKey& k);
    void recompute_fork_end(const PageKey& fork);
    void note_removed(const PageKey& k);
    // A zeroed page buffer: a recycled one, else the next of a slab of kSlabPages (one
    // allocation, mapped by malloc, for many pages: not one heap growth, an mprotect() in the
    // replay thread's arena, per page). Buffers go back with release_page() when their entry
    // is evicted or dropped; slabs are freed with the cache (at most max_pages_ buffers, rounded
    // up to a slab, ever exist).
    std::uint8_t* take_page();
    void release_page(std::uint8_t* page) { free_pages_.push_back(page); }
    static constexpr std::size_t kSlabPages = 64;

    Smgr& smgr_;
    std::size_t max_pages_;
    std::unordered_map<PageKey, Entry, KeyHash> entries_;
    std::list<Entry*> lru_;
    std::unordered_map<PageKey, BlockNumber, KeyHash> fork_end_;
    std::vector<std::unique_ptr<std::uint8_t[]>> slabs_;
    std::size_t slab_used_ = kSlabPages;  // pages handed out from slabs_.back()
    std::vector<std::uint8_t*> free_pages_;
    PageCacheStats stats_;
    std::function<Result<void>(XLogRecPtr)> before_write_;
};

}  // namespace understudy::storage
