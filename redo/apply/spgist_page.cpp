// SP-GiST page helpers used by spg_redo (see spgist_page.h), PostgreSQL 15.
#include "redo/apply/spgist_page.h"

#include <algorithm>
#include <array>
#include <vector>

#include <fmt/format.h>

namespace understudy::redo::spgist {

namespace {

std::uint8_t* opaque(std::uint8_t* page) { return storage::page_get_special_pointer(page); }

// ItemPointerSet / ItemPointerSetInvalid at p (BlockIdData {bi_hi, bi_lo}, then ip_posid).
void set_item_pointer(std::uint8_t* p, BlockNumber blkno, storage::OffsetNumber off) {
    store<std::uint16_t>(p, static_cast<std::uint16_t>(blkno >> 16));
    store<std::uint16_t>(p + 2, static_cast<std::uint16_t>(blkno & 0xFFFF));
    store<std::uint16_t>(p + 4, off);
}

}  // namespace

void init_page(std::uint8_t* page, std::uint16_t flags) {
    storage::page_init(page, SizeOfSpGistPageOpaqueData);
    store<std::uint16_t>(opaque(page), flags);
    store<std::uint16_t>(opaque(page) + 6, SPGIST_PAGE_ID);
}

std::uint16_t n_redirection(std::uint8_t* page) { return load<std::uint16_t>(opaque(page) + 2); }
std::uint16_t n_placeholder(std::uint8_t* page) { return load<std::uint16_t>(opaque(page) + 4); }
void set_n_redirection(std::uint8_t* page, std::uint16_t v) { store<std::uint16_t>(opaque(page) + 2, v); }
void set_n_placeholder(std::uint8_t* page, std::uint16_t v) { store<std::uint16_t>(opaque(page) + 4, v); }

void form_dead_tuple(std::uint8_t* out, unsigned tupstate, BlockNumber blkno, storage::OffsetNumber offnum,
                     TransactionId my_xid) {
    // SpGistDeadTupleData: tupstate:2 | size:30, t_info (nextOffset invalid), pointer, xid.
    std::fill(out, out + SGDTSIZE, std::uint8_t{0});
    store<std::uint32_t>(out, static_cast<std::uint32_t>((SGDTSIZE << 2) | (tupstate & 0x3u)));
    store<std::uint16_t>(out + 4, 0);
    if (tupstate == SPGIST_REDIRECT) {
        set_item_pointer(out + 6, blkno, offnum);
        store<std::uint32_t>(out + 12, my_xid);
    } else {
        set_item_pointer(out + 6, InvalidBlockNumber, storage::InvalidOffsetNumber);
        store<std::uint32_t>(out + 12, InvalidTransactionId);
    }
}

Result<void> update_node_link(std::uint8_t* tuple, std::size_t avail, int node_n, BlockNumber blkno,
                              storage::OffsetNumber offset) {
    const std::uint32_t word = load<std::uint32_t>(tuple);
    const int n_nodes = static_cast<int>((word >> 3) & 0x1FFFu);
    const std::size_t prefix_size = word >> 16;
    std::size_t pos = SGITHDRSZ + prefix_size;  // SGITNODEPTR
    for (int i = 0; i < n_nodes; ++i) {
        if (pos + 8 > avail) break;
        if (i == node_n) {
            set_item_pointer(tuple + pos, blkno, offset);
            return {};
        }
        const std::size_t sz = load<std::uint16_t>(tuple + pos + 6) & 0x1FFFu;  // IndexTupleSize
        if (sz == 0) break;
        pos += sz;
    }
    return make_error(fmt::format("failed to find requested node {} in SPGiST inner tuple", node_n));
}

Result<void> page_index_multi_delete(std::uint8_t* page, std::span<const storage::OffsetNumber> itemnos,
                                     unsigned firststate, unsigned reststate, BlockNumber blkno,
                                     storage::OffsetNumber offnum, TransactionId my_xid) {
    if (itemnos.empty()) return {};
    std::vector<storage::OffsetNumber> sortednos(itemnos.begin(), itemnos.end());
    std::sort(sortednos.begin(), sortednos.end());
    auto del = storage::page_index_multi_delete(page, sortednos);
    if (!del) return del;
    const storage::OffsetNumber first_item = itemnos[0];
    std::array<std::uint8_t, SGDTSIZE> tuple{};
    for (storage::OffsetNumber itemno : sortednos) {
        const unsigned tupstate = itemno == first_item ? firststate : reststate;
        form_dead_tuple(tuple.data(), tupstate, blkno, offnum, my_xid);
        if (storage::page_add_item(page, tuple, itemno, false, false) != itemno)
            return make_error(fmt::format("failed to add item of size {} to SPGiST index page at offset {}", SGDTSIZE,
                                          itemno));
        if (tupstate == SPGIST_REDIRECT)
            set_n_redirection(page, static_cast<std::uint16_t>(n_redirection(page) + 1));
        else if (tupstate == SPGIST_PLACEHOLDER)
            set_n_placeholder(page, static_cast<std::uint16_t>(n_placeholder(page) + 1));
    }
    return {};
}

Result<void> add_or_replace_tuple(std::uint8_t* page, std::span<const std::uint8_t> tuple,
                                  storage::OffsetNumber offset) {
    if (offset <= storage::page_get_max_offset_number(page)) {
        const storage::ItemIdData id = storage::page_get_item_id(page, offset);
        if (tuple_state(storage::page_get_item(page, id)) != SPGIST_PLACEHOLDER)
            return make_error(fmt::format("SPGiST tuple to be replaced at offset {} is not a placeholder", offset));
        set_n_placeholder(page, static_cast<std::uint16_t>(n_placeholder(page) - 1));
        auto del = storage::page_index_tuple_delete(page, offset);
        if (!del) return del;
    }
    if (storage::page_add_item(page, tuple, offset, false, false) != offset)
        return make_error(fmt::format("failed to add item of size {} to SPGiST index page at offset {}", tuple.size(),
                                      offset));
    return {};
}

}  // namespace understudy::redo::spgist
