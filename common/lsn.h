// Log sequence numbers, timelines and WAL segment file names, as PostgreSQL defines them
// (src/include/access/xlog_internal.h: XLogFileName, XLByteToSeg, XLogSegmentOffset).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace understudy {

using XLogRecPtr = std::uint64_t;
using TimeLineID = std::uint32_t;
using XLogSegNo = std::uint64_t;

inline constexpr XLogRecPtr InvalidXLogRecPtr = 0;

// "16/B374D848" -> 0x16B374D848. Accepts what PostgreSQL's pg_lsn input accepts: two hex
// numbers of 1..8 digits separated by '/'. Returns nullopt for anything else.
std::optional<XLogRecPtr> parse_lsn(std::string_view text);

// 0x16B374D848 -> "16/B374D848" (upper case hex, as PostgreSQL prints it).
std::string format_lsn(XLogRecPtr lsn);

inline constexpr XLogSegNo lsn_to_segno(XLogRecPtr lsn, std::uint32_t seg_size) {
    return lsn / seg_size;
}
inline constexpr std::uint32_t segment_offset(XLogRecPtr lsn, std::uint32_t seg_size) {
    return static_cast<std::uint32_t>(lsn & (seg_size - 1));
}
inline constexpr XLogRecPtr segno_to_lsn(XLogSegNo segno, std::uint32_t seg_size) {
    return segno * seg_size;
}
inline constexpr bool is_valid_segment_size(std::uint64_t size) {
    // PostgreSQL: power of two between 1 MB and 1 GB.
    return size >= (1u << 20) && size <= (1u << 30) && (size & (size - 1)) == 0;
}

// Segment file name: TTTTTTTTXXXXXXXXYYYYYYYY (timeline, log id, segment within log id).
std::string segment_file_name(TimeLineID tli, XLogSegNo segno, std::uint32_t seg_size);

struct SegmentName {
    TimeLineID tli = 0;
    XLogSegNo segno = 0;
    bool partial = false;  // name ended in ".partial"
};
// Parses a 24-hex-digit name, optionally followed by ".partial". Needs the segment size to turn
// the (log, seg) pair into a segment number.
std::optional<SegmentName> parse_segment_file_name(std::string_view name, std::uint32_t seg_size);

// "00000002.history"
std::string history_file_name(TimeLineID tli);

}  // namespace understudy
