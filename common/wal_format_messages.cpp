#include "common/wal_format_messages.h"

#include <fmt/format.h>

#include "common/wal_format.h"

namespace understudy {

namespace {

// Texts every version from 14 to 18 words alike.
constexpr const char* kContrecordRequested = "contrecord is requested by {lsn}";
constexpr const char* kInvalidRmgrId = "invalid resource manager ID {rmid} at {lsn}";
constexpr const char* kIncorrectPrevLink = "record with incorrect prev-link {prev} at {lsn}";
constexpr const char* kRecordChecksum = "incorrect resource manager data checksum in record at {lsn}";
constexpr const char* kNoContrecordFlag = "there is no contrecord flag at {lsn}";
constexpr const char* kInvalidContrecordLength =
    "invalid contrecord length {rem_len} (expected {expected}) at {lsn}";
constexpr const char* kWrongSystemIdentifier =
    "WAL file is from different database system: WAL file database system identifier is "
    "{wal_sysid}, pg_control database system identifier is {control_sysid}";
constexpr const char* kWrongSegmentSize =
    "WAL file is from different database system: incorrect segment size in page header";
constexpr const char* kWrongXlogBlcksz =
    "WAL file is from different database system: incorrect XLOG_BLCKSZ in page header";
constexpr const char* kRecordInvalidLength = "record with invalid length at {lsn}";
constexpr const char* kInvalidBlockId = "invalid block_id {block_id} at {lsn}";
constexpr const char* kOutOfOrderBlockId = "out-of-order block_id {block_id} at {lsn}";
constexpr const char* kHasDataWithoutData = "BKPBLOCK_HAS_DATA set, but no data included at {lsn}";
constexpr const char* kDataWithoutHasData =
    "BKPBLOCK_HAS_DATA not set, but data length is {len} at {lsn}";
constexpr const char* kHoleSetBadHole =
    "BKPIMAGE_HAS_HOLE set, but hole offset {hole_offset} length {hole_length} block image "
    "length {len} at {lsn}";
constexpr const char* kHoleNotSetBadHole =
    "BKPIMAGE_HAS_HOLE not set, but hole offset {hole_offset} length {hole_length} at {lsn}";
constexpr const char* kSameRelWithoutRel = "BKPBLOCK_SAME_REL set but no previous rel at {lsn}";

// 14 and 15: the page header checks name the segment and offset; "wanted".
constexpr const char* kInvalidRecordOffset15 = "invalid record offset at {lsn}";
constexpr const char* kInvalidRecordLength15 = "invalid record length at {lsn}: wanted {expected}, got {got}";
constexpr const char* kInvalidMagic15 = "invalid magic number {magic:04X} in log segment {segment}, offset {offset}";
constexpr const char* kInvalidInfoBits15 = "invalid info bits {info:04X} in log segment {segment}, offset {offset}";
constexpr const char* kUnexpectedPageaddr15 = "unexpected pageaddr {pageaddr} in log segment {segment}, offset {offset}";
constexpr const char* kOutOfSequenceTimeline15 =
    "out-of-sequence timeline ID {tli} (after {after}) in log segment {segment}, offset {offset}";
// 16 on: the page's LSN too; "expected at least".
constexpr const char* kInvalidRecordOffset16 = "invalid record offset at {lsn}: expected at least {expected}, got {got}";
constexpr const char* kInvalidRecordLength16 = "invalid record length at {lsn}: expected at least {expected}, got {got}";
constexpr const char* kInvalidMagic16 =
    "invalid magic number {magic:04X} in WAL segment {segment}, LSN {page_lsn}, offset {offset}";
constexpr const char* kInvalidInfoBits16 =
    "invalid info bits {info:04X} in WAL segment {segment}, LSN {page_lsn}, offset {offset}";
constexpr const char* kUnexpectedPageaddr16 =
    "unexpected pageaddr {pageaddr} in WAL segment {segment}, LSN {page_lsn}, offset {offset}";
constexpr const char* kOutOfSequenceTimeline16 =
    "out-of-sequence timeline ID {tli} (after {after}) in WAL segment {segment}, LSN {page_lsn}, "
    "offset {offset}";
// 14: one compressed bit, BKPIMAGE_IS_COMPRESSED; 15 on: BKPIMAGE_COMPRESSED (a bit per method).
constexpr const char* kCompressedFullLength14 = "BKPIMAGE_IS_COMPRESSED set, but block image length {len} at {lsn}";
constexpr const char* kUncompressedShortLength14 =
    "neither BKPIMAGE_HAS_HOLE nor BKPIMAGE_IS_COMPRESSED set, but block image length is {len} at {lsn}";
constexpr const char* kCompressedFullLength15 = "BKPIMAGE_COMPRESSED set, but block image length {len} at {lsn}";
constexpr const char* kUncompressedShortLength15 =
    "neither BKPIMAGE_HAS_HOLE nor BKPIMAGE_COMPRESSED set, but block image length is {len} at {lsn}";
// pg_waldump: 14 to 16 name the file of a short read bare, 17 on quote it.
constexpr const char* kReadFromFileShort14 = "could not read from file {file}, offset {offset}: read {read} of {requested}";
constexpr const char* kReadFromFileShort17 =
    "could not read from file \"{file}\", offset {offset}: read {read} of {requested}";
constexpr const char* kInvalidSegmentSize14 =
    "WAL segment size must be a power of two between 1 MB and 1 GB, but the WAL file \"{file}\" "
    "header specifies {size} {bytes}";
constexpr const char* kInvalidSegmentSize17 = "invalid WAL segment size in WAL file \"{file}\" ({size} {bytes})";
constexpr const char* kInvalidSegmentSizeDetail17 =
    "The WAL segment size must be a power of two between 1 MB and 1 GB.";

}  // namespace

const WalMessages kWalMessagesPg14 = {
    14,
    kInvalidRecordOffset15, kContrecordRequested, kInvalidRecordLength15, kInvalidRmgrId,
    kIncorrectPrevLink, kRecordChecksum, kNoContrecordFlag, kInvalidContrecordLength,
    kInvalidMagic15, kInvalidInfoBits15, kWrongSystemIdentifier, kWrongSegmentSize,
    kWrongXlogBlcksz, kUnexpectedPageaddr15, kOutOfSequenceTimeline15,
    kRecordInvalidLength, kInvalidBlockId, kOutOfOrderBlockId, kHasDataWithoutData,
    kDataWithoutHasData, kHoleSetBadHole, kHoleNotSetBadHole, kCompressedFullLength14,
    kUncompressedShortLength14, kSameRelWithoutRel,
    kReadFromFileShort14, kInvalidSegmentSize14, nullptr,
};
const WalMessages kWalMessagesPg15 = {
    15,
    kInvalidRecordOffset15, kContrecordRequested, kInvalidRecordLength15, kInvalidRmgrId,
    kIncorrectPrevLink, kRecordChecksum, kNoContrecordFlag, kInvalidContrecordLength,
    kInvalidMagic15, kInvalidInfoBits15, kWrongSystemIdentifier, kWrongSegmentSize,
    kWrongXlogBlcksz, kUnexpectedPageaddr15, kOutOfSequenceTimeline15,
    kRecordInvalidLength, kInvalidBlockId, kOutOfOrderBlockId, kHasDataWithoutData,
    kDataWithoutHasData, kHoleSetBadHole, kHoleNotSetBadHole, kCompressedFullLength15,
    kUncompressedShortLength15, kSameRelWithoutRel,
    kReadFromFileShort14, kInvalidSegmentSize14, nullptr,
};
const WalMessages kWalMessagesPg16 = {
    16,
    kInvalidRecordOffset16, kContrecordRequested, kInvalidRecordLength16, kInvalidRmgrId,
    kIncorrectPrevLink, kRecordChecksum, kNoContrecordFlag, kInvalidContrecordLength,
    kInvalidMagic16, kInvalidInfoBits16, kWrongSystemIdentifier, kWrongSegmentSize,
    kWrongXlogBlcksz, kUnexpectedPageaddr16, kOutOfSequenceTimeline16,
    kRecordInvalidLength, kInvalidBlockId, kOutOfOrderBlockId, kHasDataWithoutData,
    kDataWithoutHasData, kHoleSetBadHole, kHoleNotSetBadHole, kCompressedFullLength15,
    kUncompressedShortLength15, kSameRelWithoutRel,
    kReadFromFileShort14, kInvalidSegmentSize14, nullptr,
};
const WalMessages kWalMessagesPg17 = {
    17,
    kInvalidRecordOffset16, kContrecordRequested, kInvalidRecordLength16, kInvalidRmgrId,
    kIncorrectPrevLink, kRecordChecksum, kNoContrecordFlag, kInvalidContrecordLength,
    kInvalidMagic16, kInvalidInfoBits16, kWrongSystemIdentifier, kWrongSegmentSize,
    kWrongXlogBlcksz, kUnexpectedPageaddr16, kOutOfSequenceTimeline16,
    kRecordInvalidLength, kInvalidBlockId, kOutOfOrderBlockId, kHasDataWithoutData,
    kDataWithoutHasData, kHoleSetBadHole, kHoleNotSetBadHole, kCompressedFullLength15,
    kUncompressedShortLength15, kSameRelWithoutRel,
    kReadFromFileShort17, kInvalidSegmentSize17, kInvalidSegmentSizeDetail17,
};
const WalMessages kWalMessagesPg18 = {
    18,
    kInvalidRecordOffset16, kContrecordRequested, kInvalidRecordLength16, kInvalidRmgrId,
    kIncorrectPrevLink, kRecordChecksum, kNoContrecordFlag, kInvalidContrecordLength,
    kInvalidMagic16, kInvalidInfoBits16, kWrongSystemIdentifier, kWrongSegmentSize,
    kWrongXlogBlcksz, kUnexpectedPageaddr16, kOutOfSequenceTimeline16,
    kRecordInvalidLength, kInvalidBlockId, kOutOfOrderBlockId, kHasDataWithoutData,
    kDataWithoutHasData, kHoleSetBadHole, kHoleNotSetBadHole, kCompressedFullLength15,
    kUncompressedShortLength15, kSameRelWithoutRel,
    kReadFromFileShort17, kInvalidSegmentSize17, kInvalidSegmentSizeDetail17,
};

const WalMessages& wal_messages_for_version(int major_version) {
    switch (major_version) {
        case 14: return kWalMessagesPg14;
        case 16: return kWalMessagesPg16;
        case 17: return kWalMessagesPg17;
        case 18: return kWalMessagesPg18;
        default: return kWalMessagesPg15;
    }
}

const WalMessages& wal_messages(const WalFormat& format) {
    return wal_messages_for_version(format.major_version);
}

std::string invalid_record_offset_text(const WalMessages& m, XLogRecPtr lsn,
                                       std::uint32_t expected, std::uint32_t got) {
    return fmt::format(fmt::runtime(m.invalid_record_offset), fmt::arg("lsn", format_lsn(lsn)),
                       fmt::arg("expected", expected), fmt::arg("got", got));
}
std::string contrecord_requested_text(const WalMessages& m, XLogRecPtr lsn) {
    return fmt::format(fmt::runtime(m.contrecord_requested), fmt::arg("lsn", format_lsn(lsn)));
}
std::string invalid_record_length_text(const WalMessages& m, XLogRecPtr lsn,
                                       std::uint32_t expected, std::uint32_t got) {
    return fmt::format(fmt::runtime(m.invalid_record_length), fmt::arg("lsn", format_lsn(lsn)),
                       fmt::arg("expected", expected), fmt::arg("got", got));
}
std::string invalid_rmgr_id_text(const WalMessages& m, unsigned rmid, XLogRecPtr lsn) {
    return fmt::format(fmt::runtime(m.invalid_rmgr_id), fmt::arg("rmid", rmid),
                       fmt::arg("lsn", format_lsn(lsn)));
}
std::string incorrect_prev_link_text(const WalMessages& m, XLogRecPtr prev, XLogRecPtr lsn) {
    return fmt::format(fmt::runtime(m.incorrect_prev_link), fmt::arg("prev", format_lsn(prev)),
                       fmt::arg("lsn", format_lsn(lsn)));
}
std::string record_checksum_text(const WalMessages& m, XLogRecPtr lsn) {
    return fmt::format(fmt::runtime(m.record_checksum), fmt::arg("lsn", format_lsn(lsn)));
}
std::string no_contrecord_flag_text(const WalMessages& m, XLogRecPtr lsn) {
    return fmt::format(fmt::runtime(m.no_contrecord_flag), fmt::arg("lsn", format_lsn(lsn)));
}
std::string invalid_contrecord_length_text(const WalMessages& m, std::uint32_t rem_len,
                                           long long expected, XLogRecPtr lsn) {
    return fmt::format(fmt::runtime(m.invalid_contrecord_length), fmt::arg("rem_len", rem_len),
                       fmt::arg("expected", expected), fmt::arg("lsn", format_lsn(lsn)));
}

std::string invalid_magic_text(const WalMessages& m, std::uint16_t magic, std::string_view segment,
                               XLogRecPtr page_lsn, std::uint32_t offset) {
    return fmt::format(fmt::runtime(m.invalid_magic), fmt::arg("magic", magic),
                       fmt::arg("segment", segment), fmt::arg("page_lsn", format_lsn(page_lsn)),
                       fmt::arg("offset", offset));
}
std::string invalid_info_bits_text(const WalMessages& m, std::uint16_t info,
                                   std::string_view segment, XLogRecPtr page_lsn,
                                   std::uint32_t offset) {
    return fmt::format(fmt::runtime(m.invalid_info_bits), fmt::arg("info", info),
                       fmt::arg("segment", segment), fmt::arg("page_lsn", format_lsn(page_lsn)),
                       fmt::arg("offset", offset));
}
std::string wrong_system_identifier_text(const WalMessages& m, std::uint64_t wal_sysid,
                                         std::uint64_t control_sysid) {
    return fmt::format(fmt::runtime(m.wrong_system_identifier), fmt::arg("wal_sysid", wal_sysid),
                       fmt::arg("control_sysid", control_sysid));
}
std::string wrong_segment_size_text(const WalMessages& m) { return m.wrong_segment_size; }
std::string wrong_xlog_blcksz_text(const WalMessages& m) { return m.wrong_xlog_blcksz; }
std::string unexpected_pageaddr_text(const WalMessages& m, XLogRecPtr pageaddr,
                                     std::string_view segment, XLogRecPtr page_lsn,
                                     std::uint32_t offset) {
    return fmt::format(fmt::runtime(m.unexpected_pageaddr), fmt::arg("pageaddr", format_lsn(pageaddr)),
                       fmt::arg("segment", segment), fmt::arg("page_lsn", format_lsn(page_lsn)),
                       fmt::arg("offset", offset));
}
std::string out_of_sequence_timeline_text(const WalMessages& m, TimeLineID tli, TimeLineID after,
                                          std::string_view segment, XLogRecPtr page_lsn,
                                          std::uint32_t offset) {
    return fmt::format(fmt::runtime(m.out_of_sequence_timeline), fmt::arg("tli", tli),
                       fmt::arg("after", after), fmt::arg("segment", segment),
                       fmt::arg("page_lsn", format_lsn(page_lsn)), fmt::arg("offset", offset));
}

std::string record_invalid_length_text(const WalMessages& m, XLogRecPtr lsn) {
    return fmt::format(fmt::runtime(m.record_invalid_length), fmt::arg("lsn", format_lsn(lsn)));
}
std::string invalid_block_id_text(const WalMessages& m, unsigned block_id, XLogRecPtr lsn) {
    return fmt::format(fmt::runtime(m.invalid_block_id), fmt::arg("block_id", block_id),
                       fmt::arg("lsn", format_lsn(lsn)));
}
std::string out_of_order_block_id_text(const WalMessages& m, unsigned block_id, XLogRecPtr lsn) {
    return fmt::format(fmt::runtime(m.out_of_order_block_id), fmt::arg("block_id", block_id),
                       fmt::arg("lsn", format_lsn(lsn)));
}
std::string has_data_without_data_text(const WalMessages& m, XLogRecPtr lsn) {
    return fmt::format(fmt::runtime(m.has_data_without_data), fmt::arg("lsn", format_lsn(lsn)));
}
std::string data_without_has_data_text(const WalMessages& m, unsigned len, XLogRecPtr lsn) {
    return fmt::format(fmt::runtime(m.data_without_has_data), fmt::arg("len", len),
                       fmt::arg("lsn", format_lsn(lsn)));
}
std::string hole_set_bad_hole_text(const WalMessages& m, unsigned hole_offset,
                                   unsigned hole_length, unsigned len, XLogRecPtr lsn) {
    return fmt::format(fmt::runtime(m.hole_set_bad_hole), fmt::arg("hole_offset", hole_offset),
                       fmt::arg("hole_length", hole_length), fmt::arg("len", len),
                       fmt::arg("lsn", format_lsn(lsn)));
}
std::string hole_not_set_bad_hole_text(const WalMessages& m, unsigned hole_offset,
                                       unsigned hole_length, XLogRecPtr lsn) {
    return fmt::format(fmt::runtime(m.hole_not_set_bad_hole), fmt::arg("hole_offset", hole_offset),
                       fmt::arg("hole_length", hole_length), fmt::arg("lsn", format_lsn(lsn)));
}
std::string compressed_full_length_text(const WalMessages& m, unsigned len, XLogRecPtr lsn) {
    return fmt::format(fmt::runtime(m.compressed_full_length), fmt::arg("len", len),
                       fmt::arg("lsn", format_lsn(lsn)));
}
std::string uncompressed_short_length_text(const WalMessages& m, unsigned len, XLogRecPtr lsn) {
    return fmt::format(fmt::runtime(m.uncompressed_short_length), fmt::arg("len", len),
                       fmt::arg("lsn", format_lsn(lsn)));
}
std::string same_rel_without_rel_text(const WalMessages& m, XLogRecPtr lsn) {
    return fmt::format(fmt::runtime(m.same_rel_without_rel), fmt::arg("lsn", format_lsn(lsn)));
}

std::string read_from_file_short_text(const WalMessages& m, std::string_view file,
                                      std::uint64_t offset, std::uint64_t read,
                                      std::uint64_t requested) {
    return fmt::format(fmt::runtime(m.read_from_file_short), fmt::arg("file", file),
                       fmt::arg("offset", offset), fmt::arg("read", read),
                       fmt::arg("requested", requested));
}

std::string invalid_segment_size_text(const WalMessages& m, std::string_view file,
                                      std::int32_t size) {
    // ngettext's English plural: "byte" for exactly 1.
    std::string text = fmt::format(fmt::runtime(m.invalid_segment_size), fmt::arg("file", file),
                                   fmt::arg("size", size),
                                   fmt::arg("bytes", size == 1 ? "byte" : "bytes"));
    if (m.invalid_segment_size_detail != nullptr) {
        text += "\ndetail: ";
        text += m.invalid_segment_size_detail;
    }
    return text;
}

}  // namespace understudy
