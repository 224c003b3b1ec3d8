// Test helper: writes WAL in PostgreSQL 15's format into memory (page headers, records split
// across pages and segments, CRCs), so reader edge cases can be produced exactly. The layouts
// are the ones common/wal_format.h describes; integration tests check the same reader against
// WAL from a real server.
#pragma once

#include <cstdint>
#include <vector>

#include "common/bytes.h"
#include "common/crc32c.h"
#include "common/wal_format.h"

namespace understudy::testing {

class WalBuilder {
public:
    explicit WalBuilder(std::uint32_t seg_size = 1u << 20, XLogRecPtr start = 1u << 20,
                        TimeLineID tli = 1, std::uint64_t sysid = 7000000000000000042ull)
        : seg_size_(seg_size), start_(start), pos_(start), tli_(tli), sysid_(sysid) {}

    // Main data only: {XLR_BLOCK_ID_DATA_SHORT|LONG, len, data}.
    static std::vector<std::uint8_t> main_data(const std::vector<std::uint8_t>& data) {
        std::vector<std::uint8_t> p;
        if (data.empty()) return p;
        if (data.size() < 256) {
            p.push_back(XLR_BLOCK_ID_DATA_SHORT);
            p.push_back(static_cast<std::uint8_t>(data.size()));
        } else {
            p.push_back(XLR_BLOCK_ID_DATA_LONG);
            auto n = static_cast<std::uint32_t>(data.size());
            for (int i = 0; i < 4; ++i) p.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
        }
        p.insert(p.end(), data.begin(), data.end());
        return p;
    }

    // Appends a record whose body (after the 24-byte header) is `body`; returns its LSN.
    XLogRecPtr add(std::uint8_t rmid, std::uint8_t info, const std::vector<std::uint8_t>& body,
                   std::uint32_t xid = 0) {
        start_page_if_needed(0);
        std::vector<std::uint8_t> rec(SizeOfXLogRecord + body.size());
        auto tot = static_cast<std::uint32_t>(rec.size());
        store(rec.data() + record_layout::xl_tot_len, tot);
        store(rec.data() + record_layout::xl_xid, xid);
        store(rec.data() + record_layout::xl_prev, prev_);
        rec[record_layout::xl_info] = info;
        rec[record_layout::xl_rmid] = rmid;
        std::copy(body.begin(), body.end(), rec.begin() + SizeOfXLogRecord);
        pg_crc32c crc = crc32c_init();
        crc = crc32c_update(crc, rec.data() + SizeOfXLogRecord, rec.size() - SizeOfXLogRecord);
        crc = crc32c_update(crc, rec.data(), record_layout::xl_crc);
        store(rec.data() + record_layout::xl_crc, crc32c_finish(crc));

        const XLogRecPtr lsn = pos_;
        std::size_t done = 0;
        while (done < rec.size()) {
            start_page_if_needed(static_cast<std::uint32_t>(rec.size() - done));
            std::size_t room = XLOG_BLCKSZ - pos_ % XLOG_BLCKSZ;
            std::size_t n = std::min(room, rec.size() - done);
            write(rec.data() + done, n);
            done += n;
        }
        pad_to(maxalign(pos_));
        prev_ = lsn;
        if (rmid == 0 && (info & 0xF0) == XLOG_SWITCH) pad_to(next_segment(pos_));
        return lsn;
    }
    // A record with main data of `len` bytes.
    XLogRecPtr add_data(std::size_t len, std::uint8_t rmid = 21, std::uint8_t info = 0x00) {
        std::vector<std::uint8_t> d(len);
        for (std::size_t i = 0; i < len; ++i) d[i] = static_cast<std::uint8_t>(i * 7 + 3);
        return add(rmid, info, main_data(d));
    }

    // A record cut off at the end of its page (the server crashed while writing it): the next
    // page starts with XLP_FIRST_IS_OVERWRITE_CONTRECORD and new WAL. Returns its LSN.
    XLogRecPtr add_aborted(std::size_t data_len) {
        std::vector<std::uint8_t> d(data_len, 0x5A);
        const std::vector<std::uint8_t> body = main_data(d);
        start_page_if_needed(0);
        const XLogRecPtr lsn = pos_;
        std::vector<std::uint8_t> rec(SizeOfXLogRecord + body.size(), 0);
        store(rec.data() + record_layout::xl_tot_len, static_cast<std::uint32_t>(rec.size()));
        store(rec.data() + record_layout::xl_prev, prev_);
        rec[record_layout::xl_rmid] = 21;
        std::copy(body.begin(), body.end(), rec.begin() + SizeOfXLogRecord);
        const std::size_t room = XLOG_BLCKSZ - pos_ % XLOG_BLCKSZ;
        write(rec.data(), std::min(room, rec.size()));
        overwrite_next_ = true;
        return lsn;
    }
    void set_tli(TimeLineID tli) { tli_ = tli; }

    // Zero-pads up to `lsn` (page headers are written for pages entered on the way).
    void pad_to(XLogRecPtr lsn) {
        while (pos_ < lsn) {
            if (pos_ % XLOG_BLCKSZ == 0 && lsn - pos_ >= 1) {
                // Pages after a switch get a header too, as PostgreSQL initialises them.
                start_page_if_needed(0);
                if (pos_ >= lsn) break;
            }
            std::size_t n = std::min<XLogRecPtr>(lsn - pos_, XLOG_BLCKSZ - pos_ % XLOG_BLCKSZ);
            std::vector<std::uint8_t> z(n, 0);
            write(z.data(), n);
        }
    }
    // Extends the buffer with zeros to the end of the current segment (no page headers).
    void zero_fill_segment() {
        bytes_.resize(static_cast<std::size_t>(next_segment(pos_ - 1) - start_), 0);
    }

    XLogRecPtr pos() const { return pos_; }
    XLogRecPtr start() const { return start_; }
    std::uint32_t seg_size() const { return seg_size_; }
    std::vector<std::uint8_t>& bytes() { return bytes_; }
    std::uint8_t& at(XLogRecPtr lsn) { return bytes_.at(static_cast<std::size_t>(lsn - start_)); }

private:
    XLogRecPtr next_segment(XLogRecPtr p) const { return (p / seg_size_ + 1) * seg_size_; }

    void start_page_if_needed(std::uint32_t rem_len) {
        if (pos_ % XLOG_BLCKSZ != 0) return;
        const bool is_long = pos_ % seg_size_ == 0;
        const std::uint32_t size = is_long ? SizeOfXLogLongPHD : SizeOfXLogShortPHD;
        std::vector<std::uint8_t> h(size, 0);
        std::uint16_t info = (is_long ? XLP_LONG_HEADER : 0) | (rem_len ? XLP_FIRST_IS_CONTRECORD : 0);
        if (overwrite_next_) {
            info = static_cast<std::uint16_t>((info & ~XLP_FIRST_IS_CONTRECORD) |
                                              XLP_FIRST_IS_OVERWRITE_CONTRECORD);
            rem_len = 0;
            overwrite_next_ = false;
        }
        store<std::uint16_t>(h.data() + page_layout::xlp_magic, 0xD110);
        store<std::uint16_t>(h.data() + page_layout::xlp_info, info);
        store<std::uint32_t>(h.data() + page_layout::xlp_tli, tli_);
        store<std::uint64_t>(h.data() + page_layout::xlp_pageaddr, pos_);
        store<std::uint32_t>(h.data() + page_layout::xlp_rem_len, rem_len);
        if (is_long) {
            store<std::uint64_t>(h.data() + page_layout::xlp_sysid, sysid_);
            store<std::uint32_t>(h.data() + page_layout::xlp_seg_size, seg_size_);
            store<std::uint32_t>(h.data() + page_layout::xlp_xlog_blcksz, XLOG_BLCKSZ);
        }
        write(h.data(), h.size());
    }
    void write(const std::uint8_t* p, std::size_t n) {
        bytes_.insert(bytes_.end(), p, p + n);
        pos_ += n;
    }

    std::uint32_t seg_size_;
    XLogRecPtr start_;
    XLogRecPtr pos_;
    TimeLineID tli_;
    std::uint64_t sysid_;
    XLogRecPtr prev_ = 0;
    bool overwrite_next_ = false;
    std::vector<std::uint8_t> bytes_;
};

}  // namespace understudy::testing
