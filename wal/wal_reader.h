// Reading WAL records: PostgreSQL 15's XLogReader (src/backend/access/transam/xlogreader.c:
// XLogBeginRead, XLogReadRecord / XLogDecodeNextRecord, ReadPageInternal,
// XLogReaderValidatePageHeader, ValidXLogRecordHeader, ValidXLogRecord, XLogFindNextRecord),
// over a WalSource (wal/wal_source.h), with pg_waldump's page_read semantics for an end LSN.
//
// Each read gives a record, "the WAL ends here (for now)", or "corrupt at LSN X: reason". Error
// texts are PostgreSQL's, so `understudy waldump` fails with pg_waldump's words.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/crc32c.h"
#include "common/lsn.h"
#include "common/wal_format.h"
#include "common/wal_format_messages.h"
#include "wal/decoded_record.h"
#include "wal/wal_source.h"

namespace understudy {

enum class ReadStatus {
    Record,    // record() (or only summary(): see decode_blocks) holds the next record
    EndOfWal,  // clean end, zeroed / torn / recycled tail, missing segment, end LSN reached
    Corrupt,   // invalid data at error_lsn(): error_message() says what
};

// What a reader error is about, beside PostgreSQL's exact message (as RocksDB's log::Reader
// reports kBadRecordLen / kBadRecordChecksum): the tail policy and every caller decide by kind,
// never by the text.
enum class WalErrorKind {
    None,
    SourceError,              // the source could not read a segment (I/O)
    UnsupportedVersion,       // a known page magic of a major version we do not read
    MixedVersions,            // a page of another major version than the WAL read before it
    InvalidMagic,             // "invalid magic number"
    InvalidInfoBits,          // "invalid info bits"
    WrongSystem,              // system identifier, segment size or XLOG_BLCKSZ of another cluster
    UnexpectedPageAddr,       // "unexpected pageaddr"
    OutOfSequenceTimeline,    // "out-of-sequence timeline ID"
    InvalidRecordLength,      // "invalid record length"
    InvalidRmgrId,            // "invalid resource manager ID"
    IncorrectPrevLink,        // "record with incorrect prev-link"
    RecordChecksum,           // "incorrect resource manager data checksum"
    InvalidRecordOffset,      // "invalid record offset"
    ContrecordRequested,      // "contrecord is requested by"
    NoContrecordFlag,         // "there is no contrecord flag"
    InvalidContrecordLength,  // "invalid contrecord length"
    DecodeError,              // DecodeXLogRecord's errors (block references, lengths)
};

// How a failure at the tail of the WAL is read (RocksDB's WALRecoveryMode, PostgreSQL's
// startup process versus an archive check).
enum class WalRecoveryMode {
    // What PostgreSQL's startup process and pg_waldump take as the end of WAL is EndOfWal: a
    // zeroed tail, a recycled or never-written page, a torn last record followed by zeros.
    TolerateCorruptedTail,
    // Every failure is Corrupt (the message is the same): for WAL that must be complete.
    AbsoluteConsistency,
};

struct WalReaderOptions {
    // How failures at the tail are classified (see WalRecoveryMode).
    WalRecoveryMode recovery_mode = WalRecoveryMode::TolerateCorruptedTail;
    // Stop before any page data at or past this LSN (pg_waldump -e semantics); 0: no limit.
    XLogRecPtr end_lsn = InvalidXLogRecPtr;
    // Reject long page headers from another system (0: accept any, as pg_waldump does).
    std::uint64_t system_identifier = 0;
    // pg_waldump's WALRead: a page is read whole (or up to end_lsn) or not at all, so a file
    // that ends inside a page stops reading at that page's start. Off: records on the part of
    // a page that exists are read (a .partial segment being written).
    bool whole_pages = false;
    // Off: records are checked as always (header, CRC, and that they would decode) but only
    // summary() is filled; record() is not (pg_waldump --stats needs lengths, not blocks).
    bool decode_blocks = true;
    // A standby's follow mode: bytes at or past this LSN (the receiver's flushed position, read
    // on every page read) are not read at all, as XLogPageRead (PG15) reads a streamed page only
    // up to WalRcv's flushedUpto. A record reaching past it is "the WAL ends here for now", never
    // a torn record misread as corrupt. nullptr or InvalidXLogRecPtr: no limit.
    const std::atomic<XLogRecPtr>* readable_limit = nullptr;
};

class WalReader {
public:
    WalReader(WalSource& source, WalReaderOptions options = {});

    // XLogBeginRead: the next read_record() reads the record starting exactly at `lsn`.
    void begin_read(XLogRecPtr lsn);
    // XLogFindNextRecord: the first valid record at or after `lsn` (which may point into the
    // middle of a record or a page header); positions the reader there. InvalidXLogRecPtr
    // when none can be found (error_message() may say why).
    XLogRecPtr find_next_record(XLogRecPtr lsn);

    // XLogReadRecord. After EndOfWal / Corrupt, calling again retries from the same place
    // (re-reading the source's bytes), which is how following a growing WAL works.
    ReadStatus read_record();
    // read_record(), but on EndOfWal (not end_lsn) waits `poll` and retries until a record
    // arrives, a corruption is found, or `stop` becomes true.
    // read_record() for many records at once (pg_waldump --stats): fills `out` with the
    // summaries of the records read, checked as read_record() checks them, and returns how many
    // it read. Stops at the first status that is not Record (left in `status`, with the reader
    // as read_record() leaves it then); `status` is Record when `out` was filled.
    std::size_t read_summaries(std::span<RecordSummary> out, ReadStatus& status);
        ReadStatus read_record_following(std::chrono::milliseconds poll,
                                     const std::atomic<bool>* stop = nullptr);

    // The record read last (valid until the next read; not filled when decode_blocks is off).
    const DecodedRecord& record() const { return record_; }
    // Its header and lengths (always filled).
    const RecordSummary& summary() const { return summary_; }
    // ReadRecPtr / EndRecPtr: start of the last record returned and where the next starts.
    XLogRecPtr read_rec_ptr() const { return read_rec_ptr_; }
    XLogRecPtr end_rec_ptr() const { return end_rec_ptr_; }

    // After EndOfWal / Corrupt: PostgreSQL's message (may be empty for a plain end of range or a
    // missing segment: see end_reason()), and the LSN where reading failed.
    const std::string& error_message() const { return errormsg_; }
    // What that message is about, for callers that decide by it (never by the text).
    WalErrorKind error_kind() const { return error_kind_; }
    XLogRecPtr error_lsn() const { return error_lsn_; }
    // Why the WAL ended when there is no PostgreSQL message (end LSN reached, missing segment
    // or segment data), for callers that report it.
    const std::string& end_reason() const { return end_reason_; }
    bool end_lsn_reached() const { return end_lsn_reached_; }
    // The record whose continuation was overwritten (XLP_FIRST_IS_OVERWRITE_CONTRECORD), if any.
    XLogRecPtr overwritten_rec_ptr() const { return overwritten_rec_ptr_; }
    // latestPageTLI: the timeline of the last page header validated (0 before any).
    TimeLineID latest_page_tli() const { return latest_page_tli_; }

    // Non-empty once a page of a major version we do not read (a known page magic without a
    // WalFormat), or of another version than the pages read before it (a directory or stream
    // mixing versions), was read: the error naming the segment, magic and versions, and what to
    // do. That is never "not yet": followers stop on it.
    const std::string& unsupported_version() const { return unsupported_version_; }

    std::uint32_t segment_size() const { return seg_size_; }
    const WalFormat* format() const { return format_; }

private:
    enum class Fail { None, End, Corrupt };

    ReadStatus decode_next_record();
    // decode_next_record()'s common case, when the record lies inside the page read last;
    // false (nothing changed) for everything else, errors included.
    // Inline in read_record() and read_summaries() (it runs once per record).
    [[gnu::always_inline]] inline bool read_record_in_page(XLogRecPtr rec_ptr, ReadStatus& status);
    // ReadPageInternal: makes page `pageptr` current with at least `req_len` valid bytes;
    // returns the valid length or -1.
    int read_page(XLogRecPtr pageptr, std::uint32_t req_len);
    // pg_waldump's WALDumpReadPage + WALRead: `count` bytes of page `pageptr` or -1.
    int page_read(XLogRecPtr pageptr, std::uint32_t req_len);
    bool validate_page_header(XLogRecPtr recptr, const std::uint8_t* page, std::size_t len);
    bool valid_record_header(XLogRecPtr rec_ptr, XLogRecPtr prev_rec_ptr,
                             const std::uint8_t* hdr, bool rand_access);
    bool valid_record_crc(const std::uint8_t* rec, std::uint32_t tot_len, XLogRecPtr rec_ptr);
    // The same check when the CRC of the bytes after the header is known already.
    bool valid_record_crc_of_body(const std::uint8_t* hdr, pg_crc32c body_crc, XLogRecPtr rec_ptr);
    // The bytes of a record that crosses pages copied when its blocks are not decoded: more
    // than the headers of any sane record (33 block references with images and relations).
    static constexpr std::uint32_t kHeadBytes = 1024;
    // Decodes (or with decode_blocks off, scans) the record `rec` just read at `rec_ptr`.
    // `scanned_fpi_len`: the record was scanned already (only its head may be at `rec`).
    ReadStatus finish_record(const std::uint8_t* rec, std::uint32_t total_len, XLogRecPtr rec_ptr,
                             XLogRecPtr next,
                             std::optional<std::uint32_t> scanned_fpi_len = std::nullopt);
    // summary_ and the read positions for the record `rec` just read and checked.
    inline void fill_summary(const std::uint8_t* rec, std::uint32_t total_len, XLogRecPtr rec_ptr,
                             XLogRecPtr next, std::uint32_t fpi_len);
    void grow_rec_buf(std::size_t need);
    void inval_read_state();
    void report(Fail fail, WalErrorKind kind, std::string msg);
    // Reclassifies a failure at the tail of the WAL (zeros / torn record) as the end of WAL.
    Fail classify_tail(XLogRecPtr rec_ptr, std::uint32_t tot_len) const;
    std::string segment_name(XLogSegNo segno) const;
    // The error texts of the WAL's major version: format()'s, else that of the magic of the
    // segment loaded (before its first page is validated), else PostgreSQL 15's.
    const WalMessages& messages() const;

    WalSource& source_;
    WalReaderOptions options_;
    std::uint32_t seg_size_;
    Crc32cUpdateFn crc_update_;  // crc32c_update's implementation, called directly
    // crc_update_ is the SSE4.2 one: records in a page take record_crc_sse42.
    bool crc_sse42_ = false;
    const WalFormat* format_ = nullptr;

    // XLogReaderState positions
    XLogRecPtr read_rec_ptr_ = InvalidXLogRecPtr;
    XLogRecPtr end_rec_ptr_ = InvalidXLogRecPtr;
    XLogRecPtr next_rec_ptr_ = InvalidXLogRecPtr;
    XLogRecPtr decode_rec_ptr_ = InvalidXLogRecPtr;
    XLogRecPtr overwritten_rec_ptr_ = InvalidXLogRecPtr;
    XLogRecPtr latest_page_ptr_ = InvalidXLogRecPtr;
    TimeLineID latest_page_tli_ = 0;

    // Current page (ReadPageInternal's cache) and the segment it lives in.
    XLogSegNo page_segno_ = 0;
    std::uint32_t page_off_ = 0;
    int read_len_ = 0;  // valid bytes of page_ (0: no page cached)
    const std::uint8_t* page_ = nullptr;
    XLogRecPtr page_ptr_ = InvalidXLogRecPtr;  // LSN of page_ while read_len_ > 0
    std::optional<XLogSegNo> seg_segno_;
    SegmentData seg_;
    XLogRecPtr loaded_limit_ = InvalidXLogRecPtr;  // readable_limit when the source last read
    bool reread_ = false;  // after a failure, re-read the source's bytes before trusting them

    // Reassembly of records that cross pages (size() is its capacity, not a record's length).
    std::vector<std::uint8_t> rec_buf_;
    DecodedRecord record_;
    RecordSummary summary_;

    Fail fail_ = Fail::None;
    std::string errormsg_;
    std::string end_reason_;
    XLogRecPtr error_lsn_ = InvalidXLogRecPtr;
    bool end_lsn_reached_ = false;
    std::string unsupported_version_;
    WalErrorKind error_kind_ = WalErrorKind::None;
    // False only while fail_, errormsg_, error_kind_, end_reason_ and end_lsn_reached_ are known
    // to be clear (read_record() then need not clear them for every record).
    bool error_state_ = true;
    std::uint16_t bad_magic_ = 0;  // the page magic of the last InvalidMagic error
};

}  // namespace understudy
