#include "redo/storage/page_cache.h"

#include <algorithm>
#include <cstring>
#include <tuple>

#include <fmt/format.h>

#include "redo/storage/page.h"

namespace understudy::storage {

namespace {

std::string describe(const PageKey& k) {
    return fmt::format("block {} of {} fork of relation {}", k.blkno, fork_name(k.forknum), format_relfilenode(k.rnode));
}

}  // namespace

bool file_order_less(const PageKey& a, const PageKey& b) {
    return std::tie(a.rnode.spcNode, a.rnode.dbNode, a.rnode.relNode, a.forknum, a.blkno) <
           std::tie(b.rnode.spcNode, b.rnode.dbNode, b.rnode.relNode, b.forknum, b.blkno);
}

PageHandle::PageHandle(PageHandle&& o) noexcept : entry_(o.entry_) { o.entry_ = nullptr; }

PageHandle& PageHandle::operator=(PageHandle&& o) noexcept {
    if (this != &o) {
        release();
        entry_ = o.entry_;
        o.entry_ = nullptr;
    }
    return *this;
}

PageHandle::~PageHandle() { release(); }

void PageHandle::release() {
    if (entry_) --entry_->pins;
    entry_ = nullptr;
}

std::size_t PageCache::KeyHash::operator()(const PageKey& k) const {
    std::uint64_t h = k.rnode.relNode;
    h = h * 0x9E3779B97F4A7C15ull + k.rnode.dbNode;
    h = h * 0x9E3779B97F4A7C15ull + k.rnode.spcNode;
    h = h * 0x9E3779B97F4A7C15ull + ((std::uint64_t{k.blkno} << 2) | k.forknum);
    return static_cast<std::size_t>(h ^ (h >> 31));
}

PageCache::PageCache(Smgr& smgr, std::size_t max_pages) : smgr_(smgr), max_pages_(std::max<std::size_t>(max_pages, 1)) {
    entries_.reserve(std::min<std::size_t>(max_pages_, 1u << 20));
}

PageCache::~PageCache() = default;

void PageCache::touch(Entry& e) { lru_.splice(lru_.begin(), lru_, e.lru_pos); }

std::size_t PageCache::dirty_pages() const {
    std::size_t n = 0;
    for (const auto& [k, e] : entries_) n += e.dirty ? 1 : 0;
    return n;
}

Result<void> PageCache::write_entry(Entry& e) {
    if (before_write_ && !page_is_new(e.page))
        if (auto r = before_write_(page_get_lsn(e.page)); !r)
            return make_error(fmt::format("could not write back {}: {}", describe(e.key), r.message()));
    if (auto r = smgr_.write(e.key.rnode, e.key.forknum, e.key.blkno, std::span<const std::uint8_t>(e.page, BLCKSZ));
        !r)
        return make_error(fmt::format("could not write back {}: {}", describe(e.key), r.message()));
    e.dirty = false;
    ++stats_.writes;
    return {};
}

void PageCache::note_cached(const PageKey& k) {
    BlockNumber& end = fork_end_[fork_key(k)];
    if (k.blkno + 1 > end) end = k.blkno + 1;
}

void PageCache::recompute_fork_end(const PageKey& fork) {
    BlockNumber end = 0;
    for (const auto& [k, e] : entries_)
        if (k.rnode == fork.rnode && k.forknum == fork.forknum && k.blkno + 1 > end) end = k.blkno + 1;
    if (end == 0) fork_end_.erase(fork);
    else fork_end_[fork] = end;
}

// After `k` left entries_.
void PageCache::note_removed(const PageKey& k) {
    const PageKey fork = fork_key(k);
    auto it = fork_end_.find(fork);
    if (it != fork_end_.end() && it->second == k.blkno + 1) recompute_fork_end(fork);
}

Result<void> PageCache::evict_one() {
    // A clean page among the least recently used goes first; failing that, the least recently
    // used dirty one is written and goes. The search for a clean page is bounded so that a
    // cache full of dirty pages does not make every miss a full scan.
    constexpr int kCleanSearchWindow = 64;
    Entry* victim = nullptr;
    int examined = 0;
    for (auto it = lru_.rbegin(); it != lru_.rend() && examined < kCleanSearchWindow; ++it) {
        Entry* e = *it;
        if (e->pins > 0) continue;
        ++examined;
        if (!e->dirty) {
            victim = e;
            break;
        }
        if (!victim) victim = e;
    }
    if (!victim)
        return make_error(fmt::format("page cache of {} pages is full of pages in use; raise the cache size",
                                      max_pages_));
    if (victim->dirty) {
        if (auto r = write_entry(*victim); !r) return r;
        ++stats_.dirty_evictions;
    } else {
        ++stats_.evictions;
    }
    lru_.erase(victim->lru_pos);
    release_page(victim->page);
    const PageKey key = victim->key;
    entries_.erase(key);
    note_removed(key);
    return {};
}

std::uint8_t* PageCache::take_page() {
    std::uint8_t* page = nullptr;
    if (!free_pages_.empty()) {
        page = free_pages_.back();
        free_pages_.pop_back();
    } else {
        if (slab_used_ == kSlabPages) {
            slabs_.push_back(std::unique_ptr<std::uint8_t[]>(new std::uint8_t[kSlabPages * BLCKSZ]));
            slab_used_ = 0;
        }
        page = slabs_.back().get() + slab_used_++ * BLCKSZ;
    }
    std::memset(page, 0, BLCKSZ);
    return page;
}

Result<PageCache::Entry*> PageCache::make_room_and_insert(const PageKey& key) {
    while (entries_.size() >= max_pages_)
        if (auto r = evict_one(); !r) return r.error();
    auto [it, inserted] = entries_.try_emplace(key);
    Entry& e = it->second;
    e.key = key;
    e.page = take_page();  // zeroed
    e.dirty = false;
    e.pins = 0;
    lru_.push_front(&e);
    e.lru_pos = lru_.begin();
    note_cached(key);
    return &e;
}

Result<CachedPage> PageCache::read_for_redo(const PageKey& key, ReadBufferMode mode) {
    if (auto it = entries_.find(key); it != entries_.end()) {
        Entry& e = it->second;
        ++stats_.hits;
        touch(e);
        if (mode == ReadBufferMode::RBM_NORMAL && page_is_new(e.page)) {
            ++stats_.missing;
            return CachedPage{PageStatus::new_page, {}};
        }
        return CachedPage{PageStatus::ok, PageHandle(&e)};
    }

    // smgrcreate(isRedo) comes first in XLogReadBufferExtended, whatever the mode.
    const bool existed = smgr_.exists(key.rnode, key.forknum);
    if (!existed)
        if (auto r = smgr_.create(key.rnode, key.forknum); !r) return r.error();

    if (mode == ReadBufferMode::RBM_ZERO_AND_LOCK) {
        auto e = make_room_and_insert(key);
        if (!e) return e.error();
        ++stats_.zeroed;
        return CachedPage{PageStatus::ok, PageHandle(*e)};
    }

    std::uint8_t buf[BLCKSZ];
    auto st = smgr_.read(key.rnode, key.forknum, key.blkno, std::span<std::uint8_t>(buf, BLCKSZ));
    if (!st) return make_error(fmt::format("could not read {}: {}", describe(key), st.message()));
    if (*st != ReadStatus::ok) {
        if (mode == ReadBufferMode::RBM_NORMAL) {
            ++stats_.missing;
            return CachedPage{existed ? PageStatus::missing_block : PageStatus::missing_file, {}};
        }
        auto e = make_room_and_insert(key);  // RBM_ZERO_ON_ERROR
        if (!e) return e.error();
        ++stats_.zeroed;
        return CachedPage{PageStatus::ok, PageHandle(*e)};
    }
    auto e = make_room_and_insert(key);
    if (!e) return e.error();
    std::memcpy((*e)->page, buf, BLCKSZ);
    ++stats_.reads;
    if (mode == ReadBufferMode::RBM_NORMAL && page_is_new(buf)) {
        ++stats_.missing;
        return CachedPage{PageStatus::new_page, {}};
    }
    return CachedPage{PageStatus::ok, PageHandle(*e)};
}

Result<RedoBuffer> PageCache::read_buffer_for_redo(const PageKey& key, XLogRecPtr end_lsn, ReadBufferMode mode,
                                                  bool will_init, std::span<const std::uint8_t> apply_image) {
    const bool zeromode = mode == ReadBufferMode::RBM_ZERO_AND_LOCK;
    if (will_init && !zeromode)
        return make_error(fmt::format("{}: block with WILL_INIT flag in WAL record must be zeroed by redo routine "
                                      "(record ending at {})",
                                      describe(key), format_lsn(end_lsn)));
    if (!will_init && zeromode)
        return make_error(fmt::format("{}: block to be initialized in redo routine must be marked with WILL_INIT "
                                      "flag in the WAL record (record ending at {})",
                                      describe(key), format_lsn(end_lsn)));

    if (!apply_image.empty()) {
        if (apply_image.size() != BLCKSZ)
            return make_error(fmt::format("{}: restored full-page image is {} bytes, not {} (record ending at {})",
                                          describe(key), apply_image.size(), BLCKSZ, format_lsn(end_lsn)));
        auto r = read_for_redo(key, ReadBufferMode::RBM_ZERO_AND_LOCK);
        if (!r) return r.error();
        PageHandle page = std::move(r->page);
        std::memcpy(page.data(), apply_image.data(), BLCKSZ);
        if (!page_is_new(page.data())) page_set_lsn(page.data(), end_lsn);
        page.mark_dirty();
        if (key.forknum == INIT_FORKNUM) {
            if (auto w = write_entry(*page.entry_); !w) return w.error();
        }
        return RedoBuffer{XLogRedoAction::BLK_RESTORED, std::move(page), PageStatus::ok};
    }

    auto r = read_for_redo(key, mode);
    if (!r) return r.error();
    if (r->status != PageStatus::ok) return RedoBuffer{XLogRedoAction::BLK_NOTFOUND, {}, r->status};
    const XLogRedoAction action =
        end_lsn <= page_get_lsn(r->page.data()) ? XLogRedoAction::BLK_DONE : XLogRedoAction::BLK_NEEDS_REDO;
    return RedoBuffer{action, std::move(r->page), PageStatus::ok};
}

Result<BlockNumber> PageCache::nblocks(const RelFileNode& rnode, ForkNumber forknum) {
    auto disk = smgr_.nblocks(rnode, forknum);
    if (!disk) return disk.error();
    BlockNumber n = *disk;
    auto it = fork_end_.find(PageKey{rnode, forknum, 0});
    if (it != fork_end_.end() && it->second > n) n = it->second;
    return n;
}

Result<void> PageCache::write_sorted(std::vector<Entry*> dirty) {
    std::sort(dirty.begin(), dirty.end(), [](const Entry* a, const Entry* b) { return file_order_less(a->key, b->key); });
    for (Entry* e : dirty)
        if (auto r = write_entry(*e); !r) return r;
    return {};
}

Result<void> PageCache::flush_all() {
    std::vector<Entry*> dirty;
    for (auto& [k, e] : entries_)
        if (e.dirty) dirty.push_back(&e);
    if (auto r = write_sorted(std::move(dirty)); !r) return r;
    return smgr_.sync();
}

Result<void> PageCache::flush_database(Oid dbNode) {
    std::vector<Entry*> dirty;
    for (auto& [k, e] : entries_)
        if (e.dirty && k.rnode.dbNode == dbNode) dirty.push_back(&e);
    return write_sorted(std::move(dirty));
}

Result<void> PageCache::drop_if(const char* what, const std::function<bool(const PageKey&)>& pred) {
    Result<void> result{};
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (!pred(it->first)) {
            ++it;
            continue;
        }
        if (it->second.pins > 0) {
            result = make_error(fmt::format("cannot drop {} for {}: the page is in use", describe(it->first), what));
            break;
        }
        lru_.erase(it->second.lru_pos);
        release_page(it->second.page);
        it = entries_.erase(it);
    }
    // Drops are rare: rebuild every fork's end from what is left.
    fork_end_.clear();
    for (const auto& [k, e] : entries_) note_cached(k);
    return result;
}

Result<void> PageCache::drop_relation_pages(const RelFileNode& rnode, ForkNumber forknum, BlockNumber first_block) {
    return drop_if("a relation truncation", [&](const PageKey& k) {
        return k.rnode == rnode && k.forknum == forknum && k.blkno >= first_block;
    });
}

Result<void> PageCache::drop_relation(const RelFileNode& rnode) {
    return drop_if("a relation drop", [&](const PageKey& k) { return k.rnode == rnode; });
}

Result<void> PageCache::drop_database(Oid dbNode) {
    return drop_if("a database drop", [&](const PageKey& k) { return k.rnode.dbNode == dbNode; });
}

}  // namespace understudy::storage
