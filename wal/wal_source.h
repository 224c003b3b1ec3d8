// Where WAL bytes come from. The reader (wal/wal_reader.h) asks a WalSource for a segment's
// bytes and never learns whether they came from a directory of segment files, one file, or
// memory. Mirrors the role of pg_waldump's segment_open / page_read callbacks (PG15
// src/bin/pg_waldump/pg_waldump.c), but hands out a whole segment at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/fs.h"
#include "common/lsn.h"
#include "common/wal_format.h"
#include "common/result.h"
#include "wal/timeline_history.h"

namespace understudy {

// The bytes of one segment available now, from its offset 0. Valid until the next call.
struct SegmentData {
    std::span<const std::uint8_t> bytes;
    TimeLineID tli = 0;
    std::string name;  // file name (or a description), for messages
};

class WalSource {
public:
    virtual ~WalSource() = default;
    // The bytes of segment `segno`, or nullopt when it does not exist (yet). The caller wants
    // at least the bytes before `want_end` (a source may return more, or fewer when they do not
    // exist yet). Bytes from offset `reread_from` on that an earlier call returned must be read
    // again (the file may have grown or been written since): pass the segment size to reuse
    // everything cached. Bytes returned earlier and not re-read stay where they were.
    virtual Result<std::optional<SegmentData>> segment(XLogSegNo segno, std::uint32_t want_end,
                                                       std::uint32_t reread_from) = 0;
    virtual std::uint32_t segment_size() const = 0;
    // The timeline a segment would be read from, to name a missing one in messages.
    virtual TimeLineID timeline_for(XLogSegNo /*segno*/) const { return 1; }
};

// Segment files in a directory: "<name>" or else "<name>.partial". Without a history, segments
// are read on `tli` only (pg_waldump -t). With one (load_history), each segment is read on the
// newest timeline of the history that began at or before it and has a file for it, never on an
// older timeline than the segment before it (XLogFileReadAnyTLI, PG15 xlogrecovery.c); of a
// timeline's last segment only the bytes before its switch point are used (the rest is that
// timeline's own future, not part of this history). A segment read on an older timeline
// because the newer one's file was missing is looked for again on the next re-read (a standby
// whose receiver starts the new timeline's file later).
class DirectorySource final : public WalSource {
public:
    DirectorySource(std::string dir, TimeLineID tli, std::uint32_t seg_size);
    ~DirectorySource() override;
    DirectorySource(const DirectorySource&) = delete;
    DirectorySource& operator=(const DirectorySource&) = delete;
    // Follow the timeline history of `tli` (reads <tli>.history from the directory if present).
    Result<void> load_history();
    // rescanLatestTimeLine (PG15 xlogrecovery.c): when the directory holds the history file of a
    // newer timeline (findNewestTimeLine) that descends from the current target and left it at
    // or after `replay_lsn`, make it the target and return true (the segments from there on are
    // read on it). A newer timeline that forked before `replay_lsn` is logged once and ignored.
    Result<bool> rescan_latest_timeline(XLogRecPtr replay_lsn);

    Result<std::optional<SegmentData>> segment(XLogSegNo segno, std::uint32_t want_end,
                                               std::uint32_t reread_from) override;
    std::uint32_t segment_size() const override { return seg_size_; }
    TimeLineID timeline_for(XLogSegNo segno) const override;
    const std::string& dir() const { return dir_; }
    // The target timeline (recoveryTargetTLI) and its history (expectedTLEs), newest first.
    TimeLineID target_timeline() const { return tli_; }
    const TimelineHistory& history() const { return history_; }

private:
    // A timeline a segment may be read on, and how many of its bytes belong to the history.
    struct Candidate {
        TimeLineID tli = 0;
        std::uint32_t usable = 0;  // segment size, or the switch point's offset in its last segment
    };
    // XLogFileReadAnyTLI's candidates for `segno`, preferred first.
    std::vector<Candidate> candidates(XLogSegNo segno) const;
    Result<bool> open_segment(XLogSegNo segno);
    // Whether a timeline preferred to the open file's now has a file for the open segment.
    bool newer_file_exists() const;
    // Reads from `from` up to `to` (rounded up to kChunk), or less at the end of the file.
    Result<void> read_range(std::uint32_t from, std::uint32_t to);

    std::string dir_;
    TimeLineID tli_;
    std::uint32_t seg_size_;
    TimelineHistory history_;
    TimeLineID rejected_tli_ = 0;  // a newer timeline rescan_latest_timeline() refused (logged once)
    // curFileTLI: the timeline of the segment read before, while reading forward (0 after a jump).
    TimeLineID cur_file_tli_ = 0;
    std::optional<XLogSegNo> last_segno_;  // the segment opened (or looked for) last
    bool reopen_ = false;  // the history changed: choose the open segment's timeline again

    void unmap();

    // A complete segment file is mapped (no copy; pages are mapped as they are touched). A
    // shorter one (.partial, being written) is read lazily in large chunks into one buffer
    // (allocated once, not zeroed).
    static constexpr std::uint32_t kChunk = 1u << 20;
    fs::UniqueFd fd_;
    const std::uint8_t* map_ = nullptr;
    std::optional<XLogSegNo> segno_;
    TimeLineID seg_tli_ = 0;
    std::uint32_t seg_usable_ = 0;  // bytes of the open segment that belong to the history
    bool newer_missing_ = false;    // a preferred timeline had no file for the open segment
    std::string seg_name_;
    std::unique_ptr<std::uint8_t[]> buf_;
    std::uint32_t len_ = 0;  // bytes of buf_ filled
};

// A buffer holding WAL from `start` (a segment boundary) on, possibly several segments.
class MemorySource final : public WalSource {
public:
    MemorySource(std::span<const std::uint8_t> bytes, XLogRecPtr start, std::uint32_t seg_size,
                 TimeLineID tli = 1);
    Result<std::optional<SegmentData>> segment(XLogSegNo segno, std::uint32_t want_end,
                                               std::uint32_t reread_from) override;
    std::uint32_t segment_size() const override { return seg_size_; }
    TimeLineID timeline_for(XLogSegNo /*segno*/) const override { return tli_; }

private:
    std::span<const std::uint8_t> bytes_;
    XLogRecPtr start_;
    std::uint32_t seg_size_;
    TimeLineID tli_;
};

// One segment file, anywhere, by path (its segment number from its name or first page header).
class FileSource final : public WalSource {
public:
    static Result<FileSource> open(const std::string& path);
    Result<std::optional<SegmentData>> segment(XLogSegNo segno, std::uint32_t want_end,
                                               std::uint32_t reread_from) override;
    std::uint32_t segment_size() const override { return seg_size_; }
    XLogSegNo segno() const { return segno_; }
    TimeLineID tli() const { return tli_; }

private:
    std::string path_;
    std::vector<std::uint8_t> bytes_;
    XLogSegNo segno_ = 0;
    TimeLineID tli_ = 1;
    std::uint32_t seg_size_ = 0;
};

// pg_waldump's search_directory(): the segment size from the long header of `fname` in `dir`,
// or of the first file there with a WAL segment name when `fname` is empty. nullopt when no
// such file is there; an error when it cannot be read or names an invalid size (worded as the
// pg_waldump of the file's version words it). `page_format`, when given, is set to the format of
// the file's first page magic once that page was read (nullptr for a magic we do not read), so
// a caller can print the error at that version's level.
Result<std::optional<std::uint32_t>> detect_segment_size(const std::string& dir,
                                                         const std::string& fname,
                                                         const WalFormat** page_format = nullptr);

}  // namespace understudy
