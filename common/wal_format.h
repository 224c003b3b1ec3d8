// PostgreSQL's on-disk WAL format: page headers (src/include/access/xlog_internal.h) and record
// layout (src/include/access/xlogrecord.h), PostgreSQL 15.
//
// Layouts are described by field offsets and sizes (as offsetof() gives them in the C headers),
// never by casting WAL bytes to structs: WAL is read with load<T>() from common/bytes.h.
//
// Version seam: everything that differs between major versions lives in a `WalFormat` table
// selected by the page magic (xlp_magic) of the first page read, and carried by the reader into
// every decoded record (DecodedRecord::format). A new major version is a new table below, not a
// fork of the reader or decoder; record layouts that differ per version are tables keyed by
// `major_version` next to each rmgr's files in wal/records/ and wal/describe/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/lsn.h"

namespace understudy {

// ---- sizes that do not change between versions -------------------------------------------------

inline constexpr std::uint32_t XLOG_BLCKSZ = 8192;  // WAL page size (configure default)
inline constexpr std::uint32_t BLCKSZ = 8192;       // relation page size (configure default)
inline constexpr std::size_t MAXIMUM_ALIGNOF = 8;

inline constexpr std::uint64_t maxalign(std::uint64_t len) {
    return (len + (MAXIMUM_ALIGNOF - 1)) & ~std::uint64_t{MAXIMUM_ALIGNOF - 1};
}

// ---- page headers: XLogPageHeaderData / XLogLongPageHeaderData -------------------------------
// struct XLogPageHeaderData { uint16 xlp_magic; uint16 xlp_info; TimeLineID xlp_tli;
//                             XLogRecPtr xlp_pageaddr; uint32 xlp_rem_len; }  (20 bytes + pad)
// struct XLogLongPageHeaderData { XLogPageHeaderData std; uint64 xlp_sysid;
//                                 uint32 xlp_seg_size; uint32 xlp_xlog_blcksz; }
namespace page_layout {
inline constexpr std::size_t xlp_magic = 0;
inline constexpr std::size_t xlp_info = 2;
inline constexpr std::size_t xlp_tli = 4;
inline constexpr std::size_t xlp_pageaddr = 8;
inline constexpr std::size_t xlp_rem_len = 16;
inline constexpr std::size_t xlp_sysid = 24;
inline constexpr std::size_t xlp_seg_size = 32;
inline constexpr std::size_t xlp_xlog_blcksz = 36;
}  // namespace page_layout

inline constexpr std::uint32_t SizeOfXLogShortPHD = 24;  // MAXALIGN(20)
inline constexpr std::uint32_t SizeOfXLogLongPHD = 40;   // MAXALIGN(40)

inline constexpr std::uint16_t XLP_FIRST_IS_CONTRECORD = 0x0001;
inline constexpr std::uint16_t XLP_LONG_HEADER = 0x0002;
inline constexpr std::uint16_t XLP_BKP_REMOVABLE = 0x0004;
inline constexpr std::uint16_t XLP_FIRST_IS_OVERWRITE_CONTRECORD = 0x0008;
inline constexpr std::uint16_t XLP_ALL_FLAGS = 0x000F;

// A page header copied out of WAL bytes (needs SizeOfXLogShortPHD bytes; the long fields are
// filled only when XLP_LONG_HEADER is set and `len` covers them).
struct XLogPageHeader {
    std::uint16_t xlp_magic = 0;
    std::uint16_t xlp_info = 0;
    TimeLineID xlp_tli = 0;
    XLogRecPtr xlp_pageaddr = 0;
    std::uint32_t xlp_rem_len = 0;
    // XLogLongPageHeaderData
    std::uint64_t xlp_sysid = 0;
    std::uint32_t xlp_seg_size = 0;
    std::uint32_t xlp_xlog_blcksz = 0;

    bool is_long() const { return (xlp_info & XLP_LONG_HEADER) != 0; }
    // XLogPageHeaderSize()
    std::uint32_t size() const { return is_long() ? SizeOfXLogLongPHD : SizeOfXLogShortPHD; }
};

// Reads a page header from `page` (at least SizeOfXLogShortPHD readable bytes; `len` of them).
inline XLogPageHeader load_page_header(const std::uint8_t* page, std::size_t len) {
    XLogPageHeader h;
    h.xlp_magic = load<std::uint16_t>(page + page_layout::xlp_magic);
    h.xlp_info = load<std::uint16_t>(page + page_layout::xlp_info);
    h.xlp_tli = load<std::uint32_t>(page + page_layout::xlp_tli);
    h.xlp_pageaddr = load<std::uint64_t>(page + page_layout::xlp_pageaddr);
    h.xlp_rem_len = load<std::uint32_t>(page + page_layout::xlp_rem_len);
    if (h.is_long() && len >= SizeOfXLogLongPHD) {
        h.xlp_sysid = load<std::uint64_t>(page + page_layout::xlp_sysid);
        h.xlp_seg_size = load<std::uint32_t>(page + page_layout::xlp_seg_size);
        h.xlp_xlog_blcksz = load<std::uint32_t>(page + page_layout::xlp_xlog_blcksz);
    }
    return h;
}

// ---- records: XLogRecord ------------------------------------------------------------------------
// struct XLogRecord { uint32 xl_tot_len; TransactionId xl_xid; XLogRecPtr xl_prev; uint8 xl_info;
//                     RmgrId xl_rmid; /* 2 bytes padding */ pg_crc32c xl_crc; }
namespace record_layout {
inline constexpr std::size_t xl_tot_len = 0;
inline constexpr std::size_t xl_xid = 4;
inline constexpr std::size_t xl_prev = 8;
inline constexpr std::size_t xl_info = 16;
inline constexpr std::size_t xl_rmid = 17;
inline constexpr std::size_t xl_crc = 20;
}  // namespace record_layout
inline constexpr std::uint32_t SizeOfXLogRecord = record_layout::xl_crc + 4;  // 24

inline constexpr std::uint8_t XLR_INFO_MASK = 0x0F;
inline constexpr std::uint8_t XLR_RMGR_INFO_MASK = 0xF0;
inline constexpr std::uint8_t XLR_SPECIAL_REL_UPDATE = 0x01;
inline constexpr std::uint8_t XLR_CHECK_CONSISTENCY = 0x02;

// XLogRecordBlockHeader { uint8 id; uint8 fork_flags; uint16 data_length; }
inline constexpr std::uint32_t SizeOfXLogRecordBlockHeader = 4;
// XLogRecordBlockImageHeader { uint16 length; uint16 hole_offset; uint8 bimg_info; }
inline constexpr std::uint32_t SizeOfXLogRecordBlockImageHeader = 5;
// XLogRecordBlockCompressHeader { uint16 hole_length; }
inline constexpr std::uint32_t SizeOfXLogRecordBlockCompressHeader = 2;
inline constexpr std::uint32_t SizeOfRelFileNode = 12;  // {spcNode, dbNode, relNode}
inline constexpr std::uint32_t SizeOfXLogRecordDataHeaderShort = 2;
inline constexpr std::uint32_t SizeOfXLogRecordDataHeaderLong = 5;

inline constexpr std::uint8_t BKPBLOCK_FORK_MASK = 0x0F;
inline constexpr std::uint8_t BKPBLOCK_FLAG_MASK = 0xF0;
inline constexpr std::uint8_t BKPBLOCK_HAS_IMAGE = 0x10;
inline constexpr std::uint8_t BKPBLOCK_HAS_DATA = 0x20;
inline constexpr std::uint8_t BKPBLOCK_WILL_INIT = 0x40;
inline constexpr std::uint8_t BKPBLOCK_SAME_REL = 0x80;

inline constexpr std::uint8_t XLR_BLOCK_ID_DATA_SHORT = 255;
inline constexpr std::uint8_t XLR_BLOCK_ID_DATA_LONG = 254;
inline constexpr std::uint8_t XLR_BLOCK_ID_ORIGIN = 253;
inline constexpr std::uint8_t XLR_BLOCK_ID_TOPLEVEL_XID = 252;

// XLOG rmgr record types the reader itself must recognise (pg_control.h).
inline constexpr std::uint8_t RM_XLOG_ID_VALUE = 0;
inline constexpr std::uint8_t XLOG_SWITCH = 0x40;

// ---- per-version differences ------------------------------------------------------------------

enum class ImageCompression : std::uint8_t { None, Pglz, Lz4, Zstd, Unknown };
const char* image_compression_name(ImageCompression c);  // "pglz", "lz4", "zstd", "unknown"

// Everything the reader and decoder need that a major version may change.
struct WalFormat {
    std::uint16_t page_magic;  // XLOG_PAGE_MAGIC
    int major_version;         // 15
    // bimg_info bits (xlogrecord.h)
    std::uint8_t bkpimage_has_hole;
    std::uint8_t bkpimage_apply;
    std::uint8_t bkpimage_compress_pglz;
    std::uint8_t bkpimage_compress_lz4;
    std::uint8_t bkpimage_compress_zstd;
    // Highest built-in rmgr id (RM_MAX_BUILTIN_ID) and first custom id (RM_MIN_CUSTOM_ID).
    std::uint8_t rm_max_builtin_id;
    std::uint16_t rm_min_custom_id;  // 256: the version has no custom rmgrs

    bool image_compressed(std::uint8_t bimg_info) const {
        return (bimg_info &
                (bkpimage_compress_pglz | bkpimage_compress_lz4 | bkpimage_compress_zstd)) != 0;
    }
    // Same order of tests as XLogRecGetBlockRefInfo (pglz first).
    ImageCompression image_compression(std::uint8_t bimg_info) const {
        if (!image_compressed(bimg_info)) return ImageCompression::None;
        if (bimg_info & bkpimage_compress_pglz) return ImageCompression::Pglz;
        if (bimg_info & bkpimage_compress_lz4) return ImageCompression::Lz4;
        if (bimg_info & bkpimage_compress_zstd) return ImageCompression::Zstd;
        return ImageCompression::Unknown;
    }
    // RmgrIdIsValid(): built-in or custom.
    bool rmgr_id_valid(std::uint8_t rmid) const {
        return rmid <= rm_max_builtin_id || rmid >= rm_min_custom_id;
    }
};

// One table per major version understudy reads (xlog_internal.h's XLOG_PAGE_MAGIC,
// xlogrecord.h's BKPIMAGE_* bits and rmgr.h's id ranges of each release, checked against the
// WAL of a real server of each version by tests/integration/versions_test.cpp).
// PostgreSQL 14: one "compressed" bit (pglz, the only method) and no custom rmgrs (ids above
// RM_MAX_ID = 21 are invalid).
inline constexpr WalFormat kWalFormatPg14 = {
    /*page_magic*/ 0xD10D,
    /*major_version*/ 14,
    /*bkpimage_has_hole*/ 0x01,
    /*bkpimage_apply*/ 0x04,
    /*bkpimage_compress_pglz*/ 0x02,  // BKPIMAGE_IS_COMPRESSED
    /*bkpimage_compress_lz4*/ 0,
    /*bkpimage_compress_zstd*/ 0,
    /*rm_max_builtin_id*/ 21,
    /*rm_min_custom_id*/ 256,
};
// PostgreSQL 15 to 18: a bit per compression method, custom rmgrs from 128.
inline constexpr WalFormat kWalFormatPg15 = {
    /*page_magic*/ 0xD110,
    /*major_version*/ 15,
    /*bkpimage_has_hole*/ 0x01,
    /*bkpimage_apply*/ 0x02,
    /*bkpimage_compress_pglz*/ 0x04,
    /*bkpimage_compress_lz4*/ 0x08,
    /*bkpimage_compress_zstd*/ 0x10,
    /*rm_max_builtin_id*/ 21,
    /*rm_min_custom_id*/ 128,
};
inline constexpr WalFormat kWalFormatPg16 = {0xD113, 16, 0x01, 0x02, 0x04, 0x08, 0x10, 21, 128};
inline constexpr WalFormat kWalFormatPg17 = {0xD116, 17, 0x01, 0x02, 0x04, 0x08, 0x10, 21, 128};
inline constexpr WalFormat kWalFormatPg18 = {0xD118, 18, 0x01, 0x02, 0x04, 0x08, 0x10, 21, 128};

inline constexpr const WalFormat* kWalFormats[] = {&kWalFormatPg14, &kWalFormatPg15, &kWalFormatPg16,
                                                   &kWalFormatPg17, &kWalFormatPg18};

// "14, 15, 16, 17 and 18": the versions of kWalFormats, for messages.
std::string supported_wal_versions_text();

// The format whose page magic is `magic`, or nullptr for a version we do not read.
const WalFormat* wal_format_for_magic(std::uint16_t magic);

// ---- other major versions ----------------------------------------------------------------------
// XLOG_PAGE_MAGIC of each major version understudy can name (xlog_internal.h of each release; each
// checked against a real server's WAL by tests/integration/versions_test.cpp: 14 0xD10D,
// 15 0xD110, 16 0xD113, 17 0xD116, 18 0xD118).
struct KnownWalMagic {
    std::uint16_t page_magic;
    int major_version;
};
inline constexpr KnownWalMagic kKnownWalMagics[] = {
    {0xD10D, 14}, {0xD110, 15}, {0xD113, 16}, {0xD116, 17}, {0xD118, 18},
};

// The major version whose WAL pages carry `magic`, or 0 when it is none of kKnownWalMagics.
int wal_major_version_for_magic(std::uint16_t magic);

// The error for WAL of a major version understudy does not read: names `where` (e.g. `log
// segment 000000010000000000000002, offset 0,` or a file name), the magic, its version and what
// to do instead.
std::string unsupported_wal_version_message(std::string_view where, std::uint16_t magic,
                                            int major_version);

// The error for a page of another major version than the WAL read before it (a directory or
// stream mixing clusters): names `where`, both versions and magics, and what to do.
std::string mixed_wal_versions_message(std::string_view where, const WalFormat& page,
                                       const WalFormat& before);

// The error for a primary of a major version understudy does not replay (`command`:
// "understudy standby"); `server_version` as the server reports it ("16.14"); `replayable`
// lists the versions that are replayed ("14, 15, 16, 17 and 18").
std::string unsupported_primary_version_message(std::string_view command,
                                                std::string_view server_version,
                                                int major_version, std::string_view replayable);

}  // namespace understudy
