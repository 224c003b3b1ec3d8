// The storage manager of the scratch data directory: relation forks as 1 GB segment files in
// PostgreSQL 15's layout, with the semantics redo needs (src/backend/storage/smgr/md.c,
// src/backend/access/transam/xlogutils.c: XLogReadBufferExtended, and the directory handling of
// dbase_redo in src/backend/commands/dbcommands.c).
//
// Open segment file descriptors are kept in an LRU of bounded size. Files written, truncated or
// created are remembered until sync() fsyncs them (PostgreSQL's register_dirty_segment +
// checkpointer, done here at restartpoints and at exit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>

#include "common/fs.h"
#include "common/result.h"
#include "wal/decoded_record.h"
#include "wal/relpath.h"

namespace understudy::storage {

// Outcome of reading a block that is not an I/O error.
enum class ReadStatus {
    ok,             // the block was read
    missing_file,   // the fork's first segment does not exist
    missing_block,  // the file exists but ends before this block (partial trailing blocks count
                    // as missing, as in mdnblocks)
};

struct SmgrOptions {
    std::size_t max_open_files = 64;          // LRU bound on cached segment descriptors
    BlockNumber segment_blocks = RELSEG_SIZE;  // blocks per segment file (tests shrink it)
    // The cluster has data checksums (pg_control's data_checksum_version): write() sets
    // pd_checksum of every initialised page, as the server does before its writes.
    bool data_checksums = false;
    // XLogHintBitIsNeeded() of the server the directory is for (data checksums or wal_log_hints,
    // from pg_control): then hint-only changes (MarkBufferDirtyHint: the FSM) do not dirty pages
    // during recovery, and VISIBLE redo sets the heap page's LSN.
    bool xlog_hint_bit_is_needed = false;
};

class Smgr {
public:
    explicit Smgr(std::string data_dir, SmgrOptions opts = {});
    // Known once a full directory's pg_control is read (the replayer opens it after the Smgr).
    void set_data_checksums(bool on) { opts_.data_checksums = on; }
    void set_xlog_hint_bit_is_needed(bool on) { opts_.xlog_hint_bit_is_needed = on; }
    bool xlog_hint_bit_is_needed() const { return opts_.xlog_hint_bit_is_needed; }
    // The major version of the directory's WAL: relations in user tablespaces live under its
    // TABLESPACE_VERSION_DIRECTORY ("PG_16_202307071"); 15's until told.
    void set_major_version(int major) { tsdir_ = std::string(::understudy::storage::tablespace_version_directory(major)); }
    std::string_view tablespace_version_directory() const { return tsdir_; }
    Smgr(const Smgr&) = delete;
    Smgr& operator=(const Smgr&) = delete;
    ~Smgr() = default;  // closes descriptors; does not fsync (call sync())

    const std::string& data_dir() const { return data_dir_; }
    // data_dir + "/" + relative path.
    std::string full_path(const std::string& rel_path) const;

    // Whether the fork's first segment exists (smgrexists / mdexists).
    bool exists(const RelFileNode& rnode, ForkNumber forknum) const;

    // smgrcreate(reln, forknum, isRedo=true) (mdcreate, PG15): creates the first segment if it
    // does not exist, and the database directory before it (TablespaceCreateDbspace in redo).
    // An existing file is kept as is.
    Result<void> create(const RelFileNode& rnode, ForkNumber forknum);

    // mdnblocks (PG15): full segments are counted and the next one is looked at; a partial
    // trailing block is not counted. A missing fork has 0 blocks.
    Result<BlockNumber> nblocks(const RelFileNode& rnode, ForkNumber forknum);

    // mdread (PG15) without its error paths: reads BLCKSZ bytes into page, or says which part
    // is missing (page is then left untouched).
    Result<ReadStatus> read(const RelFileNode& rnode, ForkNumber forknum, BlockNumber blkno,
                            std::span<std::uint8_t> page);

    // mdwrite, and mdextend where needed: creates the fork if missing and, when blkno is past
    // the end, first extends the fork with zero pages up to blkno, as redo does through
    // XLogReadBufferExtended (PG15). page must be BLCKSZ bytes.
    Result<void> write(const RelFileNode& rnode, ForkNumber forknum, BlockNumber blkno,
                       std::span<const std::uint8_t> page);

    // Extends the fork with zero pages so that it has at least `nblocks` blocks (creating it).
    Result<void> extend_to(const RelFileNode& rnode, ForkNumber forknum, BlockNumber nblocks);

    // mdtruncate (PG15): shortens the fork to nblocks. Segments wholly past the end are
    // truncated to length 0 but kept (as PostgreSQL does); asking for more blocks than the fork
    // has is ignored, as in recovery. A missing fork is not an error.
    Result<void> truncate(const RelFileNode& rnode, ForkNumber forknum, BlockNumber nblocks);

    // mdunlinkfork(isRedo=true) (PG15): removes every segment of the fork now. Missing files are
    // not an error.
    Result<void> unlink(const RelFileNode& rnode, ForkNumber forknum);
    // mdunlink for all forks.
    Result<void> unlink_all_forks(const RelFileNode& rnode);

    // CreateDirAndVersionFile(isRedo=true) (dbcommands.c, PG15): the database directory (and its
    // parents) with a PG_VERSION file holding "15\n". An existing directory is fine.
    Result<void> create_database_dir(Oid spcNode, Oid dbNode);

    // dbase_redo XLOG_DBASE_CREATE_FILE_COPY (PG15): removes the target directory if present,
    // creates its parent if missing, then copydir(src, dst, recurse=false): every regular file
    // of the source database directory, fsynced. The caller writes back cached pages of the
    // source database first (FlushDatabaseBuffers).
    Result<void> copy_database_dir(Oid src_spcNode, Oid src_dbNode, Oid dst_spcNode, Oid dst_dbNode);

    // dbase_redo XLOG_DBASE_DROP for one tablespace (PG15): rmtree of the database directory.
    Result<void> remove_database_dir(Oid spcNode, Oid dbNode);

    // fsyncs every file written, extended, truncated or created since the last sync, and the
    // directories in which files were created or removed. After one failed fsync every later
    // sync() fails with that first message: a second fsync of the same file may report success
    // although the kernel dropped what it could not write (PostgreSQL PANICs there, PG 11.2+'s
    // data_sync_retry = off), so no restartpoint is ever recorded past it and a restart replays
    // from the last one.
    Result<void> sync();

    // Closes every cached descriptor (pending fsyncs are kept).
    void close_all();
    std::size_t open_files() const { return lru_.size(); }
    std::size_t pending_syncs() const { return pending_files_.size() + pending_dirs_.size(); }

private:
    struct SegKey {
        RelFileNode rnode;
        ForkNumber forknum = MAIN_FORKNUM;
        BlockNumber segno = 0;
        friend bool operator==(const SegKey&, const SegKey&) = default;
    };
    struct SegKeyHash {
        std::size_t operator()(const SegKey& k) const;
    };
    struct OpenSeg {
        SegKey key;
        fs::UniqueFd fd;
    };
    using Lru = std::list<OpenSeg>;

    // Cached descriptor of a segment, opened (and created when `create`) on demand; -1 with
    // errno ENOENT when the file does not exist and `create` is false.
    Result<int> open_segment(const SegKey& key, bool create);
    void forget_segment(const SegKey& key);
    void forget_matching(const RelFileNode& rnode, int forknum /* -1: all forks */);
    void forget_database(Oid spcNode, Oid dbNode);
    // Size in blocks of a segment file, or -1 if it does not exist.
    Result<long long> segment_file_blocks(const SegKey& key);
    Result<void> ensure_database_dir(const RelFileNode& rnode);
    void note_dir_changed(const std::string& rel_dir);

    std::string data_dir_;
    SmgrOptions opts_;
    std::string tsdir_{TABLESPACE_VERSION_DIRECTORY};
    Lru lru_;  // front: most recently used
    std::unordered_map<SegKey, Lru::iterator, SegKeyHash> open_;
    std::set<std::string> pending_files_;  // relative paths to fsync
    std::set<std::string> pending_dirs_;   // relative directories to fsync
    std::set<std::string> known_dirs_;     // database directories known to exist
    std::optional<std::string> sync_failure_;  // the first failed fsync's message
};

}  // namespace understudy::storage
