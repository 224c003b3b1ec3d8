#include "backup/base_backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "backup/manifest.h"
#include "backup/progress.h"
#include "backup/recovery_conf.h"
#include "backup/slot.h"
#include "backup/tar_stream.h"
#include "common/bytes.h"
#include "common/conninfo.h"
#include "common/crc32c.h"
#include "common/fs.h"
#include "common/log.h"
#include "receiver/connection.h"

namespace understudy::backup {

namespace {

using SteadyClock = std::chrono::steady_clock;
namespace stdfs = std::filesystem;

std::string sql_literal(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

// A hint for the errors of a role without REPLICATION.
std::string replication_hint(const std::string& message) {
    if (message.find("replication") != std::string::npos &&
        (message.find("must be superuser") != std::string::npos || message.find("permission denied") != std::string::npos ||
         message.find("REPLICATION attribute") != std::string::npos))
        return "; the role needs the REPLICATION attribute (ALTER ROLE ... REPLICATION) and a pg_hba.conf "
               "\"replication\" entry";
    return "";
}

// One archive's member written to disk: a file under `root`, its size and CRC-32C recorded under
// `manifest_prefix` + name (the manifest's path for it).
class ArchiveWriter final : public TarSink {
public:
    ArchiveWriter(std::string root, std::string manifest_prefix, std::map<std::string, ReceivedFile>& received,
                  std::vector<std::string>& dirs_to_sync, std::vector<std::string>& written,
                  std::map<std::string, std::string>& kept)
        : root_(std::move(root)),
          prefix_(std::move(manifest_prefix)),
          received_(received),
          dirs_(dirs_to_sync),
          written_(written),
          kept_(kept) {}

    Result<void> begin_member(const TarMember& m) override {
        const std::string path = root_ + "/" + m.name;
        switch (m.type) {
            case TarMember::Type::directory:
                if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
                    return make_error(fmt::format("could not create directory \"{}\": {}", path, fs::errno_text(errno)));
                dirs_.push_back(path);
                return {};
            case TarMember::Type::symlink:
                // With TABLESPACE_MAP the server sends no pg_tblspc links; the tablespaces' entries
                // are made from the tablespace list (link_tablespaces).
                if (m.name.starts_with("pg_tblspc/")) return {};
                return make_error(fmt::format("the backup holds a symbolic link \"{}\" -> \"{}\" outside pg_tblspc; "
                                              "refusing to create it",
                                              m.name, m.link_target));
            case TarMember::Type::file:
                break;
        }
        name_ = m.name;
        path_ = path;
        fd_.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (fd_.get() < 0)
            return make_error(fmt::format("could not create \"{}\": {}", path, fs::errno_text(errno)));
        size_ = 0;
        crc_ = crc32c_init();
        keep_ = kept_.contains(m.name);
        return {};
    }

    Result<void> member_data(std::span<const std::uint8_t> data) override {
        crc_ = crc32c_update(crc_, data.data(), data.size());
        size_ += data.size();
        if (keep_) kept_[name_].append(reinterpret_cast<const char*>(data.data()), data.size());
        while (!data.empty()) {
            const ssize_t n = ::write(fd_.get(), data.data(), data.size());
            if (n < 0) {
                if (errno == EINTR) continue;
                return make_error(fmt::format("could not write \"{}\": {}{}", path_, fs::errno_text(errno),
                                              errno == ENOSPC ? "; free space on that file system or give another --dir"
                                                              : ""));
            }
            data = data.subspan(static_cast<std::size_t>(n));
        }
        return {};
    }

    Result<void> end_member() override {
        if (fd_.get() < 0) return {};  // a directory or an ignored link
        // Writeback starts now; the fsync comes after the last archive (sync_written_files), as
        // PostgreSQL's fsync_pgdata does (pre_sync_fname, then fsync_fname): one wait per
        // file would make a backup of many small files as slow as the disk's flush latency.
        (void)::sync_file_range(fd_.get(), 0, 0, SYNC_FILE_RANGE_WRITE);
        written_.push_back(path_);
        if (::close(fd_.release()) != 0)
            return make_error(fmt::format("could not close \"{}\": {}", path_, fs::errno_text(errno)));
        received_[prefix_ + name_] = ReceivedFile{size_, crc32c_finish(crc_)};
        return {};
    }

private:
    std::string root_, prefix_;
    std::map<std::string, ReceivedFile>& received_;
    std::vector<std::string>& dirs_;
    std::vector<std::string>& written_;  // files to fsync once all are written
    std::map<std::string, std::string>& kept_;  // files whose contents are also kept in memory
    fs::UniqueFd fd_;
    std::string name_, path_;
    std::uint64_t size_ = 0;
    pg_crc32c crc_ = 0;
    bool keep_ = false;
};

struct Tablespace {
    std::string oid;       // empty: the main data directory
    std::string location;  // on the primary
    std::uint64_t size = 0;  // bytes (the server sends kB), 0 without PROGRESS
    std::string target;    // where its files go here
    bool mapped = false;
};

// One run of the backup; the steps in the order they happen.
class BaseBackup {
public:
    explicit BaseBackup(const BaseBackupOptions& opts)
        : opts_(opts), data_dir_(opts.dir + "/data"), partial_dir_(opts.dir + "/data.partial") {}

    Result<BaseBackupResult> run() {
        started_ = SteadyClock::now();
        if (auto r = prepare_directory(); !r) return r.error();
        auto r = take();
        if (!r) {
            clean_up_failure();
            return r.error();
        }
        result_.seconds = std::chrono::duration<double>(SteadyClock::now() - started_).count();
        result_.data_dir = data_dir_;
        return result_;
    }

private:
    Result<void> take() {
        if (auto r = reserve_wal(); !r) return r;
        if (auto r = connect(); !r) return r;
        if (auto r = identify_system(); !r) return r;
        if (auto r = start_backup(); !r) return r;
        if (auto r = receive_archives(); !r) return r;
        if (auto r = end_backup(); !r) return r;
        if (auto r = verify(); !r) return r;
        if (auto r = finish_files(); !r) return r;
        return publish();
    }

    // DIR exists; DIR/data does not; a DIR/data.partial from an interrupted run goes.
    Result<void> prepare_directory() {
        if (auto r = fs::make_dirs(opts_.dir); !r)
            return make_error(fmt::format("--dir \"{}\": {}; give a directory you can create and write", opts_.dir,
                                          r.message()));
        std::error_code ec;
        if (stdfs::exists(data_dir_, ec))
            return make_error(fmt::format("--dir \"{}\" already holds a data directory (\"{}\"); give another --dir or "
                                          "remove it",
                                          opts_.dir, data_dir_));
        if (stdfs::exists(partial_dir_, ec)) {
            log::info("removing \"{}\", the unfinished base backup of an interrupted run", partial_dir_);
            stdfs::remove_all(partial_dir_, ec);
            if (ec)
                return make_error(fmt::format("could not remove the unfinished backup \"{}\": {}", partial_dir_,
                                              ec.message()));
        }
        if (::mkdir(partial_dir_.c_str(), 0700) != 0)
            return make_error(fmt::format("could not create \"{}\": {}", partial_dir_, fs::errno_text(errno)));
        partial_created_ = true;
        return {};
    }

    // Over a SQL connection: the server's version and wal_level, then the slot (before the backup's
    // checkpoint, so the WAL from the backup's start on is kept for the standby that follows).
    Result<void> reserve_wal() {
        const char* keywords[] = {"connect_timeout", "dbname", nullptr};
        const char* values[] = {"10", opts_.conninfo.c_str(), nullptr};
        sql_.reset(PQconnectdbParams(keywords, values, 1));
        if (PQstatus(sql_.get()) != CONNECTION_OK)
            return make_error(fmt::format("could not connect to the primary: {}",
                                          receiver::one_line(PQerrorMessage(sql_.get()))));
        result_.server_version_num = PQserverVersion(sql_.get());
        if (result_.server_version_num < 140000)
            return make_error(fmt::format("the primary runs PostgreSQL {}; understudy basebackup supports 14 and later",
                                          result_.server_version_num));
        if (auto r = check_wal_level(sql_.get()); !r) return r;
        if (opts_.slot.empty()) return {};
        auto slot = ensure_physical_slot(sql_.get(), opts_.slot);
        if (!slot) return slot.error();
        result_.slot_created = slot->created;
        result_.slot_restart_lsn = slot->restart_lsn;
        log::info("{} physical replication slot \"{}\" on the primary (restart_lsn {}): it keeps the WAL from before "
                  "the backup's start on",
                  slot->created ? "created" : "using the existing", opts_.slot, format_lsn(slot->restart_lsn));
        return {};
    }

    Result<void> connect() {
        auto params = receiver::replication_conn_params(opts_.conninfo, opts_.application_name);
        if (!params) return make_error(fmt::format("--primary: {}", params.message()));
        params->set_default("connect_timeout", "10");
        std::vector<const char*> keys, vals;
        for (const auto& [k, v] : params->params) {
            keys.push_back(k.c_str());
            vals.push_back(v.c_str());
        }
        keys.push_back(nullptr);
        vals.push_back(nullptr);
        conn_.reset(PQconnectdbParams(keys.data(), vals.data(), 0));
        // The server's notices (PG15: "WAL archiving is not enabled ...": the slot keeps the WAL
        // here) go to the log, not straight to stderr.
        PQsetNoticeProcessor(conn_.get(), [](void*, const char* message) {
            log::debug("primary: {}", receiver::one_line(message));
        }, nullptr);
        if (PQstatus(conn_.get()) != CONNECTION_OK) {
            const std::string msg = receiver::one_line(PQerrorMessage(conn_.get()));
            return make_error(fmt::format("could not open a replication connection to the primary ({}): {}{}",
                                          params->redacted(), msg, replication_hint(msg)));
        }
        return {};
    }

    Result<void> identify_system() {
        receiver::PgResultPtr res(PQexec(conn_.get(), "IDENTIFY_SYSTEM"));
        if (PQresultStatus(res.get()) != PGRES_TUPLES_OK || PQntuples(res.get()) != 1 || PQnfields(res.get()) < 2)
            return make_error(fmt::format("IDENTIFY_SYSTEM on the primary failed: {}",
                                          receiver::one_line(PQresultErrorMessage(res.get()))));
        result_.system_identifier = std::stoull(PQgetvalue(res.get(), 0, 0));
        return {};
    }

    // BASE_BACKUP, its first two result sets: the start position, the tablespaces.
    Result<void> start_backup() {
        const std::string cmd = base_backup_command(result_.server_version_num, opts_);
        log::info("{}: waiting for the primary's checkpoint ({})", cmd,
                  opts_.fast_checkpoint ? "fast" : "spread: as fast as checkpoint_completion_target allows");
        if (PQsendQuery(conn_.get(), cmd.c_str()) == 0)
            return make_error(fmt::format("could not send BASE_BACKUP: {}", receiver::one_line(PQerrorMessage(conn_.get()))));
        receiver::PgResultPtr start(PQgetResult(conn_.get()));
        if (PQresultStatus(start.get()) != PGRES_TUPLES_OK || PQntuples(start.get()) != 1 || PQnfields(start.get()) < 2) {
            const std::string msg = receiver::one_line(PQresultErrorMessage(start.get()));
            return make_error(fmt::format("the primary refused BASE_BACKUP: {}{}", msg, replication_hint(msg)));
        }
        auto lsn = parse_lsn(PQgetvalue(start.get(), 0, 0));
        if (!lsn) return make_error(fmt::format("BASE_BACKUP's start \"{}\" is not an LSN", PQgetvalue(start.get(), 0, 0)));
        result_.start_lsn = *lsn;
        result_.timeline = static_cast<TimeLineID>(std::stoul(PQgetvalue(start.get(), 0, 1)));
        log::info("backup starts at {} on timeline {}", format_lsn(result_.start_lsn), result_.timeline);

        receiver::PgResultPtr list(PQgetResult(conn_.get()));
        if (PQresultStatus(list.get()) != PGRES_TUPLES_OK || PQnfields(list.get()) < 3)
            return make_error(fmt::format("BASE_BACKUP: no tablespace list: {}",
                                          receiver::one_line(PQresultErrorMessage(list.get()))));
        for (int i = 0; i < PQntuples(list.get()); ++i) {
            Tablespace t;
            if (!PQgetisnull(list.get(), i, 0)) t.oid = PQgetvalue(list.get(), i, 0);
            if (!PQgetisnull(list.get(), i, 1)) t.location = PQgetvalue(list.get(), i, 1);
            if (!PQgetisnull(list.get(), i, 2))  // kB; -1 without PROGRESS
                t.size = static_cast<std::uint64_t>(std::max(0LL, std::stoll(PQgetvalue(list.get(), i, 2)))) * 1024;
            total_ += t.size;
            tablespaces_.push_back(std::move(t));
        }
        return place_tablespaces();
    }

    // Where each tablespace goes: the main one into DIR/data.partial, a mapped one into its NEW
    // (new or empty; created here), any other inside DIR/data.partial/pg_tblspc/OID.
    Result<void> place_tablespaces() {
        for (const TablespaceMapping& m : opts_.tablespace_mappings) {
            bool found = false;
            for (const Tablespace& t : tablespaces_) found = found || (!t.oid.empty() && t.location == m.old_dir);
            if (!found) {
                std::string known;
                for (const Tablespace& t : tablespaces_)
                    if (!t.oid.empty()) known += (known.empty() ? "" : ", ") + t.location;
                return make_error(fmt::format("--tablespace-mapping \"{}={}\": the primary has no tablespace at \"{}\" "
                                              "(its tablespaces: {})",
                                              m.old_dir, m.new_dir, m.old_dir, known.empty() ? "none" : known));
            }
        }
        for (Tablespace& t : tablespaces_) {
            if (t.oid.empty()) {
                t.target = partial_dir_;
                continue;
            }
            ++result_.tablespaces;
            for (const TablespaceMapping& m : opts_.tablespace_mappings)
                if (m.old_dir == t.location) {
                    t.target = m.new_dir;
                    t.mapped = true;
                }
            if (!t.mapped) {
                t.target = partial_dir_ + "/pg_tblspc/" + t.oid;
                if (auto r = fs::make_dirs(t.target); !r) return r;
                log::info("tablespace {} (\"{}\" on the primary) goes inside the data directory: pg_tblspc/{} "
                          "(--tablespace-mapping {}=NEW puts it elsewhere)",
                          t.oid, t.location, t.oid, t.location);
                continue;
            }
            std::error_code ec;
            if (stdfs::exists(t.target, ec)) {
                if (!stdfs::is_directory(t.target, ec) || !stdfs::is_empty(t.target, ec))
                    return make_error(fmt::format("--tablespace-mapping: \"{}\" exists and is not an empty directory; "
                                                  "give a new or empty directory for tablespace {}",
                                                  t.target, t.oid));
            } else {
                if (auto r = fs::make_dirs(t.target); !r) return r;
                created_tablespace_dirs_.push_back(t.target);
            }
            emptied_on_failure_.push_back(t.target);
            log::info("tablespace {} (\"{}\" on the primary) goes to \"{}\"", t.oid, t.location, t.target);
        }
        return {};
    }

    // The archives (and the manifest) until the end of the COPY data.
    Result<void> receive_archives() {
        progress_.emplace(show_terminal(), std::chrono::duration<double>(opts_.progress_interval).count());
        if (result_.server_version_num >= 150000) {
            receiver::PgResultPtr copy(PQgetResult(conn_.get()));
            if (PQresultStatus(copy.get()) != PGRES_COPY_OUT)
                return make_error(fmt::format("BASE_BACKUP: expected the archive stream, got: {}",
                                              receiver::one_line(PQresultErrorMessage(copy.get()))));
            if (auto r = read_copy_stream(true); !r) return r;
        } else {
            // PG14: one CopyOut per tablespace in the list's order, then one for the manifest.
            for (std::size_t i = 0; i <= tablespaces_.size(); ++i) {
                receiver::PgResultPtr copy(PQgetResult(conn_.get()));
                if (PQresultStatus(copy.get()) != PGRES_COPY_OUT)
                    return make_error(fmt::format("BASE_BACKUP: expected {}, got: {}",
                                                  i < tablespaces_.size() ? "an archive" : "the manifest",
                                                  receiver::one_line(PQresultErrorMessage(copy.get()))));
                if (i < tablespaces_.size()) {
                    if (auto r = begin_archive(i); !r) return r;
                } else {
                    if (auto r = end_archive(); !r) return r;
                    in_manifest_ = true;
                }
                if (auto r = read_copy_stream(false); !r) return r;
            }
        }
        if (auto r = end_archive(); !r) return r;
        if (!in_manifest_) return make_error("BASE_BACKUP sent no backup manifest (MANIFEST 'yes' was asked for)");
        show_progress(true);
        return {};
    }

    // CopyData messages until CopyDone. `typed`: PG15's messages start with a type byte.
    Result<void> read_copy_stream(bool typed) {
        for (;;) {
            char* raw = nullptr;
            const int n = PQgetCopyData(conn_.get(), &raw, 0);
            if (n == -1) return {};
            if (n == -2)
                return make_error(fmt::format("the base backup's stream broke after {} bytes: {}; the connection was cut "
                                              "or the primary's backend ended: take the backup again",
                                              result_.bytes, receiver::one_line(PQerrorMessage(conn_.get()))));
            receiver::PgBufferPtr owned(raw);
            auto data = std::span(reinterpret_cast<const std::uint8_t*>(raw), static_cast<std::size_t>(n));
            if (!typed) {
                if (auto r = archive_data(data); !r) return r;
                continue;
            }
            if (data.empty()) return make_error("BASE_BACKUP sent an empty CopyData message");
            const char type = static_cast<char>(data[0]);
            data = data.subspan(1);
            switch (type) {
                case 'n': {
                    // archive name \0 tablespace path \0
                    const std::string body(reinterpret_cast<const char*>(data.data()), data.size());
                    const std::size_t z = body.find('\0');
                    if (z == std::string::npos) return make_error("BASE_BACKUP: a malformed new-archive message");
                    const std::string name = body.substr(0, z);
                    const std::string path = body.substr(z + 1, body.find('\0', z + 1) - z - 1);
                    std::size_t index = tablespaces_.size();
                    for (std::size_t i = 0; i < tablespaces_.size(); ++i)
                        if (tablespaces_[i].location == path && (path.empty() == tablespaces_[i].oid.empty())) index = i;
                    if (index == tablespaces_.size())
                        return make_error(fmt::format("BASE_BACKUP sent archive \"{}\" for \"{}\", which is not in its "
                                                      "tablespace list",
                                                      name, path));
                    if (auto r = begin_archive(index); !r) return r;
                    break;
                }
                case 'd':
                    if (auto r = archive_data(data); !r) return r;
                    break;
                case 'p':
                    if (data.size() != 8) return make_error("BASE_BACKUP: a malformed progress message");
                    break;  // the bytes we received are counted as they arrive
                case 'm':
                    if (auto r = end_archive(); !r) return r;
                    in_manifest_ = true;
                    break;
                default:
                    return make_error(fmt::format("BASE_BACKUP sent a CopyData message of unknown type '{}'", type));
            }
        }
    }

    Result<void> begin_archive(std::size_t index) {
        if (auto r = end_archive(); !r) return r;
        const Tablespace& t = tablespaces_[index];
        const std::string prefix = t.oid.empty() ? "" : "pg_tblspc/" + t.oid + "/";
        if (t.oid.empty()) {  // read back after the stream
            kept_["tablespace_map"].clear();
            kept_["backup_label"].clear();
        }
        writer_ = std::make_unique<ArchiveWriter>(t.target, prefix, received_, dirs_to_sync_, written_,
                                                  t.oid.empty() ? kept_ : unused_kept_);
        archive_name_ = t.oid.empty() ? "base.tar" : t.oid + ".tar";
        reader_ = std::make_unique<TarReader>(archive_name_, *writer_);
        dirs_to_sync_.push_back(t.target);
        log::debug("receiving {} into \"{}\"", archive_name_, t.target);
        return {};
    }

    Result<void> end_archive() {
        if (!reader_) return {};
        if (auto r = reader_->finish(); !r) return r;
        reader_.reset();
        writer_.reset();
        return {};
    }

    Result<void> archive_data(std::span<const std::uint8_t> data) {
        if (in_manifest_) {
            manifest_.append(reinterpret_cast<const char*>(data.data()), data.size());
            return {};
        }
        if (!reader_) return make_error("BASE_BACKUP sent data before any archive began");
        result_.bytes += data.size();
        if (auto r = reader_->feed(data); !r) return r;
        show_progress(false);
        return {};
    }

    bool show_terminal() const {
        using P = BaseBackupOptions::Progress;
        return opts_.progress == P::terminal || (opts_.progress == P::automatic && ::isatty(STDERR_FILENO) == 1);
    }

    void show_progress(bool last) {
        if (opts_.progress == BaseBackupOptions::Progress::off) return;
        const double now = std::chrono::duration<double>(SteadyClock::now() - started_).count();
        auto line = last ? std::optional<std::string>((progress_->terminal() ? "\r" : "") + std::string("base backup: ") +
                                                      backup_progress_text(result_.bytes, total_, now) +
                                                      (progress_->terminal() ? "\033[K\n" : ""))
                         : progress_->update(now, result_.bytes, total_);
        if (!line) return;
        if (progress_->terminal()) {
            std::fputs(line->c_str(), stderr);
            std::fflush(stderr);
        } else {
            log::info("{}", *line);
        }
    }

    // After CopyDone: the end position, then the command's completion.
    Result<void> end_backup() {
        receiver::PgResultPtr end(PQgetResult(conn_.get()));
        if (PQresultStatus(end.get()) != PGRES_TUPLES_OK || PQntuples(end.get()) != 1)
            return make_error(fmt::format("the base backup failed at its end: {}",
                                          receiver::one_line(PQresultErrorMessage(end.get()))));
        auto lsn = parse_lsn(PQgetvalue(end.get(), 0, 0));
        if (!lsn) return make_error(fmt::format("BASE_BACKUP's end \"{}\" is not an LSN", PQgetvalue(end.get(), 0, 0)));
        result_.end_lsn = *lsn;
        for (;;) {
            receiver::PgResultPtr res(PQgetResult(conn_.get()));
            if (!res) break;
            if (PQresultStatus(res.get()) != PGRES_COMMAND_OK)
                return make_error(fmt::format("the base backup failed at its end: {}",
                                              receiver::one_line(PQresultErrorMessage(res.get()))));
        }
        log::info("backup ends at {}", format_lsn(result_.end_lsn));
        return {};
    }

    // The manifest's checksum, every file's size and CRC-32C, the WAL range; backup_label read.
    Result<void> verify() {
        auto m = parse_manifest(manifest_);
        if (!m) return m.error();
        if (m->version >= 2 && m->system_identifier != result_.system_identifier)
            return make_error(fmt::format("backup_manifest is of database system {}, but the primary is system {}",
                                          m->system_identifier, result_.system_identifier));
        if (auto r = verify_backup_files(*m, received_); !r) return r;
        if (auto r = verify_wal_range(*m, result_.timeline, result_.start_lsn, result_.end_lsn); !r) return r;
        auto label = parse_backup_label(kept_["backup_label"]);
        if (!label) return make_error(fmt::format("backup_label: {}", label.message()));
        if (label->start_lsn != result_.start_lsn)
            return make_error(fmt::format("backup_label starts at {}, but BASE_BACKUP reported {}",
                                          format_lsn(label->start_lsn), format_lsn(result_.start_lsn)));
        result_.checkpoint_lsn = label->checkpoint_lsn;
        result_.files = received_.size();
        log::info("manifest verified: {} files, sizes and CRC-32C as the primary listed them; WAL range {}..{} on "
                  "timeline {}",
                  m->files.size(), format_lsn(result_.start_lsn), format_lsn(result_.end_lsn), result_.timeline);
        return {};
    }

    // backup_manifest, tablespace_map with the mapped paths, pg_tblspc links; everything fsynced.
    Result<void> finish_files() {
        if (auto r = write_new_file(partial_dir_ + "/backup_manifest", manifest_); !r) return r;
        std::string map;
        for (const Tablespace& t : tablespaces_)
            if (t.mapped) map += fmt::format("{} {}\n", t.oid, t.target);
        // Left as received unless a tablespace moved (mapped, or kept inside pg_tblspc).
        if (map != kept_["tablespace_map"])
            if (auto r = write_new_file(partial_dir_ + "/tablespace_map", map); !r) return r;
        for (const Tablespace& t : tablespaces_) {
            if (!t.mapped) continue;
            const std::string link = partial_dir_ + "/pg_tblspc/" + t.oid;
            if (::symlink(t.target.c_str(), link.c_str()) != 0)
                return make_error(fmt::format("could not link \"{}\" to \"{}\": {}", link, t.target, fs::errno_text(errno)));
        }
        if (opts_.write_recovery_conf)
            if (auto r = write_recovery_config(partial_dir_, recovery_conf()); !r) return r;
        for (const std::string& f : written_)
            if (auto r = fs::fsync_file(f); !r) return r;
        for (const std::string& d : dirs_to_sync_)
            if (auto r = fs::fsync_dir(d); !r) return r;
        return {};
    }

    // The replication connection's options (PQconninfo) as pg_basebackup -R writes them; a
    // password only when the user's conninfo had one.
    std::string recovery_conf() {
        std::vector<std::pair<std::string, std::string>> options;
        PQconninfoOption* info = PQconninfo(conn_.get());
        for (PQconninfoOption* o = info; o != nullptr && o->keyword != nullptr; ++o)
            if (o->val != nullptr) options.emplace_back(o->keyword, o->val);
        PQconninfoFree(info);
        auto given = parse_conninfo(opts_.conninfo);
        const bool had_password = given && given->get("password") != nullptr && !given->get("password")->empty();
        return recovery_config_text(options, had_password, opts_.slot);
    }

    // DIR/data.partial becomes DIR/data: the backup is complete.
    Result<void> publish() {
        if (::rename(partial_dir_.c_str(), data_dir_.c_str()) != 0)
            return make_error(fmt::format("could not rename \"{}\" to \"{}\": {}", partial_dir_, data_dir_,
                                          fs::errno_text(errno)));
        partial_created_ = false;
        if (auto r = fs::fsync_dir(opts_.dir); !r) return r;
        return {};
    }

    Result<void> write_new_file(const std::string& path, const std::string& text) {
        fs::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (fd.get() < 0) return make_error(fmt::format("could not create \"{}\": {}", path, fs::errno_text(errno)));
        std::size_t off = 0;
        while (off < text.size()) {
            const ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return make_error(fmt::format("could not write \"{}\": {}", path, fs::errno_text(errno)));
            off += static_cast<std::size_t>(n);
        }
        if (::fsync(fd.get()) != 0) return make_error(fmt::format("could not fsync \"{}\": {}", path, fs::errno_text(errno)));
        return {};
    }

    // A failed backup: no DIR/data.partial, no tablespace files, no slot this run created.
    void clean_up_failure() {
        if (progress_ && progress_->terminal() && result_.bytes > 0) std::fputs("\n", stderr);
        reader_.reset();
        writer_.reset();
        std::error_code ec;
        if (partial_created_) stdfs::remove_all(partial_dir_, ec);
        for (const std::string& d : emptied_on_failure_)
            for (const auto& e : stdfs::directory_iterator(d, ec)) stdfs::remove_all(e.path(), ec);
        for (const std::string& d : created_tablespace_dirs_) stdfs::remove(d, ec);
        if (result_.slot_created && sql_ && PQstatus(sql_.get()) == CONNECTION_OK) {
            if (auto r = drop_physical_slot(sql_.get(), opts_.slot); !r)
                log::warning("could not drop slot \"{}\" this failed backup created: {}; `understudy retire` or "
                             "pg_drop_replication_slot('{}') on the primary drops it",
                             opts_.slot, r.message(), opts_.slot);
            else
                log::info("dropped slot \"{}\", which this failed backup had created", opts_.slot);
        }
    }

    const BaseBackupOptions& opts_;
    const std::string data_dir_, partial_dir_;
    SteadyClock::time_point started_;
    bool partial_created_ = false;
    std::vector<std::string> created_tablespace_dirs_, emptied_on_failure_;
    receiver::PgConnPtr sql_, conn_;
    BaseBackupResult result_;
    std::vector<Tablespace> tablespaces_;
    std::uint64_t total_ = 0;
    std::optional<BackupProgress> progress_;
    std::map<std::string, ReceivedFile> received_;
    std::vector<std::string> dirs_to_sync_, written_;
    std::map<std::string, std::string> kept_, unused_kept_;
    std::unique_ptr<ArchiveWriter> writer_;
    std::unique_ptr<TarReader> reader_;
    std::string archive_name_;
    bool in_manifest_ = false;
    std::string manifest_;
};

}  // namespace

Result<TablespaceMapping> parse_tablespace_mapping(const std::string& text) {
    TablespaceMapping m;
    std::string* cur = &m.old_dir;
    bool seen = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '=') {
            cur->push_back('=');
            ++i;
        } else if (text[i] == '=') {
            if (seen)
                return make_error(fmt::format("--tablespace-mapping \"{}\": more than one '=' (write \\= for an '=' in a "
                                              "path)",
                                              text));
            seen = true;
            cur = &m.new_dir;
        } else {
            cur->push_back(text[i]);
        }
    }
    if (!seen || m.old_dir.empty() || m.new_dir.empty())
        return make_error(fmt::format("--tablespace-mapping \"{}\" is not OLDDIR=NEWDIR", text));
    if (m.old_dir.front() != '/' || m.new_dir.front() != '/')
        return make_error(fmt::format("--tablespace-mapping \"{}\": both directories must be absolute paths", text));
    while (m.old_dir.size() > 1 && m.old_dir.back() == '/') m.old_dir.pop_back();
    while (m.new_dir.size() > 1 && m.new_dir.back() == '/') m.new_dir.pop_back();
    return m;
}

std::string base_backup_command(int server_version_num, const BaseBackupOptions& opts) {
    if (server_version_num >= 150000) {
        // PG15 repl_gram.y: BASE_BACKUP ( generic_option_list ); basebackup.c parse_basebackup_options.
        return fmt::format("BASE_BACKUP (LABEL {}, PROGRESS, CHECKPOINT '{}', WAL false, MANIFEST 'yes', "
                           "TABLESPACE_MAP{}, TARGET 'client')",
                           sql_literal(opts.label), opts.fast_checkpoint ? "fast" : "spread",
                           opts.max_rate_kb > 0 ? fmt::format(", MAX_RATE {}", opts.max_rate_kb) : "");
    }
    // PG14 repl_gram.y: BASE_BACKUP [LABEL 'x'] [PROGRESS] [FAST] [WAL] [NOWAIT] [MAX_RATE n]
    // [TABLESPACE_MAP] [NOVERIFY_CHECKSUMS] [MANIFEST 'x'] [MANIFEST_CHECKSUMS 'x'].
    return fmt::format("BASE_BACKUP LABEL {} PROGRESS{}{} TABLESPACE_MAP MANIFEST 'yes'", sql_literal(opts.label),
                       opts.fast_checkpoint ? " FAST" : "",
                       opts.max_rate_kb > 0 ? fmt::format(" MAX_RATE {}", opts.max_rate_kb) : "");
}

Result<BackupLabel> parse_backup_label(const std::string& text) {
    BackupLabel label;
    std::istringstream in(text);
    std::string line;
    bool start = false, checkpoint = false;
    while (std::getline(in, line)) {
        auto value_of = [&](const char* key) -> std::optional<std::string> {
            const std::string k = std::string(key) + ": ";
            if (!line.starts_with(k)) return std::nullopt;
            std::string v = line.substr(k.size());
            if (auto sp = v.find(' '); sp != std::string::npos) v.resize(sp);
            return v;
        };
        if (auto v = value_of("START WAL LOCATION")) {
            auto lsn = parse_lsn(*v);
            if (!lsn) return make_error(fmt::format("START WAL LOCATION \"{}\" is not an LSN", *v));
            label.start_lsn = *lsn;
            start = true;
        } else if (auto c = value_of("CHECKPOINT LOCATION")) {
            auto lsn = parse_lsn(*c);
            if (!lsn) return make_error(fmt::format("CHECKPOINT LOCATION \"{}\" is not an LSN", *c));
            label.checkpoint_lsn = *lsn;
            checkpoint = true;
        } else if (auto t = value_of("START TIMELINE")) {
            label.timeline = static_cast<TimeLineID>(std::strtoul(t->c_str(), nullptr, 10));
        }
    }
    if (!start || !checkpoint) return make_error("no START WAL LOCATION or CHECKPOINT LOCATION line");
    return label;
}

Result<BaseBackupResult> take_base_backup(const BaseBackupOptions& opts) { return BaseBackup(opts).run(); }

}  // namespace understudy::backup
