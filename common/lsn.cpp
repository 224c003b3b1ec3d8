#include "common/lsn.h"

#include <fmt/format.h>

namespace understudy {

namespace {

std::optional<std::uint32_t> parse_hex32(std::string_view s) {
    if (s.empty() || s.size() > 8) return std::nullopt;
    std::uint32_t v = 0;
    for (char c : s) {
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return std::nullopt;
        v = (v << 4) | static_cast<std::uint32_t>(d);
    }
    return v;
}

}  // namespace

std::optional<XLogRecPtr> parse_lsn(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto hi = parse_hex32(text.substr(0, slash));
    auto lo = parse_hex32(text.substr(slash + 1));
    if (!hi || !lo) return std::nullopt;
    return (static_cast<XLogRecPtr>(*hi) << 32) | *lo;
}

std::string format_lsn(XLogRecPtr lsn) {
    return fmt::format("{:X}/{:X}", static_cast<std::uint32_t>(lsn >> 32),
                       static_cast<std::uint32_t>(lsn));
}

std::string segment_file_name(TimeLineID tli, XLogSegNo segno, std::uint32_t seg_size) {
    const std::uint64_t per_id = 0x100000000ULL / seg_size;
    return fmt::format("{:08X}{:08X}{:08X}", tli, static_cast<std::uint32_t>(segno / per_id),
                       static_cast<std::uint32_t>(segno % per_id));
}

std::optional<SegmentName> parse_segment_file_name(std::string_view name, std::uint32_t seg_size) {
    SegmentName out;
    constexpr std::string_view kPartial = ".partial";
    if (name.size() == 24 + kPartial.size() && name.substr(24) == kPartial) {
        out.partial = true;
        name = name.substr(0, 24);
    }
    if (name.size() != 24) return std::nullopt;
    auto tli = parse_hex32(name.substr(0, 8));
    auto log = parse_hex32(name.substr(8, 8));
    auto seg = parse_hex32(name.substr(16, 8));
    if (!tli || !log || !seg) return std::nullopt;
    const std::uint64_t per_id = 0x100000000ULL / seg_size;
    if (*seg >= per_id) return std::nullopt;
    out.tli = *tli;
    out.segno = static_cast<XLogSegNo>(*log) * per_id + *seg;
    return out;
}

std::string history_file_name(TimeLineID tli) { return fmt::format("{:08X}.history", tli); }

}  // namespace understudy
