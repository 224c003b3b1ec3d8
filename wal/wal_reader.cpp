// XLogReader, PostgreSQL 15 (src/backend/access/transam/xlogreader.c), reading whole segments
// from a WalSource and reassembling records that cross pages into a reused buffer.
#include "wal/wal_reader.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#include "common/bytes.h"
#include "common/crc32c.h"
#include "wal/decoder.h"

namespace understudy {

namespace {

bool all_zero(const std::uint8_t* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        if (p[i] != 0) return false;
    return true;
}

// Where the record after `rec` starts, given `next`, the MAXALIGNed end of `rec`: an XLOG_SWITCH
// record is taken to extend to the end of its segment, as XLogReadRecord (xlogreader.c, PG15)
// pretends.
XLogRecPtr next_record_start(const std::uint8_t* rec, XLogRecPtr next, std::uint32_t seg_size) {
    if (rec[record_layout::xl_rmid] == RM_XLOG_ID_VALUE &&
        (rec[record_layout::xl_info] & XLR_RMGR_INFO_MASK) == XLOG_SWITCH) {
        next += seg_size - 1;
        next -= segment_offset(next, seg_size);
    }
    return next;
}

#if defined(__x86_64__)
// ValidXLogRecord's CRC of a record lying whole at `rec` (the bytes after the header, then the
// header up to xl_crc) in one call: the body of a short record and the header's 20 bytes
// (xl_tot_len, xl_xid, xl_prev, xl_info, xl_rmid, padding) fold inline; a long body goes to
// crc32c_update_sse42. Only call when crc32c_hardware_available().
__attribute__((target("sse4.2"))) pg_crc32c record_crc_sse42(const std::uint8_t* rec,
                                                             std::uint32_t total_len) {
    static_assert(record_layout::xl_crc == 20 && SizeOfXLogRecord == 24);
    std::size_t len = total_len - SizeOfXLogRecord;
    const std::uint8_t* p = rec + SizeOfXLogRecord;
    std::uint64_t c = crc32c_init();
    if (len >= 256) {  // crc32c_update_sse42 interleaves three streams over long buffers
        c = crc32c_update_sse42(crc32c_init(), p, len);
    } else {
        for (const std::uint8_t* end = p + (len & ~std::size_t{7}); p != end; p += 8)
            c = _mm_crc32_u64(c, load<std::uint64_t>(p));
        auto crc = static_cast<std::uint32_t>(c);
        if (len & 4) {
            crc = _mm_crc32_u32(crc, load<std::uint32_t>(p));
            p += 4;
        }
        if (len & 2) {
            crc = _mm_crc32_u16(crc, load<std::uint16_t>(p));
            p += 2;
        }
        if (len & 1) crc = _mm_crc32_u8(crc, *p);
        c = crc;
    }
    c = _mm_crc32_u64(c, load<std::uint64_t>(rec));
    c = _mm_crc32_u64(c, load<std::uint64_t>(rec + 8));
    const std::uint32_t crc =
        _mm_crc32_u32(static_cast<std::uint32_t>(c), load<std::uint32_t>(rec + 16));
    return crc32c_finish(crc);
}
#endif

}  // namespace

WalReader::WalReader(WalSource& source, WalReaderOptions options)
    : source_(source),
      options_(options),
      seg_size_(source.segment_size()),
      crc_update_(crc32c_update_function()) {
#if defined(__x86_64__)
    crc_sse42_ = crc_update_ == &crc32c_update_sse42;
#endif
}

void WalReader::begin_read(XLogRecPtr lsn) {
    end_rec_ptr_ = lsn;
    next_rec_ptr_ = lsn;
    read_rec_ptr_ = InvalidXLogRecPtr;
    decode_rec_ptr_ = InvalidXLogRecPtr;
}

void WalReader::inval_read_state() {
    page_segno_ = 0;
    page_off_ = 0;
    read_len_ = 0;
}

void WalReader::report(Fail fail, WalErrorKind kind, std::string msg) {
    error_state_ = true;
    if (!msg.empty()) {
        errormsg_ = std::move(msg);
        error_kind_ = kind;
        fail_ = fail;
    } else if (fail_ == Fail::None) {
        fail_ = fail;
    }
}

const WalMessages& WalReader::messages() const {
    if (format_ != nullptr) return wal_messages(*format_);
    if (seg_segno_ && seg_.bytes.size() >= sizeof(std::uint16_t))
        if (const WalFormat* f = wal_format_for_magic(load<std::uint16_t>(seg_.bytes.data())))
            return wal_messages(*f);
    return wal_messages_for_version(0);
}

std::string WalReader::segment_name(XLogSegNo segno) const {
    TimeLineID tli = seg_segno_ ? seg_.tli : (latest_page_tli_ ? latest_page_tli_ : 1);
    return segment_file_name(tli, segno, seg_size_);
}

// ---- pages ------------------------------------------------------------------------------------

int WalReader::page_read(XLogRecPtr pageptr, std::uint32_t req_len) {
    std::uint32_t count = XLOG_BLCKSZ;
    if (options_.end_lsn != InvalidXLogRecPtr) {
        if (pageptr + XLOG_BLCKSZ <= options_.end_lsn) {
            count = XLOG_BLCKSZ;
        } else if (pageptr + req_len <= options_.end_lsn) {
            count = static_cast<std::uint32_t>(options_.end_lsn - pageptr);
        } else {
            end_lsn_reached_ = true;
            report(Fail::End, WalErrorKind::None, {});
            return -1;
        }
    }
    XLogRecPtr limit = InvalidXLogRecPtr;
    if (options_.readable_limit != nullptr) {
        limit = options_.readable_limit->load(std::memory_order_acquire);
        if (limit != InvalidXLogRecPtr && pageptr + count > limit) {
            if (pageptr + req_len > limit) {
                // Not flushed yet: the end of the WAL for now (read_record_following retries).
                end_reason_ = fmt::format("waiting for WAL at {} to be flushed (flushed up to {})",
                                          format_lsn(pageptr + req_len), format_lsn(limit));
                report(Fail::End, WalErrorKind::None, {});
                return -1;
            }
            count = static_cast<std::uint32_t>(limit - pageptr);
        }
    }

    const XLogSegNo segno = lsn_to_segno(pageptr, seg_size_);
    const std::uint32_t off = segment_offset(pageptr, seg_size_);
    const bool same_segment = seg_segno_ && *seg_segno_ == segno;
    // Bytes the source read past the readable limit of that moment may have been caught
    // mid-write: they are read again before use.
    const bool unsettled = limit != InvalidXLogRecPtr && same_segment && pageptr + count > loaded_limit_;
    if (!same_segment || reread_ || unsettled || seg_.bytes.size() < std::uint64_t{off} + count) {
        const std::uint32_t reread_from = (same_segment && (reread_ || unsettled)) ? off : seg_size_;
        loaded_limit_ = limit;
        auto got = source_.segment(segno, off + count, reread_from);
        if (!got) {
            seg_segno_.reset();
            report(Fail::Corrupt, WalErrorKind::SourceError, got.message());
            return -1;
        }
        if (!*got) {
            seg_segno_.reset();
            end_reason_ = fmt::format("could not find file \"{}\": No such file or directory",
                                      segment_file_name(source_.timeline_for(segno), segno, seg_size_));
            report(Fail::End, WalErrorKind::None, {});
            return -1;
        }
        seg_ = std::move(**got);
        seg_segno_ = segno;
        reread_ = false;
    }

    const std::size_t avail = seg_.bytes.size() > off ? seg_.bytes.size() - off : 0;
    if (avail < (options_.whole_pages ? count : req_len)) {
        // WALRead's words: a short read goes on at the offset reached and then reads nothing.
        const std::string name = segment_file_name(seg_.tli, segno, seg_size_);
        end_reason_ =
            avail == 0 ? read_from_file_short_text(messages(), name, off, 0, count)
                       : read_from_file_short_text(messages(), name, off + avail, 0, count - avail);
        report(Fail::End, WalErrorKind::None, {});
        return -1;
    }
    page_ = seg_.bytes.data() + off;
    return static_cast<int>(std::min<std::size_t>(count, avail));
}

int WalReader::read_page(XLogRecPtr pageptr, std::uint32_t req_len) {
    const XLogSegNo segno = lsn_to_segno(pageptr, seg_size_);
    const std::uint32_t off = segment_offset(pageptr, seg_size_);

    if (segno == page_segno_ && off == page_off_ && static_cast<int>(req_len) <= read_len_ &&
        read_len_ > 0)
        return read_len_;
    read_len_ = 0;

    // On entering a segment, validate its first page's long header even when reading elsewhere.
    if (segno != page_segno_ && off != 0) {
        const XLogRecPtr seg_ptr = pageptr - off;
        int n = page_read(seg_ptr, XLOG_BLCKSZ);
        if (n < 0 || !validate_page_header(seg_ptr, page_, static_cast<std::size_t>(n))) {
            inval_read_state();
            return -1;
        }
    }

    int n = page_read(pageptr, std::max(req_len, SizeOfXLogShortPHD));
    if (n < 0 || n <= static_cast<int>(SizeOfXLogShortPHD)) {
        inval_read_state();
        return -1;
    }
    const std::uint16_t info = load<std::uint16_t>(page_ + page_layout::xlp_info);
    const std::uint32_t hdr_size = (info & XLP_LONG_HEADER) ? SizeOfXLogLongPHD : SizeOfXLogShortPHD;
    if (n < static_cast<int>(hdr_size)) {
        n = page_read(pageptr, hdr_size);
        if (n < 0) {
            inval_read_state();
            return -1;
        }
    }
    if (!validate_page_header(pageptr, page_, static_cast<std::size_t>(n))) {
        inval_read_state();
        return -1;
    }
    page_segno_ = segno;
    page_off_ = off;
    page_ptr_ = pageptr;
    read_len_ = n;
    return n;
}

bool WalReader::validate_page_header(XLogRecPtr recptr, const std::uint8_t* page,
                                     std::size_t len) {
    const XLogPageHeader hdr = load_page_header(page, len);
    const XLogSegNo segno = lsn_to_segno(recptr, seg_size_);
    const std::uint32_t offset = segment_offset(recptr, seg_size_);

    const WalFormat* page_format = wal_format_for_magic(hdr.xlp_magic);
    if (format_ == nullptr) format_ = page_format;
    if (page_format == nullptr || page_format != format_) {
        bad_magic_ = hdr.xlp_magic;
        const std::string where = fmt::format("log segment {}, offset {},", segment_name(segno), offset);
        // Another major version's WAL (not in xlogreader.c: PostgreSQL reads only its own):
        // the message says which version and what to use instead, and it sticks.
        if (page_format != nullptr) {
            unsupported_version_ = mixed_wal_versions_message(where, *page_format, *format_);
            report(Fail::Corrupt, WalErrorKind::MixedVersions, unsupported_version_);
            return false;
        }
        if (const int version = wal_major_version_for_magic(hdr.xlp_magic); version != 0) {
            unsupported_version_ = unsupported_wal_version_message(where, hdr.xlp_magic, version);
            report(Fail::Corrupt, WalErrorKind::UnsupportedVersion, unsupported_version_);
            return false;
        }
        report(Fail::Corrupt, WalErrorKind::InvalidMagic,
               invalid_magic_text(messages(), hdr.xlp_magic, segment_name(segno), recptr, offset));
        return false;
    }
    if ((hdr.xlp_info & ~XLP_ALL_FLAGS) != 0) {
        report(Fail::Corrupt, WalErrorKind::InvalidInfoBits,
               invalid_info_bits_text(messages(), hdr.xlp_info, segment_name(segno), recptr, offset));
        return false;
    }
    if (hdr.is_long()) {
        if (options_.system_identifier != 0 && hdr.xlp_sysid != options_.system_identifier) {
            report(Fail::Corrupt, WalErrorKind::WrongSystem,
                   wrong_system_identifier_text(messages(), hdr.xlp_sysid,
                                                options_.system_identifier));
            return false;
        }
        if (hdr.xlp_seg_size != seg_size_) {
            report(Fail::Corrupt, WalErrorKind::WrongSystem, wrong_segment_size_text(messages()));
            return false;
        }
        if (hdr.xlp_xlog_blcksz != XLOG_BLCKSZ) {
            report(Fail::Corrupt, WalErrorKind::WrongSystem, wrong_xlog_blcksz_text(messages()));
            return false;
        }
    } else if (offset == 0) {
        report(Fail::Corrupt, WalErrorKind::InvalidInfoBits,
               invalid_info_bits_text(messages(), hdr.xlp_info, segment_name(segno), recptr, offset));
        return false;
    }
    if (hdr.xlp_pageaddr != recptr) {
        report(Fail::Corrupt, WalErrorKind::UnexpectedPageAddr,
               unexpected_pageaddr_text(messages(), hdr.xlp_pageaddr, segment_name(segno), recptr,
                                        offset));
        return false;
    }
    if (recptr > latest_page_ptr_ && hdr.xlp_tli < latest_page_tli_) {
        report(Fail::Corrupt, WalErrorKind::OutOfSequenceTimeline,
               out_of_sequence_timeline_text(messages(), hdr.xlp_tli, latest_page_tli_,
                                             segment_name(segno), recptr, offset));
        return false;
    }
    latest_page_ptr_ = recptr;
    latest_page_tli_ = hdr.xlp_tli;
    return true;
}

// ---- records ----------------------------------------------------------------------------------

// The reassembly buffer only grows (doubling), so refilling it costs no zeroing; it is never
// larger than twice the bytes actually reassembled into it.
void WalReader::grow_rec_buf(std::size_t need) {
    if (rec_buf_.size() < need) rec_buf_.resize(std::max(need, 2 * rec_buf_.size()));
}

bool WalReader::valid_record_header(XLogRecPtr rec_ptr, XLogRecPtr prev_rec_ptr,
                                    const std::uint8_t* hdr, bool rand_access) {
    const std::uint32_t tot_len = load<std::uint32_t>(hdr + record_layout::xl_tot_len);
    const std::uint8_t rmid = hdr[record_layout::xl_rmid];
    const XLogRecPtr prev = load<std::uint64_t>(hdr + record_layout::xl_prev);
    if (tot_len < SizeOfXLogRecord) {
        report(Fail::Corrupt, WalErrorKind::InvalidRecordLength,
               invalid_record_length_text(messages(), rec_ptr, SizeOfXLogRecord, tot_len));
        return false;
    }
    if (!format_->rmgr_id_valid(rmid)) {
        report(Fail::Corrupt, WalErrorKind::InvalidRmgrId, invalid_rmgr_id_text(messages(), rmid, rec_ptr));
        return false;
    }
    // Random access: the prev-link can only be checked to point backwards.
    if (rand_access ? !(prev < rec_ptr) : prev != prev_rec_ptr) {
        report(Fail::Corrupt, WalErrorKind::IncorrectPrevLink,
               incorrect_prev_link_text(messages(), prev, rec_ptr));
        return false;
    }
    return true;
}

bool WalReader::valid_record_crc(const std::uint8_t* rec, std::uint32_t tot_len,
                                 XLogRecPtr rec_ptr) {
    return valid_record_crc_of_body(
        rec, crc_update_(crc32c_init(), rec + SizeOfXLogRecord, tot_len - SizeOfXLogRecord),
        rec_ptr);
}

bool WalReader::valid_record_crc_of_body(const std::uint8_t* hdr, pg_crc32c body_crc,
                                         XLogRecPtr rec_ptr) {
    const pg_crc32c crc = crc32c_finish(crc_update_(body_crc, hdr, record_layout::xl_crc));
    if (crc != load<std::uint32_t>(hdr + record_layout::xl_crc)) {
        report(Fail::Corrupt, WalErrorKind::RecordChecksum, record_checksum_text(messages(), rec_ptr));
        return false;
    }
    return true;
}

WalReader::Fail WalReader::classify_tail(XLogRecPtr rec_ptr, std::uint32_t tot_len) const {
    if (fail_ != Fail::Corrupt) return fail_;
    if (options_.recovery_mode == WalRecoveryMode::AbsoluteConsistency) return Fail::Corrupt;
    // A zeroed tail: nothing was ever written here.
    if (error_kind_ == WalErrorKind::InvalidRecordLength && tot_len == 0) return Fail::End;
    // A recycled segment not yet overwritten, or a page never written (a zero magic).
    if (error_kind_ == WalErrorKind::UnexpectedPageAddr ||
        (error_kind_ == WalErrorKind::InvalidMagic && bad_magic_ == 0))
        return Fail::End;
    // A torn record: its last bytes and everything after them in the segment are zero.
    if (error_kind_ == WalErrorKind::RecordChecksum && seg_segno_ &&
        lsn_to_segno(rec_ptr, seg_size_) == *seg_segno_) {
        const std::uint64_t end_off = segment_offset(rec_ptr, seg_size_) + std::uint64_t{tot_len};
        if (end_off <= seg_.bytes.size() && end_off >= 8) {
            const std::size_t from = static_cast<std::size_t>(end_off - 8);
            if (all_zero(seg_.bytes.data() + from, seg_.bytes.size() - from)) return Fail::End;
        }
    }
    return Fail::Corrupt;
}

ReadStatus WalReader::read_record() {
    if (error_state_) {
        fail_ = Fail::None;
        errormsg_.clear();
        error_kind_ = WalErrorKind::None;
        end_reason_.clear();
        end_lsn_reached_ = false;
        error_state_ = false;
    }
    if (ReadStatus status; read_record_in_page(next_rec_ptr_, status)) return status;
    error_state_ = true;  // the general path may set any of them
    return decode_next_record();
}

std::size_t WalReader::read_summaries(std::span<RecordSummary> out, ReadStatus& status) {
    std::size_t n = 0;
    status = ReadStatus::Record;
    while (n < out.size()) {
        if (error_state_ || !read_record_in_page(next_rec_ptr_, status)) status = read_record();
        if (status != ReadStatus::Record) break;
        out[n++] = summary_;
    }
    return n;
}

ReadStatus WalReader::read_record_following(std::chrono::milliseconds poll,
                                            const std::atomic<bool>* stop) {
    for (;;) {
        ReadStatus st = read_record();
        if (st != ReadStatus::EndOfWal || end_lsn_reached_) return st;
        if (stop && stop->load()) return st;
        std::this_thread::sleep_for(poll);
        if (stop && stop->load()) return st;
    }
}

// The path XLogDecodeNextRecord (PG15) takes for most records, with the page already read:
// the record starts past the page header and ends inside the page's valid bytes, and follows
// the record decoded before it. The same checks as the general path below, in a line; anything
// unusual (an error too) is left to that path, which then says what is wrong.
bool WalReader::read_record_in_page(XLogRecPtr rec_ptr, ReadStatus& status) {
    if (read_len_ <= 0 || decode_rec_ptr_ == InvalidXLogRecPtr) return false;
    const XLogRecPtr page_ptr = rec_ptr & ~XLogRecPtr{XLOG_BLCKSZ - 1};
    if (page_ptr != page_ptr_) return false;
    const auto off = static_cast<std::uint32_t>(rec_ptr - page_ptr);
    const std::uint16_t xlp_info = load<std::uint16_t>(page_ + page_layout::xlp_info);
    const std::uint32_t page_header_size =
        (xlp_info & XLP_LONG_HEADER) ? SizeOfXLogLongPHD : SizeOfXLogShortPHD;
    const auto valid = static_cast<std::uint32_t>(read_len_);
    if (off <= page_header_size || off + SizeOfXLogRecord > valid) return false;

    const std::uint8_t* rec = page_ + off;
    const std::uint32_t total_len = load<std::uint32_t>(rec + record_layout::xl_tot_len);
    if (total_len < SizeOfXLogRecord || total_len > valid - off) return false;
    if (!format_->rmgr_id_valid(rec[record_layout::xl_rmid]) ||
        load<std::uint64_t>(rec + record_layout::xl_prev) != decode_rec_ptr_)
        return false;
    pg_crc32c crc;
#if defined(__x86_64__)
    if (crc_sse42_) {
        crc = record_crc_sse42(rec, total_len);
    } else
#endif
    {
        crc = crc_update_(crc32c_init(), rec + SizeOfXLogRecord, total_len - SizeOfXLogRecord);
        crc = crc32c_finish(crc_update_(crc, rec, record_layout::xl_crc));
    }
    if (crc != load<std::uint32_t>(rec + record_layout::xl_crc)) return false;

    const XLogRecPtr next = next_record_start(rec, rec_ptr + maxalign(total_len), seg_size_);
    decode_rec_ptr_ = rec_ptr;
    next_rec_ptr_ = next;
    // Without block decoding, a record the scan vouches for is summarised here (finish_record
    // takes the rest, and names the error of a record the scan does not take).
    if (std::uint32_t fpi_len = 0;
        !options_.decode_blocks &&
        scan_record_fpi_len(*format_, std::span<const std::uint8_t>(rec, total_len), total_len,
                            fpi_len)) {
        fill_summary(rec, total_len, rec_ptr, next, fpi_len);
        status = ReadStatus::Record;
        return true;
    }
    status = finish_record(rec, total_len, rec_ptr, next);
    return true;
}

void WalReader::fill_summary(const std::uint8_t* rec, std::uint32_t total_len, XLogRecPtr rec_ptr,
                             XLogRecPtr next, std::uint32_t fpi_len) {
    summary_.lsn = rec_ptr;
    summary_.end_lsn = next;
    summary_.xl_tot_len = total_len;
    summary_.xl_xid = load<std::uint32_t>(rec + record_layout::xl_xid);
    summary_.xl_prev = load<std::uint64_t>(rec + record_layout::xl_prev);
    summary_.xl_info = rec[record_layout::xl_info];
    summary_.xl_rmid = rec[record_layout::xl_rmid];
    summary_.rec_len = total_len - fpi_len;
    summary_.fpi_len = fpi_len;
    read_rec_ptr_ = rec_ptr;
    end_rec_ptr_ = next;
}

// XLogDecodeNextRecord (PG15), blocking mode.
ReadStatus WalReader::decode_next_record() {
    XLogRecPtr rec_ptr = next_rec_ptr_;
    const bool rand_access = decode_rec_ptr_ == InvalidXLogRecPtr;
    // Without blocks to decode, a record that crosses pages is CRC-checked where it lies and
    // only its first kHeadBytes (its headers) are copied; when its headers prove longer, it is
    // read again whole.
    bool copy_whole = options_.decode_blocks;
    std::optional<std::uint32_t> scanned_fpi_len;
    bool assembled = false;
    std::uint32_t total_len = 0;
    XLogRecPtr target_page_ptr = 0;
    const std::uint8_t* rec = nullptr;
    XLogRecPtr next = 0;

restart:
    assembled = false;
    {
        target_page_ptr = rec_ptr - rec_ptr % XLOG_BLCKSZ;
        std::uint32_t target_rec_off = static_cast<std::uint32_t>(rec_ptr % XLOG_BLCKSZ);

        int read_off =
            read_page(target_page_ptr, std::min(target_rec_off + SizeOfXLogRecord, XLOG_BLCKSZ));
        if (read_off < 0) goto err;

        const std::uint16_t xlp_info = load<std::uint16_t>(page_ + page_layout::xlp_info);
        std::uint32_t page_header_size =
            (xlp_info & XLP_LONG_HEADER) ? SizeOfXLogLongPHD : SizeOfXLogShortPHD;
        if (target_rec_off == 0) {
            rec_ptr += page_header_size;
            target_rec_off = page_header_size;
        } else if (target_rec_off < page_header_size) {
            report(Fail::Corrupt, WalErrorKind::InvalidRecordOffset,
                   invalid_record_offset_text(messages(), rec_ptr, page_header_size, target_rec_off));
            goto err;
        }
        if ((xlp_info & XLP_FIRST_IS_CONTRECORD) && target_rec_off == page_header_size) {
            report(Fail::Corrupt, WalErrorKind::ContrecordRequested,
                   contrecord_requested_text(messages(), rec_ptr));
            goto err;
        }
        // The header may now lie past what was requested (after skipping the page header).
        const std::uint32_t want = std::min(target_rec_off + SizeOfXLogRecord, XLOG_BLCKSZ);
        if (read_off < static_cast<int>(want)) {
            read_off = read_page(target_page_ptr, want);
            if (read_off < 0) goto err;
        }

        const std::uint8_t* rec_hdr = page_ + target_rec_off;
        total_len = load<std::uint32_t>(rec_hdr);
        bool gotheader = false;
        if (target_rec_off <= XLOG_BLCKSZ - SizeOfXLogRecord) {
            if (!valid_record_header(rec_ptr, decode_rec_ptr_, rec_hdr, rand_access)) goto err;
            gotheader = true;
        } else if (total_len < SizeOfXLogRecord) {
            report(Fail::Corrupt, WalErrorKind::InvalidRecordLength,
                   invalid_record_length_text(messages(), rec_ptr, SizeOfXLogRecord, total_len));
            goto err;
        }

        std::uint32_t len = XLOG_BLCKSZ - target_rec_off;
        if (total_len > len) {
            // Reassemble a record that continues on the following pages.
            assembled = true;
            read_off = read_page(target_page_ptr, XLOG_BLCKSZ);
            if (read_off < static_cast<int>(XLOG_BLCKSZ)) goto err;
            const std::uint32_t keep = copy_whole ? total_len : std::min(total_len, kHeadBytes);
            pg_crc32c body_crc = crc32c_init();
            // Takes record bytes [from, from + n) from `piece`.
            const auto take = [&](const std::uint8_t* piece, std::uint32_t from, std::uint32_t n) {
                if (from < keep) {
                    const std::uint32_t c = std::min(n, keep - from);
                    grow_rec_buf(std::size_t{from} + c);
                    std::memcpy(rec_buf_.data() + from, piece, c);
                }
                if (!copy_whole && from + n > SizeOfXLogRecord) {
                    const std::uint32_t skip = from < SizeOfXLogRecord ? SizeOfXLogRecord - from : 0;
                    body_crc = crc_update_(body_crc, piece + skip, n - skip);
                }
            };
            take(page_ + target_rec_off, 0, len);
            std::uint32_t gotlen = len;
            XLogPageHeader ph;
            do {
                target_page_ptr += XLOG_BLCKSZ;
                // The page header first (the previous record may have ended as a partial one).
                read_off = read_page(target_page_ptr, SizeOfXLogShortPHD);
                if (read_off < 0) goto err;
                ph = load_page_header(page_, static_cast<std::size_t>(read_off));
                if (ph.xlp_info & XLP_FIRST_IS_OVERWRITE_CONTRECORD) {
                    overwritten_rec_ptr_ = rec_ptr;
                    rec_ptr = target_page_ptr;
                    goto restart;
                }
                if (!(ph.xlp_info & XLP_FIRST_IS_CONTRECORD)) {
                    report(Fail::Corrupt, WalErrorKind::NoContrecordFlag,
                           no_contrecord_flag_text(messages(), rec_ptr));
                    goto err;
                }
                if (ph.xlp_rem_len == 0 || total_len != ph.xlp_rem_len + gotlen) {
                    report(Fail::Corrupt, WalErrorKind::InvalidContrecordLength,
                           invalid_contrecord_length_text(
                               messages(), ph.xlp_rem_len,
                               static_cast<long long>(total_len) - gotlen, rec_ptr));
                    goto err;
                }
                read_off = read_page(target_page_ptr,
                                     std::min(total_len - gotlen + SizeOfXLogShortPHD, XLOG_BLCKSZ));
                if (read_off < 0) goto err;
                page_header_size = ph.size();
                len = XLOG_BLCKSZ - page_header_size;
                if (ph.xlp_rem_len < len) len = ph.xlp_rem_len;
                if (read_off < static_cast<int>(page_header_size + len)) {
                    read_off = read_page(target_page_ptr, page_header_size + len);
                    if (read_off < 0) goto err;
                }
                take(page_ + page_header_size, gotlen, len);
                gotlen += len;
                if (!gotheader) {
                    if (!valid_record_header(rec_ptr, decode_rec_ptr_, rec_buf_.data(), rand_access))
                        goto err;
                    gotheader = true;
                }
            } while (gotlen < total_len);

            rec = rec_buf_.data();
            if (copy_whole) {
                if (!valid_record_crc(rec, total_len, rec_ptr)) goto err;
            } else {
                if (!valid_record_crc_of_body(rec, body_crc, rec_ptr)) goto err;
                std::uint32_t fpi_len = 0;
                if (!scan_record_fpi_len(*format_, std::span<const std::uint8_t>(rec, keep),
                                         total_len, fpi_len)) {
                    copy_whole = true;  // decode it whole (it may be corrupt: that names why)
                    goto restart;
                }
                scanned_fpi_len = fpi_len;
            }
            next = target_page_ptr + page_header_size + maxalign(ph.xlp_rem_len);
        } else {
            read_off = read_page(target_page_ptr, std::min(target_rec_off + total_len, XLOG_BLCKSZ));
            if (read_off < 0) goto err;
            rec = page_ + target_rec_off;
            if (!valid_record_crc(rec, total_len, rec_ptr)) goto err;
            next = rec_ptr + maxalign(total_len);
        }
    }

    decode_rec_ptr_ = rec_ptr;
    next = next_record_start(rec, next, seg_size_);
    next_rec_ptr_ = next;
    return finish_record(rec, total_len, rec_ptr, next, scanned_fpi_len);

err:
    // A record cut short without any other error (PostgreSQL 15.18 reports no message here: the
    // continuation is missing, e.g. past the end of the range or of the WAL written so far).
    if (assembled && fail_ == Fail::None) fail_ = Fail::End;
    error_lsn_ = rec_ptr;
    fail_ = classify_tail(rec_ptr, total_len);
    inval_read_state();
    reread_ = true;
    return fail_ == Fail::Corrupt ? ReadStatus::Corrupt : ReadStatus::EndOfWal;
}

// DecodeXLogRecord's place in XLogDecodeNextRecord (PG15).
ReadStatus WalReader::finish_record(const std::uint8_t* rec, std::uint32_t total_len,
                                    XLogRecPtr rec_ptr, XLogRecPtr next,
                                    std::optional<std::uint32_t> scanned_fpi_len) {
    const std::span<const std::uint8_t> bytes(rec, total_len);
    std::uint32_t fpi_len = scanned_fpi_len.value_or(0);
    if (!scanned_fpi_len &&
        (options_.decode_blocks || !scan_record_fpi_len(*format_, bytes, total_len, fpi_len))) {
        // Decoding names the error (and decodes anything the scan would not vouch for).
        if (auto ok = decode_record(*format_, bytes, rec_ptr, next, read_rec_ptr_, record_); !ok) {
            report(Fail::Corrupt, WalErrorKind::DecodeError, ok.message());
            error_lsn_ = rec_ptr;
            return ReadStatus::Corrupt;
        }
        fpi_len = record_lengths(record_).fpi_len;
    }
    fill_summary(rec, total_len, rec_ptr, next, fpi_len);
    return ReadStatus::Record;
}

// XLogFindNextRecord (PG15).
XLogRecPtr WalReader::find_next_record(XLogRecPtr lsn) {
    error_state_ = true;  // the page reads below may set any of them
    fail_ = Fail::None;
    errormsg_.clear();
    error_kind_ = WalErrorKind::None;
    end_reason_.clear();
    XLogRecPtr tmp = lsn;
    for (;;) {
        const std::uint32_t target_rec_off = static_cast<std::uint32_t>(tmp % XLOG_BLCKSZ);
        const XLogRecPtr target_page_ptr = tmp - target_rec_off;
        int read_len = read_page(target_page_ptr, target_rec_off);
        if (read_len < 0) return InvalidXLogRecPtr;
        const XLogPageHeader hdr = load_page_header(page_, static_cast<std::size_t>(read_len));
        const std::uint32_t page_header_size = hdr.size();
        read_len = read_page(target_page_ptr, page_header_size);
        if (read_len < 0) return InvalidXLogRecPtr;
        if (hdr.xlp_info & XLP_FIRST_IS_CONTRECORD) {
            if (maxalign(hdr.xlp_rem_len) >= XLOG_BLCKSZ - page_header_size) {
                tmp = target_page_ptr + XLOG_BLCKSZ;
                continue;
            }
            tmp = target_page_ptr + page_header_size + maxalign(hdr.xlp_rem_len);
            break;
        }
        tmp = target_page_ptr + page_header_size;
        break;
    }

    begin_read(tmp);
    while (read_record() == ReadStatus::Record) {
        if (lsn <= read_rec_ptr_) {
            const XLogRecPtr found = read_rec_ptr_;
            begin_read(found);
            return found;
        }
    }
    inval_read_state();
    return InvalidXLogRecPtr;
}

}  // namespace understudy
