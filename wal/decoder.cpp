// DecodeXLogRecord (PostgreSQL 15), producing spans instead of copies.
#include "wal/decoder.h"

#include "common/bytes.h"
#include "common/wal_format_messages.h"

namespace understudy {

namespace {

// The error PostgreSQL reports when a record's headers run past its length.
Error short_data(const WalMessages& m, XLogRecPtr report_lsn) {
    return make_error(record_invalid_length_text(m, report_lsn));
}

void load_header(std::span<const std::uint8_t> bytes, XLogRecPtr lsn, XLogRecPtr end_lsn,
                 DecodedRecord& out) {
    const std::uint8_t* p = bytes.data();
    out.lsn = lsn;
    out.end_lsn = end_lsn;
    out.xl_tot_len = load<std::uint32_t>(p + record_layout::xl_tot_len);
    out.xl_xid = load<std::uint32_t>(p + record_layout::xl_xid);
    out.xl_prev = load<std::uint64_t>(p + record_layout::xl_prev);
    out.xl_info = p[record_layout::xl_info];
    out.xl_rmid = p[record_layout::xl_rmid];
    out.xl_crc = load<std::uint32_t>(p + record_layout::xl_crc);
    out.record_origin = InvalidRepOriginId;
    out.toplevel_xid = InvalidTransactionId;
    out.main_data = {};
    out.main_data_len = 0;
    out.max_block_id = -1;
}

// Checks of the image header fields, in DecodeXLogRecord's order and wording.
Result<void> check_image(const WalFormat& f, const DecodedBkpBlock& b, XLogRecPtr at) {
    const bool has_hole = (b.bimg_info & f.bkpimage_has_hole) != 0;
    const bool compressed = f.image_compressed(b.bimg_info);
    const WalMessages& m = wal_messages(f);
    if (has_hole && (b.hole_offset == 0 || b.hole_length == 0 || b.bimg_len == BLCKSZ))
        return make_error(hole_set_bad_hole_text(m, b.hole_offset, b.hole_length, b.bimg_len, at));
    if (!has_hole && (b.hole_offset != 0 || b.hole_length != 0))
        return make_error(hole_not_set_bad_hole_text(m, b.hole_offset, b.hole_length, at));
    if (compressed && b.bimg_len == BLCKSZ)
        return make_error(compressed_full_length_text(m, b.bimg_len, at));
    if (!has_hole && !compressed && b.bimg_len != BLCKSZ)
        // PostgreSQL 14 to 18 print data_len here (sic); keep their text.
        return make_error(uncompressed_short_length_text(m, b.data_len, at));
    return {};
}

}  // namespace

Result<void> decode_record(const WalFormat& f, std::span<const std::uint8_t> bytes,
                           XLogRecPtr lsn, XLogRecPtr end_lsn, XLogRecPtr report_lsn,
                           DecodedRecord& out) {
    const WalMessages& msgs = wal_messages(f);
    if (bytes.size() < SizeOfXLogRecord) return short_data(msgs, report_lsn);
    load_header(bytes, lsn, end_lsn, out);
    out.format = &f;

    ByteReader r(bytes.subspan(SizeOfXLogRecord));
    std::uint64_t datatotal = 0;
    const RelFileNode* last_rnode = nullptr;

    while (r.remaining() > datatotal) {
        std::uint8_t block_id = 0;
        if (!r.read(block_id)) return short_data(msgs, report_lsn);

        if (block_id == XLR_BLOCK_ID_DATA_SHORT) {
            std::uint8_t len = 0;
            if (!r.read(len)) return short_data(msgs, report_lsn);
            out.main_data_len = len;
            datatotal += len;
            break;  // by convention the main data is always last
        }
        if (block_id == XLR_BLOCK_ID_DATA_LONG) {
            std::uint32_t len = 0;
            if (!r.read(len)) return short_data(msgs, report_lsn);
            out.main_data_len = len;
            datatotal += len;
            break;
        }
        if (block_id == XLR_BLOCK_ID_ORIGIN) {
            if (!r.read(out.record_origin)) return short_data(msgs, report_lsn);
            continue;
        }
        if (block_id == XLR_BLOCK_ID_TOPLEVEL_XID) {
            if (!r.read(out.toplevel_xid)) return short_data(msgs, report_lsn);
            continue;
        }
        if (block_id > XLR_MAX_BLOCK_ID)
            return make_error(invalid_block_id_text(msgs, block_id, report_lsn));

        for (int i = out.max_block_id + 1; i < block_id; ++i)
            out.blocks[static_cast<std::size_t>(i)].in_use = false;
        if (block_id <= out.max_block_id)
            return make_error(out_of_order_block_id_text(msgs, block_id, report_lsn));
        out.max_block_id = block_id;

        DecodedBkpBlock& blk = out.blocks[block_id];
        // Every field is set below (cheaper than value-initialising the whole block).
        blk.in_use = true;
        blk.apply_image = false;
        blk.bimg_len = 0;
        blk.bimg_info = 0;
        blk.hole_offset = 0;
        blk.hole_length = 0;
        blk.compression = ImageCompression::None;
        blk.bkp_image = {};
        blk.data = {};
        std::uint8_t fork_flags = 0;
        if (!r.read(fork_flags)) return short_data(msgs, report_lsn);
        blk.forknum = fork_flags & BKPBLOCK_FORK_MASK;
        blk.flags = fork_flags;
        blk.has_image = (fork_flags & BKPBLOCK_HAS_IMAGE) != 0;
        blk.has_data = (fork_flags & BKPBLOCK_HAS_DATA) != 0;
        if (!r.read(blk.data_len)) return short_data(msgs, report_lsn);
        if (blk.has_data && blk.data_len == 0)
            return make_error(has_data_without_data_text(msgs, report_lsn));
        if (!blk.has_data && blk.data_len != 0)
            return make_error(data_without_has_data_text(msgs, blk.data_len, report_lsn));
        datatotal += blk.data_len;

        if (blk.has_image) {
            if (!r.read(blk.bimg_len) || !r.read(blk.hole_offset) || !r.read(blk.bimg_info))
                return short_data(msgs, report_lsn);
            blk.apply_image = (blk.bimg_info & f.bkpimage_apply) != 0;
            blk.compression = f.image_compression(blk.bimg_info);
            if (f.image_compressed(blk.bimg_info)) {
                if (blk.bimg_info & f.bkpimage_has_hole) {
                    if (!r.read(blk.hole_length)) return short_data(msgs, report_lsn);
                } else {
                    blk.hole_length = 0;
                }
            } else {
                blk.hole_length = static_cast<std::uint16_t>(BLCKSZ - blk.bimg_len);
            }
            datatotal += blk.bimg_len;
            if (auto ok = check_image(f, blk, report_lsn); !ok) return ok;
        }
        if (!(fork_flags & BKPBLOCK_SAME_REL)) {
            if (!r.read(blk.rnode.spcNode) || !r.read(blk.rnode.dbNode) ||
                !r.read(blk.rnode.relNode))
                return short_data(msgs, report_lsn);
            last_rnode = &blk.rnode;
        } else {
            if (last_rnode == nullptr)
                return make_error(same_rel_without_rel_text(msgs, report_lsn));
            blk.rnode = *last_rnode;
        }
        if (!r.read(blk.blkno)) return short_data(msgs, report_lsn);
    }

    if (r.remaining() != datatotal) return short_data(msgs, report_lsn);

    // Payloads follow the headers: each block's image then its data, then the main data.
    for (int id = 0; id <= out.max_block_id; ++id) {
        DecodedBkpBlock& blk = out.blocks[static_cast<std::size_t>(id)];
        if (!blk.in_use) continue;
        if (blk.has_image) blk.bkp_image = r.take(blk.bimg_len);
        if (blk.has_data) blk.data = r.take(blk.data_len);
    }
    if (out.main_data_len > 0) out.main_data = r.take(out.main_data_len);
    return {};
}

RecordLengths record_lengths(const DecodedRecord& rec) {
    RecordLengths l;
    for (int id = 0; id <= rec.max_block_id; ++id) {
        const DecodedBkpBlock& b = rec.blocks[static_cast<std::size_t>(id)];
        if (b.in_use && b.has_image) l.fpi_len += b.bimg_len;
    }
    l.rec_len = rec.xl_tot_len - l.fpi_len;
    return l;
}

// DecodeXLogRecord's header walk (PG15), keeping only the image lengths: scan_record_fpi_len's
// walk for the shapes its inline part (decoder.h) does not take. Every check of decode_record()
// is made here too (as a plain "no"), so a record this accepts decodes. Sizes:
// XLogRecordBlockHeader (4), XLogRecordBlockImageHeader (5), XLogRecordBlockCompressHeader (2),
// RelFileNode (12), BlockNumber (4).
bool scan_record_fpi_len_general(const WalFormat& f, std::span<const std::uint8_t> head,
                                 std::uint32_t tot_len, std::uint32_t& out_fpi_len) {
    if (tot_len < SizeOfXLogRecord || head.size() < SizeOfXLogRecord || head.size() > tot_len)
        return false;
    const std::uint8_t* p = head.data() + SizeOfXLogRecord;
    const std::uint8_t* const end = head.data() + head.size();  // bounds of header reads
    // Bytes of the record after p (they need not all be in head).
    const auto rest = [&] {
        return std::uint64_t{tot_len} - static_cast<std::uint64_t>(p - head.data());
    };

    std::uint64_t datatotal = 0;
    std::uint32_t fpi_len = 0;
    unsigned next_block_id = 0;  // block ids must increase
    bool have_rel = false;       // a block named its relation (BKPBLOCK_SAME_REL may follow)

    while (rest() > datatotal) {
        const std::uint8_t block_id = p[0];
        if (block_id <= XLR_MAX_BLOCK_ID) {
            if (block_id < next_block_id || end - p < 4) return false;
            next_block_id = block_id + 1u;
            const std::uint8_t fork_flags = p[1];
            const std::uint16_t data_len = load<std::uint16_t>(p + 2);
            p += 4;
            if (((fork_flags & BKPBLOCK_HAS_DATA) != 0) != (data_len != 0)) return false;
            datatotal += data_len;
            const bool has_image = (fork_flags & BKPBLOCK_HAS_IMAGE) != 0;
            const bool same_rel = (fork_flags & BKPBLOCK_SAME_REL) != 0;
            const std::ptrdiff_t need = (has_image ? 5 : 0) + (same_rel ? 0 : 12) + 4;
            if (end - p < need) return false;
            if (has_image) {
                const std::uint16_t bimg_len = load<std::uint16_t>(p);
                const std::uint16_t hole_offset = load<std::uint16_t>(p + 2);
                const std::uint8_t bimg_info = p[4];
                p += 5;
                const bool has_hole = (bimg_info & f.bkpimage_has_hole) != 0;
                const bool compressed = f.image_compressed(bimg_info);
                std::uint16_t hole_length = 0;
                if (compressed) {
                    if (has_hole) {
                        if (end - p < need - 5 + 2) return false;
                        hole_length = load<std::uint16_t>(p);
                        p += 2;
                    }
                } else {
                    hole_length = static_cast<std::uint16_t>(BLCKSZ - bimg_len);
                }
                // check_image()'s conditions
                if (has_hole && (hole_offset == 0 || hole_length == 0 || bimg_len == BLCKSZ))
                    return false;
                if (!has_hole && (hole_offset != 0 || hole_length != 0)) return false;
                if (compressed && bimg_len == BLCKSZ) return false;
                if (!has_hole && !compressed && bimg_len != BLCKSZ) return false;
                datatotal += bimg_len;
                fpi_len += bimg_len;
            }
            if (!same_rel) {
                p += 3 * sizeof(Oid);
                have_rel = true;
            } else if (!have_rel) {
                return false;
            }
            p += sizeof(BlockNumber);
        } else if (block_id == XLR_BLOCK_ID_DATA_SHORT) {
            if (end - p < 2) return false;
            datatotal += p[1];
            p += 2;
            break;  // the main data is always last
        } else if (block_id == XLR_BLOCK_ID_DATA_LONG) {
            if (end - p < 5) return false;
            datatotal += load<std::uint32_t>(p + 1);
            p += 5;
            break;
        } else if (block_id == XLR_BLOCK_ID_ORIGIN) {
            if (end - p < 1 + static_cast<std::ptrdiff_t>(sizeof(RepOriginId))) return false;
            p += 1 + sizeof(RepOriginId);
        } else if (block_id == XLR_BLOCK_ID_TOPLEVEL_XID) {
            if (end - p < 1 + static_cast<std::ptrdiff_t>(sizeof(TransactionId))) return false;
            p += 1 + sizeof(TransactionId);
        } else {
            return false;  // invalid block_id
        }
    }
    if (rest() != datatotal) return false;
    out_fpi_len = fpi_len;
    return true;
}

}  // namespace understudy

