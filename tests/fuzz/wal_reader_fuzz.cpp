// libFuzzer target over the WAL reader, decoder, page-image restore and waldump's formatting.
// The input is WAL from the start of a segment (seed corpus: tests/fuzz/corpus, the first pages
// of real segments); the reader must end every run with a record, an end of WAL or a corruption
// report, never a crash, hang or out-of-bounds access; and a reader that only scans records
// for their lengths (decode_blocks off) must agree with the decoding one. Built with -Dfuzz=true (clang only):
// see tools/fuzz.sh.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "common/bytes.h"
#include "common/wal_format.h"
#include "wal/page_image.h"
#include "wal/wal_reader.h"
#include "wal/wal_source.h"
#include "tools/understudy/waldump_display.h"

using namespace understudy;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < SizeOfXLogLongPHD) return 0;
    std::uint32_t seg_size = load<std::uint32_t>(data + page_layout::xlp_seg_size);
    if (!is_valid_segment_size(seg_size)) seg_size = 16u << 20;
    // Place the input where its first page header says it belongs (segment start).
    XLogRecPtr start = load<std::uint64_t>(data + page_layout::xlp_pageaddr);
    start -= start % seg_size;
    if (start == 0) start = seg_size;

    MemorySource src(std::span<const std::uint8_t>(data, size), start, seg_size);
    for (int pass = 0; pass < 2; ++pass) {
        WalReaderOptions opts;
        if (pass == 1) opts.end_lsn = start + size / 2;
        WalReader reader(src, opts);
        // pass 0: from the first record; pass 1: from an offset taken from the data.
        XLogRecPtr from = start + (pass == 0 ? 0 : data[size - 1] * 64u % size);
        if (reader.find_next_record(from == start ? start + SizeOfXLogLongPHD : from) ==
            InvalidXLogRecPtr)
            continue;
        std::string out;
        std::array<std::uint8_t, BLCKSZ> page;
        for (int n = 0; n < 100000; ++n) {
            if (reader.read_record() != ReadStatus::Record) break;
            const DecodedRecord& rec = reader.record();
            out.clear();
            waldump::append_record_line(out, rec, true);
            waldump::append_record_json(out, rec);
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
    const XLogRecPtr first = full.find_next_record(start + SizeOfXLogLongPHD);
    if (first == InvalidXLogRecPtr || lengths.find_next_record(start + SizeOfXLogLongPHD) != first)
        return 0;
    for (int n = 0; n < 100000; ++n) {
        const ReadStatus a = full.read_record(), b = lengths.read_record();
        if (a != b) __builtin_trap();
        if (a != ReadStatus::Record) {
            if (full.error_message() != lengths.error_message() ||
                full.error_lsn() != lengths.error_lsn())
                __builtin_trap();
            break;
        }
        const RecordSummary &x = full.summary(), &y = lengths.summary();
        if (x.lsn != y.lsn || x.end_lsn != y.end_lsn || x.rec_len != y.rec_len ||
            x.fpi_len != y.fpi_len || x.xl_rmid != y.xl_rmid || x.xl_info != y.xl_info ||
            x.xl_xid != y.xl_xid)
            __builtin_trap();
    }
    return 0;
}
