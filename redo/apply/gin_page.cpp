// GIN page layout and posting-list helpers (see gin_page.h), PostgreSQL 15.
#include "redo/apply/gin_page.h"

#include <cstring>

#include "common/bytes.h"
#include "redo/storage/page.h"

namespace understudy::redo::gin {
namespace {

constexpr int MaxHeapTuplesPerPageBits = 11;
constexpr int MaxBytesPerInteger = 7;
constexpr std::size_t GinPostingListHeader = 8;  // offsetof(GinPostingList, bytes)

std::uint8_t* opaque(std::uint8_t* page) { return storage::page_get_special_pointer(page); }
const std::uint8_t* opaque(const std::uint8_t* page) { return storage::page_get_special_pointer(page); }

// encode_varbyte (ginpostinglist.c, PG15).
std::size_t encode_varbyte(std::uint64_t val, std::uint8_t* p) {
    std::size_t n = 0;
    while (val > 0x7F) {
        p[n++] = static_cast<std::uint8_t>(0x80 | (val & 0x7F));
        val >>= 7;
    }
    p[n++] = static_cast<std::uint8_t>(val);
    return n;
}

// decode_varbyte (ginpostinglist.c, PG15): at most 7 bytes, the 7th without continuation bit.
bool decode_varbyte(const std::uint8_t*& p, const std::uint8_t* end, std::uint64_t& val) {
    val = 0;
    for (int i = 0; i < MaxBytesPerInteger; ++i) {
        if (p >= end) return false;
        std::uint64_t c = *p++;
        if (i == MaxBytesPerInteger - 1) {
            val |= c << 42;
            return true;
        }
        val |= (c & 0x7F) << (7 * i);
        if ((c & 0x80) == 0) return true;
    }
    return true;
}

}  // namespace

BlockNumber gin_rightlink(const std::uint8_t* page) { return load<std::uint32_t>(opaque(page)); }
void set_gin_rightlink(std::uint8_t* page, BlockNumber v) { store<std::uint32_t>(opaque(page), v); }
std::uint16_t gin_maxoff(const std::uint8_t* page) { return load<std::uint16_t>(opaque(page) + 4); }
void set_gin_maxoff(std::uint8_t* page, std::uint16_t v) { store<std::uint16_t>(opaque(page) + 4, v); }
std::uint16_t gin_flags(const std::uint8_t* page) { return load<std::uint16_t>(opaque(page) + 6); }
void set_gin_flags(std::uint8_t* page, std::uint16_t v) { store<std::uint16_t>(opaque(page) + 6, v); }

void gin_init_page(std::uint8_t* page, std::uint16_t flags) {
    storage::page_init(page, SizeOfGinPageOpaqueData);
    set_gin_flags(page, flags);
    set_gin_rightlink(page, InvalidBlockNumber);
}

void gin_init_metabuffer(std::uint8_t* page) {
    gin_init_page(page, GIN_META);
    std::uint8_t* m = storage::page_get_contents(page);
    std::memset(m, 0, SizeOfGinMetaPageData);
    store<std::uint32_t>(m + 0, InvalidBlockNumber);   // head
    store<std::uint32_t>(m + 4, InvalidBlockNumber);   // tail
    store<std::int32_t>(m + 48, 2);                    // ginVersion = GIN_CURRENT_VERSION
    storage::set_pd_lower(page, static_cast<std::uint16_t>((m - page) + SizeOfGinMetaPageData));
}

void gin_data_page_set_data_size(std::uint8_t* page, std::size_t size) {
    storage::set_pd_lower(page, static_cast<std::uint16_t>(size + GinDataPageDataOffset));
}

std::size_t gin_data_leaf_page_posting_list_size(const std::uint8_t* page) {
    std::size_t lower = storage::pd_lower(page);
    return lower >= GinDataPageDataOffset ? lower - GinDataPageDataOffset : 0;
}

bool gin_data_page_add_posting_item(std::uint8_t* page, std::span<const std::uint8_t> item, std::uint16_t offset) {
    std::uint16_t maxoff = gin_maxoff(page);
    std::uint8_t* data = page + GinDataPageDataOffset;
    if (GinDataPageDataOffset + (std::size_t{maxoff} + 1) * SizeOfPostingItem > storage::pd_special(page)) return false;
    std::uint8_t* ptr;
    if (offset == 0) {
        ptr = data + std::size_t{maxoff} * SizeOfPostingItem;
    } else {
        if (offset > maxoff + 1) return false;
        ptr = data + (std::size_t{offset} - 1) * SizeOfPostingItem;
        if (offset != maxoff + 1)
            std::memmove(ptr + SizeOfPostingItem, ptr, (std::size_t{maxoff} - offset + 1) * SizeOfPostingItem);
    }
    std::memcpy(ptr, item.data(), SizeOfPostingItem);
    ++maxoff;
    set_gin_maxoff(page, maxoff);
    gin_data_page_set_data_size(page, std::size_t{maxoff} * SizeOfPostingItem);
    return true;
}

bool gin_page_delete_posting_item(std::uint8_t* page, std::uint16_t offset) {
    std::uint16_t maxoff = gin_maxoff(page);
    if (offset < 1 || offset > maxoff) return false;
    std::uint8_t* data = page + GinDataPageDataOffset;
    if (offset != maxoff)
        std::memmove(data + (std::size_t{offset} - 1) * SizeOfPostingItem, data + std::size_t{offset} * SizeOfPostingItem,
                     SizeOfPostingItem * (std::size_t{maxoff} - offset));
    --maxoff;
    set_gin_maxoff(page, maxoff);
    gin_data_page_set_data_size(page, std::size_t{maxoff} * SizeOfPostingItem);
    return true;
}

std::uint64_t itemptr_to_uint64(const std::uint8_t* iptr) {
    std::uint64_t blk = (std::uint64_t{load<std::uint16_t>(iptr)} << 16) | load<std::uint16_t>(iptr + 2);
    return (blk << MaxHeapTuplesPerPageBits) | load<std::uint16_t>(iptr + 4);
}

void uint64_to_itemptr(std::uint64_t val, std::uint8_t* iptr) {
    store<std::uint16_t>(iptr + 4, static_cast<std::uint16_t>(val & ((1u << MaxHeapTuplesPerPageBits) - 1)));
    auto blk = static_cast<std::uint32_t>(val >> MaxHeapTuplesPerPageBits);
    store<std::uint16_t>(iptr, static_cast<std::uint16_t>(blk >> 16));
    store<std::uint16_t>(iptr + 2, static_cast<std::uint16_t>(blk & 0xFFFF));
}

std::size_t size_of_posting_list(const std::uint8_t* seg) {
    std::size_t nbytes = load<std::uint16_t>(seg + 6);
    return GinPostingListHeader + ((nbytes + 1) & ~std::size_t{1});
}

bool gin_posting_list_decode(std::span<const std::uint8_t> seg, std::vector<std::uint64_t>& out) {
    if (seg.size() < GinPostingListHeader) return false;
    std::size_t nbytes = load<std::uint16_t>(seg.data() + 6);
    if (seg.size() < GinPostingListHeader + nbytes) return false;
    std::uint64_t val = itemptr_to_uint64(seg.data());
    out.push_back(val);
    const std::uint8_t* p = seg.data() + GinPostingListHeader;
    const std::uint8_t* end = p + nbytes;
    while (p < end) {
        std::uint64_t delta = 0;
        if (!decode_varbyte(p, end, delta)) return false;
        val += delta;
        out.push_back(val);
    }
    return true;
}

std::vector<std::uint64_t> gin_merge_item_pointers(const std::vector<std::uint64_t>& a,
                                                   const std::vector<std::uint64_t>& b) {
    std::vector<std::uint64_t> dst;
    dst.reserve(a.size() + b.size());
    if (a.empty() || b.empty() || a.back() < b.front()) {
        dst.insert(dst.end(), a.begin(), a.end());
        dst.insert(dst.end(), b.begin(), b.end());
    } else if (b.back() < a.front()) {
        dst.insert(dst.end(), b.begin(), b.end());
        dst.insert(dst.end(), a.begin(), a.end());
    } else {
        std::size_t i = 0;
        std::size_t j = 0;
        while (i < a.size() && j < b.size()) {
            if (a[i] > b[j]) {
                dst.push_back(b[j++]);
            } else if (a[i] == b[j]) {
                dst.push_back(b[j++]);
                ++i;
            } else {
                dst.push_back(a[i++]);
            }
        }
        while (i < a.size()) dst.push_back(a[i++]);
        while (j < b.size()) dst.push_back(b[j++]);
    }
    return dst;
}

std::vector<std::uint8_t> gin_compress_posting_list(const std::vector<std::uint64_t>& items, std::size_t maxsize,
                                                    std::size_t& npacked) {
    maxsize &= ~std::size_t{1};  // SHORTALIGN_DOWN
    std::vector<std::uint8_t> out(maxsize, 0);
    npacked = 0;
    if (items.empty()) return {};
    uint64_to_itemptr(items[0], out.data());
    std::uint64_t prev = items[0];
    std::size_t ptr = GinPostingListHeader;
    const std::size_t end = maxsize;
    for (npacked = 1; npacked < items.size(); ++npacked) {
        std::uint8_t buf[MaxBytesPerInteger];
        std::size_t n = encode_varbyte(items[npacked] - prev, buf);
        if (n > end - ptr) break;
        std::memcpy(out.data() + ptr, buf, n);
        ptr += n;
        prev = items[npacked];
    }
    auto nbytes = static_cast<std::uint16_t>(ptr - GinPostingListHeader);
    store<std::uint16_t>(out.data() + 6, nbytes);
    if (nbytes & 1) out[ptr] = 0;
    out.resize(GinPostingListHeader + ((std::size_t{nbytes} + 1) & ~std::size_t{1}));
    return out;
}

}  // namespace understudy::redo::gin
