// libFuzzer target over the WAL reader, decoder, page-image restore and waldump's formatting.
// The input is WAL placed where its first page header says it belongs: from the start of a
// segment (a long header: seed corpus tests/fuzz/corpus, the first pages of real segments) or
// from any page of a 1 MB segment (a short header), so that an input of a few pages can run
// over the end of that segment into the next one (records continued across a segment
// boundary, the next segment's long header). The bytes are served from memory (a WalSource over
// the input; for the part before the first page of a mid-segment input, a zeroed 1 MB buffer
// kept across runs). The reader must end every run with a record, an end of WAL or a
// corruption report, never a crash, hang or out-of-bounds access; and a reader that only scans
// records for their lengths (decode_blocks off) must agree with the decoding one.
// Cost per input: rendering a record as JSON (nlohmann::json, allocation-heavy under ASan) took
// three quarters of the time when every record was rendered, and still 30% when the first 8 of
// each pass were (perf, 2026-12-07); the text line is rendered for every record, the JSON in the
// first pass for its first record and one in 16 after that.
// Built with -Dfuzz=true (clang only): see tools/fuzz.sh for -max_len and why.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/wal_format.h"
#include "wal/page_image.h"
#include "wal/wal_reader.h"
#include "wal/wal_source.h"
#include "tools/understudy/waldump_display.h"

using namespace understudy;

namespace {

constexpr std::uint32_t kMidSegmentSize = 1u << 20;

// The input as WAL from `start` on: the segment holding `start` (its bytes before `start` are
// zeros) and the segments after it, as far as the input reaches.
class InputSource final : public WalSource {
public:
    InputSource(std::span<const std::uint8_t> bytes, XLogRecPtr start, std::uint32_t seg_size)
        : bytes_(bytes), seg_size_(seg_size), first_(lsn_to_segno(start, seg_size)),
          offset_(segment_offset(start, seg_size)) {
        if (offset_ == 0) return;
        // Only 1 MB segments start mid-segment (see the caller): the head goes into a buffer.
        static std::vector<std::uint8_t> buffer(kMidSegmentSize, 0);
        head_len_ = std::min<std::size_t>(bytes_.size(), seg_size_ - offset_);
        std::memcpy(buffer.data() + offset_, bytes_.data(), head_len_);
        head_ = std::span<const std::uint8_t>(buffer.data(), offset_ + head_len_);
        buffer_ = &buffer;
    }
    InputSource(const InputSource&) = delete;
    InputSource& operator=(const InputSource&) = delete;
    ~InputSource() override {
        if (buffer_) std::memset(buffer_->data() + offset_, 0, head_len_);
    }

    Result<std::optional<SegmentData>> segment(XLogSegNo segno, std::uint32_t, std::uint32_t) override {
        if (segno < first_) return std::optional<SegmentData>{};
        if (segno == first_ && offset_ != 0) return std::optional<SegmentData>{SegmentData{head_, 1, "input head"}};
        // Where segment `segno` begins in the input.
        const std::uint64_t from = (segno - first_) * std::uint64_t{seg_size_} - offset_;
        if (from >= bytes_.size()) return std::optional<SegmentData>{};
        const std::size_t len = std::min<std::size_t>(seg_size_, bytes_.size() - from);
        return std::optional<SegmentData>{SegmentData{bytes_.subspan(from, len), 1, "input"}};
    }
    std::uint32_t segment_size() const override { return seg_size_; }

private:
    std::span<const std::uint8_t> bytes_;
    std::uint32_t seg_size_;
    XLogSegNo first_;
    std::uint32_t offset_;
    std::span<const std::uint8_t> head_;
    std::size_t head_len_ = 0;
    std::vector<std::uint8_t>* buffer_ = nullptr;
};

bool render_json(int pass, int n) { return pass == 0 && n % 16 == 0; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < SizeOfXLogLongPHD) return 0;
    const bool long_header = (load<std::uint16_t>(data + page_layout::xlp_info) & XLP_LONG_HEADER) != 0;
    std::uint32_t seg_size = kMidSegmentSize;
    if (long_header) {
        seg_size = load<std::uint32_t>(data + page_layout::xlp_seg_size);
        if (!is_valid_segment_size(seg_size)) seg_size = 16u << 20;
    }
    // Where the first page header says the input belongs: a segment start for a long header,
    // any page of a 1 MB segment for a short one. Never segment 0 (no WAL lives there).
    XLogRecPtr start = load<std::uint64_t>(data + page_layout::xlp_pageaddr) & 0x0000FFFFFFFFFFFFull;
    start -= long_header ? start % seg_size : start % XLOG_BLCKSZ;
    if (start < seg_size) start += seg_size;
    const XLogRecPtr first_record = start + (segment_offset(start, seg_size) == 0 ? SizeOfXLogLongPHD : SizeOfXLogShortPHD);

    InputSource src(std::span<const std::uint8_t>(data, size), start, seg_size);
    std::string out;
    out.reserve(4096);
    std::array<std::uint8_t, BLCKSZ> page;
    for (int pass = 0; pass < 2; ++pass) {
        WalReaderOptions opts;
        if (pass == 1) opts.end_lsn = start + size / 2;
        WalReader reader(src, opts);
        // pass 0: from the first record; pass 1: from an offset taken from the data.
        const XLogRecPtr from = pass == 0 ? first_record : start + data[size - 1] * 64u % size;
        if (reader.find_next_record(std::max(from, first_record)) == InvalidXLogRecPtr) continue;
        for (int n = 0; n < 100000; ++n) {
            if (reader.read_record() != ReadStatus::Record) break;
            const DecodedRecord& rec = reader.record();
            out.clear();
            waldump::append_record_line(out, rec, true);
            if (render_json(pass, n)) waldump::append_record_json(out, rec);
            for (int id = 0; id <= rec.max_block_id; ++id)
                if (rec.has_block_ref(id) && rec.blocks[static_cast<std::size_t>(id)].has_image)
                    (void)restore_block_image(rec, id, page);
        }
    }

    // Differential: a reader that only scans the records (waldump --stats) must see exactly what
    // the decoding reader sees: same records, lengths, end and error.
    WalReaderOptions scan_only;
    scan_only.decode_blocks = false;
    WalReader full(src), lengths(src, scan_only);
    const XLogRecPtr first = full.find_next_record(first_record);
    if (first == InvalidXLogRecPtr || lengths.find_next_record(first_record) != first) return 0;
    for (int n = 0; n < 100000; ++n) {
        const ReadStatus a = full.read_record(), b = lengths.read_record();
        if (a != b) __builtin_trap();
        if (a != ReadStatus::Record) {
            if (full.error_message() != lengths.error_message() || full.error_lsn() != lengths.error_lsn())
                __builtin_trap();
            break;
        }
        const RecordSummary &x = full.summary(), &y = lengths.summary();
        if (x.lsn != y.lsn || x.end_lsn != y.end_lsn || x.rec_len != y.rec_len || x.fpi_len != y.fpi_len ||
            x.xl_rmid != y.xl_rmid || x.xl_info != y.xl_info || x.xl_xid != y.xl_xid)
            __builtin_trap();
    }
    return 0;
}
