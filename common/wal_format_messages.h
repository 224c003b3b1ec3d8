// The words of WAL reading errors, per major version: xlogreader.c's messages (the reader's and
// DecodeXLogRecord's) and pg_waldump.c's about reading segments, as each release prints them.
//
// PostgreSQL 16 reworded the page header checks ("in WAL segment %s, LSN %X/%X, offset %u"
// instead of "in log segment %s, offset %u") and the length checks ("expected at least" instead
// of "wanted"; "invalid record offset" gained its numbers); 15 renamed BKPIMAGE_IS_COMPRESSED to
// BKPIMAGE_COMPRESSED; 17's pg_waldump quotes the file name of a short read and words an invalid
// segment size in a long header as an error plus a detail line. What is wrong (the reader's
// WalErrorKind) does not change between versions, only the text does.
//
// Each text is a fmt format string with named arguments, and one table per version holds them
// (kWalMessagesPg14 ... Pg18, selected by the WAL's major version like WalFormat). The functions
// below are the only way texts are formatted, so each one's arguments are fixed by its
// signature; tests/wal/wal_messages_test.cpp checks every text of every version against the
// source's wording.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/lsn.h"

namespace understudy {

struct WalFormat;

struct WalMessages {
    int major_version;
    // ---- xlogreader.c: XLogDecodeNextRecord / ValidXLogRecordHeader / ValidXLogRecord -------
    const char* invalid_record_offset;      // {lsn} {expected} {got}
    const char* contrecord_requested;       // {lsn}
    const char* invalid_record_length;      // {lsn} {expected} {got}
    const char* invalid_rmgr_id;            // {rmid} {lsn}
    const char* incorrect_prev_link;        // {prev} {lsn}
    const char* record_checksum;            // {lsn}
    const char* no_contrecord_flag;         // {lsn}
    const char* invalid_contrecord_length;  // {rem_len} {expected} {lsn}
    // ---- XLogReaderValidatePageHeader ------------------------------------------------------
    const char* invalid_magic;             // {magic} {segment} {page_lsn} {offset}
    const char* invalid_info_bits;         // {info} {segment} {page_lsn} {offset}
    const char* wrong_system_identifier;   // {wal_sysid} {control_sysid}
    const char* wrong_segment_size;        // (no arguments)
    const char* wrong_xlog_blcksz;         // (no arguments)
    const char* unexpected_pageaddr;       // {pageaddr} {segment} {page_lsn} {offset}
    const char* out_of_sequence_timeline;  // {tli} {after} {segment} {page_lsn} {offset}
    // ---- DecodeXLogRecord --------------------------------------------------------------------
    const char* record_invalid_length;      // {lsn}
    const char* invalid_block_id;           // {block_id} {lsn}
    const char* out_of_order_block_id;      // {block_id} {lsn}
    const char* has_data_without_data;      // {lsn}
    const char* data_without_has_data;      // {len} {lsn}
    const char* hole_set_bad_hole;          // {hole_offset} {hole_length} {len} {lsn}
    const char* hole_not_set_bad_hole;      // {hole_offset} {hole_length} {lsn}
    const char* compressed_full_length;     // {len} {lsn}
    const char* uncompressed_short_length;  // {len} {lsn}
    const char* same_rel_without_rel;       // {lsn}
    // ---- pg_waldump.c: WALDumpReadPage and search_directory ------------------------------------
    const char* read_from_file_short;      // {file} {offset} {read} {requested}
    const char* invalid_segment_size;      // {file} {size} {bytes}: "byte" or "bytes"
    const char* invalid_segment_size_detail;  // the detail line 17+ adds, or nullptr
};

extern const WalMessages kWalMessagesPg14;
extern const WalMessages kWalMessagesPg15;
extern const WalMessages kWalMessagesPg16;
extern const WalMessages kWalMessagesPg17;
extern const WalMessages kWalMessagesPg18;

// The texts of `format`'s major version.
const WalMessages& wal_messages(const WalFormat& format);
// The texts of a major version (14 to 18); PostgreSQL 15's for any other (as before versions
// were known: WAL whose version cannot be told, e.g. a first page with an unknown magic).
const WalMessages& wal_messages_for_version(int major_version);

// ---- formatting, one function per message ------------------------------------------------------
std::string invalid_record_offset_text(const WalMessages& m, XLogRecPtr lsn,
                                       std::uint32_t expected, std::uint32_t got);
std::string contrecord_requested_text(const WalMessages& m, XLogRecPtr lsn);
std::string invalid_record_length_text(const WalMessages& m, XLogRecPtr lsn,
                                       std::uint32_t expected, std::uint32_t got);
std::string invalid_rmgr_id_text(const WalMessages& m, unsigned rmid, XLogRecPtr lsn);
std::string incorrect_prev_link_text(const WalMessages& m, XLogRecPtr prev, XLogRecPtr lsn);
std::string record_checksum_text(const WalMessages& m, XLogRecPtr lsn);
std::string no_contrecord_flag_text(const WalMessages& m, XLogRecPtr lsn);
std::string invalid_contrecord_length_text(const WalMessages& m, std::uint32_t rem_len,
                                           long long expected, XLogRecPtr lsn);

// `segment`: the segment file name; `page_lsn`: the page's LSN; `offset`: its offset in the
// segment.
std::string invalid_magic_text(const WalMessages& m, std::uint16_t magic, std::string_view segment,
                               XLogRecPtr page_lsn, std::uint32_t offset);
std::string invalid_info_bits_text(const WalMessages& m, std::uint16_t info,
                                   std::string_view segment, XLogRecPtr page_lsn,
                                   std::uint32_t offset);
std::string wrong_system_identifier_text(const WalMessages& m, std::uint64_t wal_sysid,
                                         std::uint64_t control_sysid);
std::string wrong_segment_size_text(const WalMessages& m);
std::string wrong_xlog_blcksz_text(const WalMessages& m);
std::string unexpected_pageaddr_text(const WalMessages& m, XLogRecPtr pageaddr,
                                     std::string_view segment, XLogRecPtr page_lsn,
                                     std::uint32_t offset);
std::string out_of_sequence_timeline_text(const WalMessages& m, TimeLineID tli, TimeLineID after,
                                          std::string_view segment, XLogRecPtr page_lsn,
                                          std::uint32_t offset);

std::string record_invalid_length_text(const WalMessages& m, XLogRecPtr lsn);
std::string invalid_block_id_text(const WalMessages& m, unsigned block_id, XLogRecPtr lsn);
std::string out_of_order_block_id_text(const WalMessages& m, unsigned block_id, XLogRecPtr lsn);
std::string has_data_without_data_text(const WalMessages& m, XLogRecPtr lsn);
std::string data_without_has_data_text(const WalMessages& m, unsigned len, XLogRecPtr lsn);
std::string hole_set_bad_hole_text(const WalMessages& m, unsigned hole_offset,
                                   unsigned hole_length, unsigned len, XLogRecPtr lsn);
std::string hole_not_set_bad_hole_text(const WalMessages& m, unsigned hole_offset,
                                       unsigned hole_length, XLogRecPtr lsn);
std::string compressed_full_length_text(const WalMessages& m, unsigned len, XLogRecPtr lsn);
std::string uncompressed_short_length_text(const WalMessages& m, unsigned len, XLogRecPtr lsn);
std::string same_rel_without_rel_text(const WalMessages& m, XLogRecPtr lsn);

// pg_waldump's short read of a segment (WALDumpReadPage).
std::string read_from_file_short_text(const WalMessages& m, std::string_view file,
                                      std::uint64_t offset, std::uint64_t read,
                                      std::uint64_t requested);
// pg_waldump's invalid segment size in a long header (search_directory): the message, and
// when the version has one, "\ndetail: " and the detail (pg_log_error_detail's line, which a
// caller prints with the program name in front as it prints the message).
std::string invalid_segment_size_text(const WalMessages& m, std::string_view file,
                                      std::int32_t size);

}  // namespace understudy
