// Describe routines of the Gin rmgr: mirrors gin_desc() (with desc_recompress_leaf()) and
// gin_identify() of PostgreSQL 15 (src/backend/access/rmgrdesc/gindesc.c). 14, 16, 17 and 18
// print the same and their Gin record layouts are 15's.
#include <iterator>
#include <span>
#include <string>

#include <fmt/format.h>

#include "common/bytes.h"
#include "wal/describe/desc_utils.h"
#include "wal/records/gin.h"
#include "wal/rmgr_desc.h"

namespace understudy {

namespace {

using Bytes = std::span<const std::uint8_t>;

char tf(bool b) { return b ? 'T' : 'F'; }

// A note where PostgreSQL would read past the end of the record or block data (it has no
// checks there): printed instead of the rest of the description, after a space.
void note_short(std::string& out, std::size_t have, std::size_t need) {
    out += ' ';
    append_truncated(out, have, need);
}

// desc_recompress_leaf (PG15): the segment actions of a posting tree leaf recompression.
void desc_recompress_leaf(std::string& out, Bytes data) {
    auto app = std::back_inserter(out);
    if (data.size() < sizeof(ginxlogRecompressDataLeaf)) {
        note_short(out, data.size(), sizeof(ginxlogRecompressDataLeaf));
        return;
    }
    const auto nactions = load<std::uint16_t>(data.data());
    fmt::format_to(app, " {} segments:", static_cast<int>(nactions));

    std::size_t pos = sizeof(ginxlogRecompressDataLeaf);
    for (int i = 0; i < nactions; i++) {
        if (data.size() < pos + sizeof(ginxlogSegmentAction)) {
            note_short(out, data.size(), pos + sizeof(ginxlogSegmentAction));
            return;
        }
        const std::uint8_t a_segno = data[pos];
        const std::uint8_t a_action = data[pos + 1];
        pos += sizeof(ginxlogSegmentAction);
        std::uint16_t nitems = 0;
        std::size_t need = pos;

        if (a_action == GIN_SEGMENT_INSERT || a_action == GIN_SEGMENT_REPLACE) {
            need = pos + GinPostingListHeaderSize;
            if (data.size() >= need) {
                const auto nbytes = load<std::uint16_t>(data.data() + pos + offsetof(GinPostingList, nbytes));
                pos += SHORTALIGN(SizeOfGinPostingList(nbytes));
            }
        }
        if (a_action == GIN_SEGMENT_ADDITEMS) {
            need = pos + sizeof(std::uint16_t);
            if (data.size() >= need) {
                nitems = load<std::uint16_t>(data.data() + pos);
                pos += sizeof(std::uint16_t) + std::size_t{nitems} * sizeof(ItemPointerData);
            }
        }

        switch (a_action) {
            case GIN_SEGMENT_ADDITEMS: fmt::format_to(app, " {} (add {} items)", a_segno, nitems); break;
            case GIN_SEGMENT_DELETE: fmt::format_to(app, " {} (delete)", a_segno); break;
            case GIN_SEGMENT_INSERT: fmt::format_to(app, " {} (insert)", a_segno); break;
            case GIN_SEGMENT_REPLACE: fmt::format_to(app, " {} (replace)", a_segno); break;
            default:
                fmt::format_to(app, " {} unknown action {} ???", a_segno, a_action);
                return;  // cannot decode unrecognized actions further
        }
        if (data.size() < need) {
            note_short(out, data.size(), need);
            return;
        }
    }
}

// The " (full page image...)" text gin_desc prints instead of block 0's data when the block
// carries an image. Returns false when there is no image.
bool desc_block0_image(std::string& out, const DecodedRecord& record) {
    const DecodedBkpBlock& blk = record.blocks[0];
    if (!blk.has_image) return false;
    out += blk.apply_image ? " (full page image)" : " (full page image, for WAL verification)";
    return true;
}

// Block 0's data (empty when block 0 carries none).
Bytes block0_data(const DecodedRecord& record) {
    const DecodedBkpBlock* blk = record.block(0);
    if (blk == nullptr || !blk->has_data) return {};
    return blk->data;
}

void desc_insert(std::string& out, const DecodedRecord& record) {
    auto app = std::back_inserter(out);
    const Bytes rec = record.main_data;
    if (rec.size() < sizeof(ginxlogInsert)) {
        append_truncated(out, rec.size(), sizeof(ginxlogInsert));
        return;
    }
    const auto flags = load<std::uint16_t>(rec.data() + offsetof(ginxlogInsert, flags));
    fmt::format_to(app, "isdata: {} isleaf: {}", tf(flags & GIN_INSERT_ISDATA), tf(flags & GIN_INSERT_ISLEAF));
    if (!(flags & GIN_INSERT_ISLEAF)) {
        const std::size_t need = sizeof(ginxlogInsert) + 2 * sizeof(BlockIdData);
        if (rec.size() < need) {
            note_short(out, rec.size(), need);
            return;
        }
        const auto left = load<BlockIdData>(rec.data() + sizeof(ginxlogInsert));
        const auto right = load<BlockIdData>(rec.data() + sizeof(ginxlogInsert) + sizeof(BlockIdData));
        fmt::format_to(app, " children: {}/{}", BlockIdGetBlockNumber(left), BlockIdGetBlockNumber(right));
    }
    if (desc_block0_image(out, record)) return;

    const Bytes payload = block0_data(record);
    if (!(flags & GIN_INSERT_ISDATA)) {
        const std::size_t need = offsetof(ginxlogInsertEntry, isDelete) + sizeof(bool);
        if (payload.size() < need) {
            note_short(out, payload.size(), need);
            return;
        }
        fmt::format_to(app, " isdelete: {}", tf(payload[offsetof(ginxlogInsertEntry, isDelete)] != 0));
    } else if (flags & GIN_INSERT_ISLEAF) {
        desc_recompress_leaf(out, payload);
    } else {
        const auto insertData = read_record_struct<ginxlogInsertDataInternal>(payload, sizeof(ginxlogInsertDataInternal));
        if (!insertData) {
            note_short(out, payload.size(), sizeof(ginxlogInsertDataInternal));
            return;
        }
        fmt::format_to(app, " pitem: {}-{}/{}", PostingItemGetBlockNumber(insertData->newitem),
                       item_pointer_block(insertData->newitem.key), item_pointer_offset(insertData->newitem.key));
    }
}

void desc_split(std::string& out, const DecodedRecord& record) {
    const Bytes rec = record.main_data;
    const std::size_t need = offsetof(ginxlogSplit, flags) + sizeof(std::uint16_t);
    if (rec.size() < need) {
        append_truncated(out, rec.size(), need);
        return;
    }
    const auto flags = load<std::uint16_t>(rec.data() + offsetof(ginxlogSplit, flags));
    fmt::format_to(std::back_inserter(out), "isrootsplit: {} isdata: {} isleaf: {}", tf(flags & GIN_SPLIT_ROOT),
                   tf(flags & GIN_INSERT_ISDATA), tf(flags & GIN_INSERT_ISLEAF));
}

void desc_vacuum_data_leaf_page(std::string& out, const DecodedRecord& record) {
    if (desc_block0_image(out, record)) return;
    desc_recompress_leaf(out, block0_data(record).subspan(offsetof(ginxlogVacuumDataLeafPage, data)));
}

void desc_delete_listpage(std::string& out, const DecodedRecord& record) {
    const Bytes rec = record.main_data;
    const std::size_t need = offsetof(ginxlogDeleteListPages, ndeleted) + sizeof(std::int32_t);
    if (rec.size() < need) {
        append_truncated(out, rec.size(), need);
        return;
    }
    fmt::format_to(std::back_inserter(out), "ndeleted: {}",
                   load<std::int32_t>(rec.data() + offsetof(ginxlogDeleteListPages, ndeleted)));
}

}  // namespace

// gin_desc (PG15).
void gin_desc(std::string& out, const DecodedRecord& record) {
    switch (record.info()) {
        case XLOG_GIN_INSERT: desc_insert(out, record); break;
        case XLOG_GIN_SPLIT: desc_split(out, record); break;
        case XLOG_GIN_VACUUM_DATA_LEAF_PAGE: desc_vacuum_data_leaf_page(out, record); break;
        case XLOG_GIN_DELETE_LISTPAGE: desc_delete_listpage(out, record); break;
        default:
            // CREATE_PTREE, VACUUM_PAGE, DELETE_PAGE, UPDATE_META_PAGE, INSERT_LISTPAGE: no further
            // information.
            break;
    }
}

// gin_identify (PG15).
const char* gin_identify(std::uint8_t xl_info, const WalFormat& /*format*/) {
    switch (xl_info & 0xF0) {
        case XLOG_GIN_CREATE_PTREE: return "CREATE_PTREE";
        case XLOG_GIN_INSERT: return "INSERT";
        case XLOG_GIN_SPLIT: return "SPLIT";
        case XLOG_GIN_VACUUM_PAGE: return "VACUUM_PAGE";
        case XLOG_GIN_VACUUM_DATA_LEAF_PAGE: return "VACUUM_DATA_LEAF_PAGE";
        case XLOG_GIN_DELETE_PAGE: return "DELETE_PAGE";
        case XLOG_GIN_UPDATE_META_PAGE: return "UPDATE_META_PAGE";
        case XLOG_GIN_INSERT_LISTPAGE: return "INSERT_LISTPAGE";
        case XLOG_GIN_DELETE_LISTPAGE: return "DELETE_LISTPAGE";
        default: return nullptr;
    }
}

}  // namespace understudy
