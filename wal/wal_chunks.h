// Reading a WAL range in parallel, a chunk of whole segments per reader, and the rule that says
// when the chunks' results may be put together as if one reader had read the whole range.
//
// The first chunk starts at the range's first record; a later chunk starts at the first record
// that BEGINS in its first segment (found as PG15's XLogFindNextRecord does, skipping the
// continuation of the record before: xlp_rem_len / XLP_FIRST_IS_CONTRECORD). Every chunk reads
// the records that begin before its end to their end, and then reads one more: the first record
// that begins at or after its end (its "stop record"). Chunk i+1 joins chunk i only when that
// stop record is chunk i+1's first record, with the same xl_prev and page timeline: then the
// two readers agree on everything a single reader would have checked at the seam.
#pragma once

#include <cstdint>
#include <vector>

#include "common/lsn.h"

namespace understudy {

struct WalChunk {
    // The first chunk: the range's first record; a later one: the start of its first segment.
    XLogRecPtr begin = InvalidXLogRecPtr;
    // The next chunk's begin; for the last chunk, the end of the range.
    XLogRecPtr end = InvalidXLogRecPtr;
};

// Splits [first, range_end) into at most `max_chunks` chunks of whole segments, as evenly as
// the segment count allows (fewer chunks than segments never; one chunk when max_chunks <= 1).
std::vector<WalChunk> split_wal_range(XLogRecPtr first, XLogRecPtr range_end,
                                      std::uint32_t seg_size, unsigned max_chunks);

// What a chunk's reader saw at its two edges.
struct ChunkOutcome {
    // Its first record (for a later chunk: found, read, and beginning inside the chunk, with no
    // overwritten continuation before it).
    bool found_first = false;
    XLogRecPtr first_lsn = InvalidXLogRecPtr;
    XLogRecPtr first_prev = InvalidXLogRecPtr;  // its xl_prev
    TimeLineID first_tli = 0;                   // the reader's latest page TLI after reading it
    // The last record read that begins before the chunk's end.
    XLogRecPtr last_lsn = InvalidXLogRecPtr;
    // The chunk ended normally: its stop record (the first beginning at or after its end) was
    // read and checked. Not set at an error, the end of WAL or the end of the range.
    bool reached_end = false;
    XLogRecPtr stop_lsn = InvalidXLogRecPtr;
    XLogRecPtr stop_prev = InvalidXLogRecPtr;
    TimeLineID stop_tli = 0;
};

// True when `next`'s results may follow `prev`'s: `prev` ended normally exactly where `next`'s
// first record starts, that record's xl_prev is `prev`'s last record (as `prev`'s reader checked
// too), both readers saw the same page timeline there, and the record begins in `next_chunk`.
bool chunks_join(const WalChunk& next_chunk, const ChunkOutcome& prev, const ChunkOutcome& next);

}  // namespace understudy
