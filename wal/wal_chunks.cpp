// Splitting a WAL range by segment and joining the chunks' readings (see wal_chunks.h). No
// PostgreSQL counterpart: pg_waldump (PG15) reads sequentially; the seam checks are those of
// XLogReadRecord's ValidXLogRecordHeader (xl_prev) and XLogReaderValidatePageHeader (TLI).
#include "wal/wal_chunks.h"

#include <algorithm>

namespace understudy {

std::vector<WalChunk> split_wal_range(XLogRecPtr first, XLogRecPtr range_end,
                                      std::uint32_t seg_size, unsigned max_chunks) {
    std::vector<WalChunk> chunks;
    if (range_end <= first) {
        chunks.push_back({first, range_end});
        return chunks;
    }
    const XLogSegNo first_seg = lsn_to_segno(first, seg_size);
    const XLogSegNo last_seg = lsn_to_segno(range_end - 1, seg_size);
    const std::uint64_t nseg = last_seg - first_seg + 1;
    const std::uint64_t k = std::clamp<std::uint64_t>(max_chunks, 1, nseg);
    for (std::uint64_t i = 0; i < k; ++i) {
        const XLogSegNo seg = first_seg + i * nseg / k;
        const XLogSegNo next_seg = first_seg + (i + 1) * nseg / k;
        WalChunk c;
        c.begin = i == 0 ? first : segno_to_lsn(seg, seg_size);
        c.end = i + 1 == k ? range_end : segno_to_lsn(next_seg, seg_size);
        chunks.push_back(c);
    }
    return chunks;
}

bool chunks_join(const WalChunk& next_chunk, const ChunkOutcome& prev, const ChunkOutcome& next) {
    return prev.reached_end && next.found_first &&
           next.first_lsn >= next_chunk.begin && next.first_lsn < next_chunk.end &&
           prev.stop_lsn == next.first_lsn &&
           prev.last_lsn != InvalidXLogRecPtr &&
           next.first_prev == prev.last_lsn && prev.stop_prev == prev.last_lsn &&
           prev.stop_tli == next.first_tli && next.first_tli != 0;
}

}  // namespace understudy
