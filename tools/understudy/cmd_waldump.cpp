// `understudy waldump`: pg_waldump 15 (src/bin/pg_waldump/pg_waldump.c) on our reader, with the
// same options, output and error texts, plus --json.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <limits>
#include <memory>

#include "common/fs.h"
#include "common/lsn.h"
#include "wal/page_image.h"
#include "wal/rmgr_desc.h"
#include "wal/wal_chunks.h"
#include "wal/wal_reader.h"
#include "wal/wal_source.h"
#include "tools/understudy/command.h"
#include "tools/understudy/waldump_display.h"

namespace understudy::cli {

namespace {

// Set by SIGINT (like pg_waldump's time_to_stop): the one process-wide flag a handler may write.
volatile std::sig_atomic_t g_time_to_stop = 0;
extern "C" void waldump_sigint(int) { g_time_to_stop = 1; }

constexpr const char* kProg = "understudy waldump";
// "error", or the WAL's version's level once the reader knows it (14: "fatal").
const char* g_fatal_level = "error";

// A message's further lines ("detail: ...", pg_log_error_detail) get the program name too.
[[noreturn]] void fatal(const std::string& msg) {
    std::fflush(stdout);
    const std::size_t nl = msg.find('\n');
    std::fprintf(stderr, "%s: %s: %s\n", kProg, g_fatal_level, msg.substr(0, nl).c_str());
    for (std::size_t at = nl; at != std::string::npos;) {
        const std::size_t next = msg.find('\n', at + 1);
        std::fprintf(stderr, "%s: %s\n", kProg, msg.substr(at + 1, next - at - 1).c_str());
        at = next;
    }
    std::exit(kExitFailure);
}

bool is_directory(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// create_fullpage_directory (pg_waldump.c, 16+): creates DIR (and its parents) when it does
// not exist; an existing DIR must be empty (pg_check_dir: anything but "." and "..").
void create_fullpage_directory(const std::string& path) {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) {
        if (errno != ENOENT)
            fatal(fmt::format("could not access directory \"{}\": {}", path, fs::errno_text(errno)));
        std::error_code ec;
        std::filesystem::create_directories(path, ec);
        if (ec) fatal(fmt::format("could not create directory \"{}\": {}", path, ec.message()));
        ::chmod(path.c_str(), 0700);  // pg_dir_create_mode
        return;
    }
    bool empty = true;
    while (const dirent* e = ::readdir(dir)) {
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
            empty = false;
            break;
        }
    }
    ::closedir(dir);
    if (!empty) fatal(fmt::format("directory \"{}\" exists but is not empty", path));
}

// XLogRecordSaveFPWs (pg_waldump.c, 16+): each block image of `rec`, restored (decompressed,
// hole filled), written to DIR/TTTTTTTT-LLLLLLLL-LLLLLLLL.spc.db.rel.blk_fork.
void save_fullpage_images(const DecodedRecord& rec, TimeLineID tli, const std::string& dir) {
    std::array<std::uint8_t, BLCKSZ> page{};
    for (int id = 0; id <= rec.max_block_id; ++id) {
        const DecodedBkpBlock& b = rec.blocks[static_cast<std::size_t>(id)];
        if (!b.in_use || !b.has_image) continue;
        if (auto r = restore_block_image(rec, id, page); !r) fatal(r.message());
        if (b.forknum > MAX_FORKNUM) fatal(fmt::format("invalid fork number: {}", b.forknum));
        const std::string filename =
            fmt::format("{}/{:08X}-{:08X}-{:08X}.{}.{}.{}.{}_{}", dir, tli,
                        static_cast<std::uint32_t>(rec.lsn >> 32),
                        static_cast<std::uint32_t>(rec.lsn), b.rnode.spcNode, b.rnode.dbNode,
                        b.rnode.relNode, b.blkno, fork_name(b.forknum));
        std::FILE* file = std::fopen(filename.c_str(), "wb");
        if (file == nullptr)
            fatal(fmt::format("could not open file \"{}\": {}", filename, fs::errno_text(errno)));
        if (std::fwrite(page.data(), BLCKSZ, 1, file) != 1)
            fatal(fmt::format("could not write file \"{}\": {}", filename, fs::errno_text(errno)));
        if (std::fclose(file) != 0)
            fatal(fmt::format("could not close file \"{}\": {}", filename, fs::errno_text(errno)));
    }
}

// sscanf("%X/%X"), as pg_waldump parses -s / -e.
std::optional<XLogRecPtr> scan_lsn(const std::string& text) {
    unsigned hi = 0, lo = 0;
    if (std::sscanf(text.c_str(), "%X/%X", &hi, &lo) != 2) return std::nullopt;
    return (std::uint64_t{hi} << 32) | lo;
}

std::optional<std::uint32_t> scan_u32(const std::string& text) {
    unsigned v = 0;
    if (std::sscanf(text.c_str(), "%u", &v) != 1) return std::nullopt;
    return v;
}

// dirname / basename as pg_waldump's split_path().
void split_path(const std::string& path, std::optional<std::string>& dir, std::string& fname) {
    auto sep = path.rfind('/');
    if (sep == std::string::npos) {
        dir.reset();
        fname = path;
    } else {
        dir = path.substr(0, sep);
        fname = path.substr(sep + 1);
    }
}

struct Target {
    std::string dir;
    std::uint32_t seg_size = 0;
};

// search_directory(): seg size when `fname` (or any WAL file) is in `dir`.
std::optional<std::uint32_t> search_directory(const std::string& dir, const std::string& fname) {
    const WalFormat* page_format = nullptr;
    auto r = detect_segment_size(dir, fname, &page_format);
    if (!r) {
        if (page_format != nullptr) g_fatal_level = waldump::display_frame(*page_format).fatal_level;
        fatal(r.message());
    }
    return *r;
}

// identify_target_directory()
Target identify_target_directory(const std::optional<std::string>& directory,
                                 const std::string& fname) {
    std::vector<std::string> candidates;
    if (directory) {
        candidates = {*directory, *directory + "/pg_wal"};
    } else {
        candidates = {".", "pg_wal"};
        if (const char* pgdata = std::getenv("PGDATA")) candidates.push_back(std::string(pgdata) + "/pg_wal");
    }
    for (const auto& dir : candidates)
        if (auto seg = search_directory(dir, fname)) return {dir, *seg};
    if (!fname.empty()) fatal(fmt::format("could not locate WAL file \"{}\"", fname));
    fatal("could not find any WAL file");
}

// One reader's pass over a chunk of the range (--stats read in parallel).
struct ChunkRun {
    std::unique_ptr<DirectorySource> source;
    std::unique_ptr<WalReader> reader;
    ChunkOutcome outcome;
    waldump::Stats stats;
    ReadStatus status = ReadStatus::Record;  // of the last read
};

class WaldumpCommand final : public Command {
public:
    explicit WaldumpCommand(CLI::App& app) { register_options(app); }

    int run() override;

private:
    void register_options(CLI::App& app);
    void parse_filters();
    void resolve_range();
    // The filters that need the block references (-R, -B, -F, -w).
    bool filters_blocks() const { return filter_extended_ || fullpage_; }
    bool matches_header(const RecordSummary& rec) const;
    bool matches_blocks(const DecodedRecord& rec) const;
    WalReaderOptions reader_options() const;
    // The record just read: filtered and counted into `st` (--stats).
    void count_record(const WalReader& reader, waldump::Stats& st) const;
    // Counts records until one begins at or after `stop_at` (left unread in the stats and noted
    // as the chunk's stop record), the end of the range, the end of WAL or an error.
    void scan_chunk(ChunkRun& run, XLogRecPtr stop_at) const;
    // A later chunk: finds and counts its first record, then scan_chunk() up to `stop_at`.
    void run_later_chunk(ChunkRun& run, const WalChunk& chunk, XLogRecPtr stop_at) const;
    // How many readers --stats may use over [first, endptr_) (1: read sequentially).
    unsigned parallel_jobs(XLogRecPtr first) const;
    // --stats over [first, endptr_) in chunks; returns the reader that read last (whose
    // status is in `status`), with every joined chunk's counts in `st`.
    std::unique_ptr<ChunkRun> read_stats_parallel(std::unique_ptr<ChunkRun> head,
                                                  XLogRecPtr first, unsigned jobs,
                                                  waldump::Stats& st) const;

    // raw option values
    bool bkp_details_ = false;
    std::string block_, end_, fork_, limit_, path_, relation_, start_, timeline_, xid_;
    std::vector<std::string> rmgrs_;
    std::string stats_;  // "" none; "rmgr" or "record"
    bool stats_short_ = false;
    bool follow_ = false, quiet_ = false, fullpage_ = false, json_ = false;
    std::string jobs_;
    std::string save_fullpage_;
    std::vector<std::string> segs_;

    // parsed
    std::array<bool, 256> filter_rmgr_{};
    bool filter_rmgr_enabled_ = false;
    std::optional<TransactionId> filter_xid_;
    std::optional<RelFileNode> filter_rel_;
    std::optional<BlockNumber> filter_block_;
    int filter_fork_ = -1;
    bool filter_extended_ = false;
    int stop_after_ = -1;
    unsigned jobs_wanted_ = 0;  // --jobs; 0: automatic
    TimeLineID timeline_id_ = 1;
    XLogRecPtr startptr_ = InvalidXLogRecPtr;
    XLogRecPtr endptr_ = InvalidXLogRecPtr;
    Target target_;
};

void WaldumpCommand::register_options(CLI::App& app) {
    auto* sub = app.add_subcommand(
        "waldump", "decode and display PostgreSQL 15 write-ahead log (pg_waldump compatible)");
    sub->add_flag("-b,--bkp-details", bkp_details_,
                  "output detailed information about backup blocks");
    sub->add_option("-B,--block", block_, "with --relation, only show records that modify block N");
    sub->add_option("-e,--end", end_, "stop reading at WAL location RECPTR");
    sub->add_flag("-f,--follow", follow_, "keep retrying after reaching end of WAL");
    sub->add_option("-F,--fork", fork_,
                    "only show records that modify blocks in fork FORK; valid names are main, "
                    "fsm, vm, init");
    sub->add_option("-n,--limit", limit_, "number of records to display");
    sub->add_option("-p,--path", path_,
                    "directory in which to find log segment files or a directory with a ./pg_wal "
                    "that contains such files (default: current directory, ./pg_wal, "
                    "$PGDATA/pg_wal)");
    sub->add_flag("-q,--quiet", quiet_, "do not print any output, except for errors");
    sub->add_option("-r,--rmgr", rmgrs_,
                    "only show records generated by resource manager RMGR; use --rmgr=list to "
                    "list valid resource manager names")
        ->allow_extra_args(false);
    sub->add_option("-R,--relation", relation_,
                    "only show records that modify blocks in relation T/D/R");
    sub->add_option("-s,--start", start_, "start reading at WAL location RECPTR");
    sub->add_option("-t,--timeline", timeline_,
                    "timeline from which to read log records (default: 1 or the value used in "
                    "STARTSEG)");
    sub->add_flag("-w,--fullpage", fullpage_, "only show records with a full page write");
    sub->add_option("-x,--xid", xid_, "only show records with transaction ID XID");
    sub->add_flag("-z", stats_short_, "show statistics instead of records");
    sub->add_flag("--stats{rmgr}", stats_,
                  "show statistics instead of records (--stats=record: per-record statistics)");
    sub->add_option("--jobs", jobs_,
                    "with --stats, read the range's segments with up to N readers in parallel "
                    "(default: the number of CPUs, at most 4; 1: sequentially)");
    sub->add_option("--save-fullpage", save_fullpage_,
                    "save full page images to DIR (pg_waldump 16+)");
    sub->add_flag("--json", json_, "print one JSON object per record with every decoded field");
    sub->add_option("segments", segs_, "[STARTSEG [ENDSEG]]");
}

void WaldumpCommand::parse_filters() {
    if (segs_.empty() && start_.empty() && end_.empty() && path_.empty() && rmgrs_.empty() &&
        stats_.empty() && !stats_short_ && block_.empty() && fork_.empty() && limit_.empty() &&
        relation_.empty() && timeline_.empty() && xid_.empty() && !bkp_details_ && !follow_ &&
        !quiet_ && !fullpage_ && !json_ && save_fullpage_.empty())
        throw UsageError{"no arguments specified"};
    for (const auto& r : rmgrs_) {
        if (strcasecmp(r.c_str(), "list") == 0) {
            for (int i = 0; i <= RM_MAX_BUILTIN_ID; ++i)
                std::printf("%s\n", waldump::rmgr_name(static_cast<std::uint8_t>(i)).c_str());
            std::exit(kExitOk);
        }
        int rmid = 0;
        if (std::sscanf(r.c_str(), "custom%03d", &rmid) == 1) {
            if (rmid < RM_MIN_CUSTOM_ID || rmid > RM_MAX_ID)
                throw UsageError{fmt::format("custom resource manager \"{}\" does not exist", r)};
            filter_rmgr_[static_cast<std::size_t>(rmid)] = true;
        } else {
            bool found = false;
            for (rmid = 0; rmid <= RM_MAX_BUILTIN_ID; ++rmid) {
                if (strcasecmp(r.c_str(), find_rmgr_desc(static_cast<std::uint8_t>(rmid))->name) == 0) {
                    filter_rmgr_[static_cast<std::size_t>(rmid)] = true;
                    found = true;
                    break;
                }
            }
            if (!found) throw UsageError{fmt::format("resource manager \"{}\" does not exist", r)};
        }
        filter_rmgr_enabled_ = true;
    }
    if (!block_.empty()) {
        auto b = scan_u32(block_);
        if (!b || *b == InvalidBlockNumber)
            throw UsageError{fmt::format("invalid block number: \"{}\"", block_)};
        filter_block_ = *b;
        filter_extended_ = true;
    }
    if (!end_.empty()) {
        auto e = scan_lsn(end_);
        if (!e) throw UsageError{fmt::format("invalid WAL location: \"{}\"", end_)};
        endptr_ = *e;
    }
    if (!fork_.empty()) {
        static constexpr const char* kForks[] = {"main", "fsm", "vm", "init"};
        for (int i = 0; i < 4; ++i)
            if (fork_ == kForks[i]) filter_fork_ = i;
        if (filter_fork_ < 0) throw UsageError{fmt::format("invalid fork name: \"{}\"", fork_)};
        filter_extended_ = true;
    }
    if (!limit_.empty() && std::sscanf(limit_.c_str(), "%d", &stop_after_) != 1)
        throw UsageError{
            fmt::format("invalid value \"{}\" for option {}", limit_, "-n/--limit")};
    if (!relation_.empty()) {
        RelFileNode rn;
        if (std::sscanf(relation_.c_str(), "%u/%u/%u", &rn.spcNode, &rn.dbNode, &rn.relNode) != 3 ||
            rn.spcNode == 0 || rn.relNode == 0)
            throw UsageError{fmt::format(
                "invalid relation specification: \"{}\"\nExpecting \"tablespace OID/database "
                "OID/relation filenode\".",
                relation_)};
        filter_rel_ = rn;
        filter_extended_ = true;
    }
    if (!start_.empty()) {
        auto s = scan_lsn(start_);
        if (!s) throw UsageError{fmt::format("invalid WAL location: \"{}\"", start_)};
        startptr_ = *s;
    }
    if (!timeline_.empty()) {
        auto t = scan_u32(timeline_);
        if (!t) throw UsageError{fmt::format("invalid timeline specification: \"{}\"", timeline_)};
        timeline_id_ = *t;
    }
    if (!xid_.empty()) {
        auto x = scan_u32(xid_);
        if (!x) throw UsageError{fmt::format("invalid transaction ID specification: \"{}\"", xid_)};
        filter_xid_ = *x;
    }
    if (!jobs_.empty()) {
        unsigned j = 0;
        char extra = 0;
        if (std::sscanf(jobs_.c_str(), "%u%c", &j, &extra) != 1 || j < 1 || j > 64)
            throw UsageError{fmt::format(
                "invalid value \"{}\" for option {} (a number of readers from 1 to 64)", jobs_,
                "--jobs")};
        jobs_wanted_ = j;
    }
    if (stats_short_ && stats_.empty()) stats_ = "rmgr";
    if (!stats_.empty() && stats_ != "rmgr" && stats_ != "record")
        throw UsageError{fmt::format("unrecognized value for option {}: {}", "--stats", stats_)};
    if (filter_block_ && !filter_rel_)
        throw UsageError{fmt::format("option {} requires option {} to be specified", "-B/--block",
                                     "-R/--relation")};
    if (segs_.size() > 2)
        throw UsageError{fmt::format("too many command-line arguments (first is \"{}\")", segs_[2])};
    if (!path_.empty() && !is_directory(path_))
        throw UsageError{fmt::format("could not open directory \"{}\": {}", path_,
                                     fs::errno_text(errno ? errno : ENOTDIR))};
    if (!save_fullpage_.empty()) create_fullpage_directory(save_fullpage_);
}

// The STARTSEG / ENDSEG and directory logic of pg_waldump's main().
void WaldumpCommand::resolve_range() {
    std::optional<std::string> waldir;
    if (!path_.empty()) waldir = path_;
    if (segs_.empty()) {
        target_ = identify_target_directory(waldir, "");
    } else {
        std::optional<std::string> directory;
        std::string fname;
        split_path(segs_[0], directory, fname);
        if (!waldir && directory) {
            waldir = directory;
            if (!is_directory(*waldir))
                fatal(fmt::format("could not open directory \"{}\": {}", *waldir,
                                  fs::errno_text(errno)));
        }
        target_ = identify_target_directory(waldir, fname);
        auto parsed = parse_segment_file_name(fname, target_.seg_size);
        if (!parsed) fatal(fmt::format("could not parse WAL file name \"{}\"", fname));
        timeline_id_ = parsed->tli;
        XLogSegNo segno = parsed->segno;
        if (startptr_ == InvalidXLogRecPtr) {
            startptr_ = segno_to_lsn(segno, target_.seg_size);
        } else if (lsn_to_segno(startptr_, target_.seg_size) != segno) {
            throw UsageError{fmt::format("start WAL location {} is not inside file \"{}\"",
                                         format_lsn(startptr_), fname)};
        }
        if (segs_.size() == 1 && endptr_ == InvalidXLogRecPtr)
            endptr_ = segno_to_lsn(segno + 1, target_.seg_size);
        if (segs_.size() == 2) {
            std::optional<std::string> ignored;
            std::string endname;
            split_path(segs_[1], ignored, endname);
            if (::access((target_.dir + "/" + endname).c_str(), R_OK) != 0)
                fatal(fmt::format("could not open file \"{}\"", endname));
            auto endparsed = parse_segment_file_name(endname, target_.seg_size);
            if (!endparsed) fatal(fmt::format("could not parse WAL file name \"{}\"", endname));
            timeline_id_ = endparsed->tli;
            if (endparsed->segno < segno)
                fatal(fmt::format("ENDSEG {} is before STARTSEG {}", segs_[1], segs_[0]));
            if (endptr_ == InvalidXLogRecPtr)
                endptr_ = segno_to_lsn(endparsed->segno + 1, target_.seg_size);
            segno = endparsed->segno;
        }
        if (lsn_to_segno(endptr_, target_.seg_size) != segno &&
            endptr_ != segno_to_lsn(segno + 1, target_.seg_size))
            throw UsageError{fmt::format("end WAL location {} is not inside file \"{}\"",
                                         format_lsn(endptr_), segs_.back())};
    }
    if (startptr_ == InvalidXLogRecPtr) throw UsageError{"no start WAL location given"};
}

// The rmgr and xid filters of pg_waldump's loop.
bool WaldumpCommand::matches_header(const RecordSummary& rec) const {
    if (filter_rmgr_enabled_ && !filter_rmgr_[rec.xl_rmid]) return false;
    if (filter_xid_ && *filter_xid_ != rec.xl_xid) return false;
    return true;
}

// XLogRecordMatchesRelationBlock / XLogRecordHasFPW, the other filters of pg_waldump's loop.
bool WaldumpCommand::matches_blocks(const DecodedRecord& rec) const {
    if (filter_extended_) {
        bool any = false;
        for (int id = 0; id <= rec.max_block_id && !any; ++id) {
            const DecodedBkpBlock& b = rec.blocks[static_cast<std::size_t>(id)];
            if (!b.in_use) continue;
            any = (filter_fork_ < 0 || filter_fork_ == b.forknum) &&
                  (!filter_rel_ || *filter_rel_ == b.rnode) &&
                  (!filter_block_ || *filter_block_ == b.blkno);
        }
        if (!any) return false;
    }
    if (fullpage_) {
        bool fpw = false;
        for (int id = 0; id <= rec.max_block_id; ++id)
            fpw = fpw || (rec.blocks[static_cast<std::size_t>(id)].in_use &&
                          rec.blocks[static_cast<std::size_t>(id)].has_image);
        if (!fpw) return false;
    }
    return true;
}

WalReaderOptions WaldumpCommand::reader_options() const {
    WalReaderOptions opts;
    opts.end_lsn = endptr_;
    opts.whole_pages = !follow_;  // as pg_waldump reads; following waits for partial pages
    // Statistics need only the lengths (and -q nothing): the blocks are decoded only when a
    // filter or the output looks at them. Records are checked the same either way.
    opts.decode_blocks =
        !(!stats_.empty() || quiet_) || filters_blocks() || !save_fullpage_.empty();
    return opts;
}

// The body of pg_waldump's loop for --stats (XLogRecStoreStats after the filters).
void WaldumpCommand::count_record(const WalReader& reader, waldump::Stats& st) const {
    if (!matches_header(reader.summary())) return;
    if (filters_blocks() && !matches_blocks(reader.record())) return;
    if (quiet_) return;
    st.add(reader.summary());
    st.endptr = reader.end_rec_ptr();
}

void WaldumpCommand::scan_chunk(ChunkRun& run, XLogRecPtr stop_at) const {
    WalReader& reader = *run.reader;
    for (;;) {
        if (g_time_to_stop) return;
        run.status = reader.read_record();
        if (run.status != ReadStatus::Record) return;
        const RecordSummary& s = reader.summary();
        if (s.lsn >= stop_at) {
            run.outcome.reached_end = true;
            run.outcome.stop_lsn = s.lsn;
            run.outcome.stop_prev = s.xl_prev;
            run.outcome.stop_tli = reader.latest_page_tli();
            return;
        }
        run.outcome.last_lsn = s.lsn;
        count_record(reader, run.stats);
    }
}

void WaldumpCommand::run_later_chunk(ChunkRun& run, const WalChunk& chunk,
                                     XLogRecPtr stop_at) const {
    WalReader& reader = *run.reader;
    if (reader.find_next_record(chunk.begin) == InvalidXLogRecPtr) return;
    run.status = reader.read_record();
    if (run.status != ReadStatus::Record) return;
    const RecordSummary& s = reader.summary();
    // A record that begins past the chunk, or after an overwritten continuation, is left to
    // the sequential reading (the join fails).
    if (s.lsn >= chunk.end || reader.overwritten_rec_ptr() != InvalidXLogRecPtr) return;
    run.outcome.found_first = true;
    run.outcome.first_lsn = s.lsn;
    run.outcome.first_prev = s.xl_prev;
    run.outcome.first_tli = reader.latest_page_tli();
    run.outcome.last_lsn = s.lsn;
    count_record(reader, run.stats);
    scan_chunk(run, stop_at);
}

unsigned WaldumpCommand::parallel_jobs(XLogRecPtr first) const {
    // Only statistics are order-free; -n counts records in order, -f has no end, and without
    // an end LSN the range's segments are not known in advance.
    // --save-fullpage writes every record's images, in the sequential loop.
    if (stats_.empty() || follow_ || stop_after_ > 0 || endptr_ == InvalidXLogRecPtr ||
        endptr_ <= first || !save_fullpage_.empty())
        return 1;
    unsigned jobs = jobs_wanted_;
    if (jobs == 0) jobs = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
    const XLogSegNo segs = lsn_to_segno(endptr_ - 1, target_.seg_size) -
                           lsn_to_segno(first, target_.seg_size) + 1;
    return static_cast<unsigned>(std::min<XLogSegNo>(jobs, segs));
}

std::unique_ptr<ChunkRun> WaldumpCommand::read_stats_parallel(std::unique_ptr<ChunkRun> head,
                                                              XLogRecPtr first, unsigned jobs,
                                                              waldump::Stats& st) const {
    const std::vector<WalChunk> chunks = split_wal_range(first, endptr_, target_.seg_size, jobs);
    std::vector<std::unique_ptr<ChunkRun>> runs;
    runs.push_back(std::move(head));
    runs.front()->outcome.found_first = true;
    runs.front()->outcome.first_lsn = first;
    for (std::size_t i = 1; i < chunks.size(); ++i) {
        auto run = std::make_unique<ChunkRun>();
        run->source =
            std::make_unique<DirectorySource>(target_.dir, timeline_id_, target_.seg_size);
        run->reader = std::make_unique<WalReader>(*run->source, reader_options());
        runs.push_back(std::move(run));
    }
    // The last chunk reads to the end of the range like a single reader (the reader's end LSN
    // stops it); the others stop at their stop record.
    auto stop_at = [&chunks](std::size_t i) {
        return i + 1 == chunks.size() ? std::numeric_limits<XLogRecPtr>::max() : chunks[i].end;
    };
    std::vector<std::thread> workers;
    for (std::size_t i = 1; i < chunks.size(); ++i)
        workers.emplace_back([this, &runs, &chunks, &stop_at, i] {
            run_later_chunk(*runs[i], chunks[i], stop_at(i));
        });
    scan_chunk(*runs.front(), stop_at(0));
    for (auto& w : workers) w.join();

    // The joined prefix of chunks counts as read; the first chunk that does not join the next
    // one continues alone from where it stopped, so what follows (counts, the end and its
    // error) is what a single reader finds.
    std::size_t i = 0;
    st.merge_following(runs[0]->stats);
    while (i + 1 < chunks.size() &&
           chunks_join(chunks[i + 1], runs[i]->outcome, runs[i + 1]->outcome)) {
        ++i;
        st.merge_following(runs[i]->stats);
    }
    // For tests: which path the reading took (chunks read, chunks joined).
    if (std::getenv("UNDERSTUDY_WALDUMP_TRACE_CHUNKS") != nullptr)
        std::fprintf(stderr, "waldump: %zu chunks, %zu joined\n", chunks.size(), i + 1);
    ChunkRun& tail = *runs[i];
    if (i + 1 < chunks.size() && tail.outcome.reached_end && !g_time_to_stop) {
        count_record(*tail.reader, st);  // its stop record, read already
        tail.stats = waldump::Stats{};
        scan_chunk(tail, std::numeric_limits<XLogRecPtr>::max());
        st.merge_following(tail.stats);
    }
    return std::move(runs[i]);
}

int WaldumpCommand::run() {
    parse_filters();
    resolve_range();
    std::signal(SIGINT, waldump_sigint);

    auto head = std::make_unique<ChunkRun>();
    head->source =
        std::make_unique<DirectorySource>(target_.dir, timeline_id_, target_.seg_size);
    head->reader = std::make_unique<WalReader>(*head->source, reader_options());
    const bool stats = !stats_.empty();

    const XLogRecPtr first = head->reader->find_next_record(startptr_);
    if (head->reader->format() != nullptr)
        g_fatal_level = waldump::display_frame(*head->reader->format()).fatal_level;
    if (first == InvalidXLogRecPtr) {
        if (!head->reader->unsupported_version().empty())
            fatal(head->reader->unsupported_version());
        if (!head->reader->end_reason().empty()) fatal(head->reader->end_reason());
        fatal(fmt::format("could not find a valid record after {}", format_lsn(startptr_)));
    }

    // Output is built in `out` and written in large chunks.
    std::string out;
    out.reserve(1 << 16);

    // The WAL's major version, known once the first record's page was read.
    const WalFormat& format = head->reader->format() != nullptr ? *head->reader->format()
                                                                 : kWalFormatPg15;
    // To stdout, or (17+, pg_log_info) to stderr; not with --json on stdout: stdout stays one
    // JSON object per line.
    const bool notice_on_stderr = waldump::display_frame(format).first_record_notice_on_stderr;
    if ((!json_ || notice_on_stderr) && first != startptr_ &&
        segment_offset(startptr_, target_.seg_size) != 0) {
        const auto skipped = static_cast<std::uint32_t>(first - startptr_);
        const std::string notice = fmt::format(
            "first record is after {}, at {}, skipping over {} byte{}", format_lsn(startptr_),
            format_lsn(first), skipped, skipped == 1 ? "" : "s");
        if (notice_on_stderr) std::fprintf(stderr, "%s: %s\n", kProg, notice.c_str());
        else std::printf("%s\n", notice.c_str());
    }

    waldump::Stats st;
    st.format = &format;
    if (stats && !quiet_) st.startptr = first;
    int displayed = 0;
    ReadStatus status = ReadStatus::Record;
    const unsigned jobs = parallel_jobs(first);
    if (jobs > 1) {
        head = read_stats_parallel(std::move(head), first, jobs, st);
        status = head->status;
    }
    WalReader& reader = *head->reader;
    // --stats over a range with no filter and no record limit: XLogRecStoreStats for every
    // record, without the general loop's per-record choices below.
    const bool count_all = jobs <= 1 && stats && !quiet_ && !follow_ && stop_after_ <= 0 &&
                           !filter_rmgr_enabled_ && !filter_xid_ && !filters_blocks() &&
                           save_fullpage_.empty();
    if (count_all) {
        std::array<RecordSummary, 64> batch;
        while (!g_time_to_stop) {
            const std::size_t n = reader.read_summaries(batch, status);
            for (std::size_t i = 0; i < n; ++i) st.add(batch[i]);
            if (n > 0) st.endptr = batch[n - 1].end_lsn;
            if (status != ReadStatus::Record) break;
        }
    }
    while (jobs <= 1 && !count_all) {  // the sequential reading (the parallel one read the range)
        if (g_time_to_stop) break;
        status = reader.read_record();
        if (status != ReadStatus::Record) {
            if (!follow_ || reader.end_lsn_reached() || !reader.unsupported_version().empty())
                break;
            std::fwrite(out.data(), 1, out.size(), stdout);
            out.clear();
            std::fflush(stdout);
            std::this_thread::sleep_for(std::chrono::seconds(1));
            continue;
        }
        if (!matches_header(reader.summary())) continue;
        const DecodedRecord& rec = reader.record();  // filled when opts.decode_blocks
        if (filters_blocks() && !matches_blocks(rec)) continue;
        if (!quiet_) {
            if (stats) {
                st.add(reader.summary());
                st.endptr = reader.end_rec_ptr();
            } else if (json_) {
                waldump::append_record_json(out, rec);
            } else {
                waldump::append_record_line(out, rec, bkp_details_);
            }
            if (out.size() >= (1 << 16)) {
                std::fwrite(out.data(), 1, out.size(), stdout);
                out.clear();
            }
        }
        if (!save_fullpage_.empty()) save_fullpage_images(rec, timeline_id_, save_fullpage_);
        ++displayed;
        if (stop_after_ > 0 && displayed >= stop_after_) {
            status = ReadStatus::Record;
            break;
        }
    }
    // A segment that is missing or cut short is fatal at once in pg_waldump (no statistics).
    const bool read_failed = status != ReadStatus::Record && !g_time_to_stop &&
                             !reader.end_reason().empty() && !reader.end_lsn_reached();
    if (stats && !quiet_ && !read_failed) waldump::append_stats(out, st, stats_ == "record");
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);

    if (g_time_to_stop) return kExitOk;
    if (read_failed) fatal(reader.end_reason());
    if (!reader.unsupported_version().empty()) fatal(reader.unsupported_version());
    if (status != ReadStatus::Record) {
        if (!reader.error_message().empty())
            fatal(fmt::format("error in WAL record at {}: {}", format_lsn(reader.read_rec_ptr()),
                              reader.error_message()));
    }
    return kExitOk;
}

}  // namespace

std::unique_ptr<Command> make_waldump_command(CLI::App& app) {
    return std::make_unique<WaldumpCommand>(app);
}

}  // namespace understudy::cli
