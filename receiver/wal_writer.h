// Segment files in the --wal-dir, written the way pg_receivewal writes them (PG15
// src/bin/pg_basebackup/receivelog.c, walmethods.c): `<name>.partial` preallocated to the
// segment size, data written at its offset, fdatasync on flush, renamed to `<name>` with file and
// directory fsynced when complete. Timeline history files as `<TLI>.history`. A small ident file
// records the system identifier so that another system's WAL is never mixed in.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/fs.h"
#include "common/lsn.h"
#include "common/result.h"

namespace understudy::receiver {

inline constexpr const char* kIdentFileName = "understudy.ident";
// Written at each clean stop: the exact flushed position (a .partial's trailing zero bytes cannot
// tell it). After a crash the scan of the .partial decides.
inline constexpr const char* kStopStateFileName = "understudy.stopped";
// Written when an fsync/fdatasync failed: the last position known durable and the highest one
// written. After a failed fsync Linux may mark the unwritten pages clean (they then never reach
// the disk) while reads still return them from the page cache, so the scan of a .partial cannot
// be trusted past the durable position: the next start resumes there and receives the rest
// again, and the file goes once everything up to the written position is flushed anew.
// PostgreSQL's lesson (its 2018 "fsyncgate"): never retry a failed fsync and trust it.
inline constexpr const char* kSyncFailedFileName = "understudy.fsync-failed";

// Where streaming continues from, found from the files in the directory.
struct ResumePoint {
    TimeLineID tli = 0;
    XLogRecPtr lsn = 0;
};

// One segment file found in the directory: its name and how many bytes of it hold WAL.
struct SegmentFileInfo {
    SegmentName name;
    std::uint64_t valid_bytes = 0;  // seg_size for a complete segment
};

// Picks the newest segment (highest segment number, then highest timeline, complete before
// partial) and returns the position right after its valid bytes (receivelog's
// FindStreamingStart in pg_receivewal.c, PG15, but resuming inside a .partial instead of
// refetching it). nullopt for an empty list.
// A clean-stop position (kStopStateFileName) lifts the resume point when it lies in the same
// file, past the scanned valid bytes.
std::optional<ResumePoint> choose_resume_point(const std::vector<SegmentFileInfo>& files, std::uint32_t seg_size,
                                               std::optional<ResumePoint> clean_stop = std::nullopt);

// The number of leading bytes of a .partial segment that hold WAL: up to the last non-zero byte,
// cut back to the first page whose header does not carry the expected xlp_magic/xlp_pageaddr
// (a hole). Trailing zero bytes are not counted: they are fetched again (and are identical).
std::uint64_t partial_valid_length(std::span<const std::uint8_t> data, XLogRecPtr seg_start);

// System identifier and segment size from a segment's first page (XLogLongPageHeaderData:
// xlp_sysid, xlp_seg_size), if the page holds a long header.
struct SegmentIdentity {
    std::uint64_t xlp_sysid = 0;
    std::uint32_t xlp_seg_size = 0;
};
std::optional<SegmentIdentity> read_long_page_header(std::span<const std::uint8_t> first_page);

// Contents of understudy.ident.
struct DirIdent {
    std::uint64_t system_identifier = 0;
    std::uint32_t wal_segment_size = 0;
};
std::string ident_to_json(const DirIdent& ident);
Result<DirIdent> ident_from_json(const std::string& text, const std::string& path);

class WalWriter {
public:
    // The preallocated next segment (ignored by every reader: not a segment name, like
    // PostgreSQL's xlogtemp.PID).
    static constexpr const char* kPreallocName = "xlogtemp.understudy";

    explicit WalWriter(std::string dir);
    WalWriter(const WalWriter&) = delete;
    WalWriter& operator=(const WalWriter&) = delete;
    ~WalWriter();

    const std::string& dir() const { return dir_; }

    // Creates the directory if needed and checks that files can be created in it.
    Result<void> prepare_dir();

    // Checks the directory belongs to this system (ident file, else the newest segment's long
    // page header) and records the ident if absent. Never modifies anything on a mismatch.
    Result<void> check_identity(std::uint64_t system_identifier, std::uint32_t seg_size);

    // Scans the directory for the resume position (needs the segment size); never past the
    // durable position kSyncFailedFileName records.
    Result<std::optional<ResumePoint>> find_resume_point();

    // Checks WAL bytes received for [start, start + data.size()) before they are written: they
    // must continue the stream exactly at write_pos() (no gap, no overlap), every non-zero
    // page header that lies whole inside them must carry its own address (xlp_pageaddr), and a
    // segment's first page the system identifier and segment size of check_identity(). An
    // error names the LSN and what was found, and must_stop() is true from then on; *accepted
    // (if given) is then the number of leading bytes before the refused page, which the caller
    // may still write (they are the primary's WAL).
    Result<void> check_incoming(XLogRecPtr start, std::span<const std::uint8_t> data,
                                std::size_t* accepted = nullptr);

    // Sets where the next write goes (after find_resume_point or from the primary).
    void set_position(TimeLineID tli, XLogRecPtr lsn);

    // Writes WAL bytes of timeline tli at LSN start (which may span segments). Completes (renames)
    // segments whose last byte is written.
    Result<void> write(TimeLineID tli, XLogRecPtr start, std::span<const std::uint8_t> data);
    // fdatasync of the open segment; flush position becomes the write position.
    Result<void> flush();
    // flush() in two halves, for a caller that lets another thread read the positions during
    // the fdatasync: sync_data() moves no position (only the fdatasync of the open segment, if
    // written to), note_synced() then moves the flush position.
    Result<void> sync_data();
    void note_synced();
    // Flushes and closes the open segment; it stays .partial unless complete.
    Result<void> close_segment();
    // close_segment() and record the exact flushed position for the next start.
    Result<void> close_cleanly();

    bool has_history(TimeLineID tli) const;
    Result<void> write_history(TimeLineID tli, const std::string& content);

    TimeLineID timeline() const { return tli_; }
    XLogRecPtr write_pos() const { return write_pos_; }
    XLogRecPtr flush_pos() const { return flush_pos_; }
    std::uint32_t segment_size() const { return seg_size_; }

    // True after a failure that reconnecting cannot fix: a local write, create or fsync error
    // (disk full, I/O error, read-only file system) or WAL that check_incoming() refused. The
    // receiver then stops (exit status 1) instead of reconnecting.
    bool must_stop() const { return must_stop_; }
    // True after a failed fsync/fdatasync: every later write, flush and close fails with the
    // first failure's message, and no flush position past the failure is ever reported.
    bool sync_failed() const { return sync_failure_.has_value(); }

private:
    Result<void> open_segment(TimeLineID tli, XLogSegNo segno);
    Result<void> complete_segment();
    // The next segment's zeros, written ahead on a thread into kPreallocName, so that a segment
    // switch is a rename instead of writing and syncing 16 MB on the commit path (measured:
    // 44-97 ms write-lag spikes at segment boundaries under pgbench). PostgreSQL's standby
    // recycles old segments at restartpoints for the same reason.
    void start_prealloc();
    // Joins the thread; true when kPreallocName holds a whole zeroed segment.
    bool take_prealloc();
    std::string path_of(const std::string& name) const { return dir_ + "/" + name; }
    // Records a failed fsync/fdatasync of `path` (see kSyncFailedFileName) and returns the error.
    Error sync_failure(const std::string& what, const std::string& path, int err);
    // A local I/O error: remembered for must_stop().
    Error io_failure(std::string message);
    Result<void> refuse_after_sync_failure() const;
    // Removes kSyncFailedFileName once everything it said was written is flushed again.
    void note_flushed_past_failure();

    std::string dir_;
    std::uint32_t seg_size_ = 0;
    TimeLineID tli_ = 0;
    XLogRecPtr write_pos_ = 0;
    XLogRecPtr flush_pos_ = 0;

    std::thread prealloc_;
    Result<void> prealloc_result_{};  // written by prealloc_, read after joining it

    fs::UniqueFd fd_;
    TimeLineID open_tli_ = 0;
    XLogSegNo open_segno_ = 0;
    bool dirty_ = false;

    std::uint64_t system_identifier_ = 0;  // from check_identity(); 0: not known
    bool must_stop_ = false;
    std::optional<std::string> sync_failure_;
    // From kSyncFailedFileName at find_resume_point(): flushing up to here removes the file.
    std::optional<XLogRecPtr> resync_until_;
};

}  // namespace understudy::receiver
