// pg_twophase state files of a full data directory: see twophase_file.h.
#include "redo/storage/twophase_file.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <filesystem>

#include <fmt/format.h>

#include "common/crc32c.h"
#include "common/fs.h"
#include "wal/records/xact.h"

namespace understudy::storage {

namespace {

// How a major version names the files (TwoPhaseFilePath): one row per change.
struct TwoPhaseNaming {
    int since_major;
    bool full_xid;  // 17: "%08X%08X" of the FullTransactionId
};
constexpr TwoPhaseNaming kTwoPhaseNaming[] = {{14, false}, {17, true}};

const TwoPhaseNaming& naming_for(int major) {
    const TwoPhaseNaming* row = &kTwoPhaseNaming[0];
    for (const auto& r : kTwoPhaseNaming)
        if (major >= r.since_major) row = &r;
    return *row;
}

std::string twophase_dir(const std::string& data_dir) { return data_dir + "/pg_twophase"; }

constexpr TransactionId kFirstNormalTransactionId = 3;

}  // namespace

std::string twophase_file_name(int major, TransactionId xid, std::uint64_t next_full_xid) {
    if (!naming_for(major).full_xid) return fmt::format("{:08X}", xid);
    // FullTransactionIdFromAllowableAt(nextFullXid, xid).
    auto epoch = static_cast<std::uint32_t>(next_full_xid >> 32);
    if (xid < kFirstNormalTransactionId) epoch = 0;
    else if (xid > static_cast<TransactionId>(next_full_xid) && epoch > 0) --epoch;
    return fmt::format("{:08X}{:08X}", epoch, xid);
}

Result<int> checkpoint_two_phase(const std::string& data_dir, int major, ReplayState& state, XLogRecPtr redo_horizon) {
    int written = 0;
    for (auto& p : state.prepared_xacts) {
        if (p.on_disk || p.prepare_end_lsn > redo_horizon) continue;
        if (p.data.empty())
            return make_error(fmt::format("prepared transaction {} (gid \"{}\", PREPARE at {}) has no state data to "
                                          "write to pg_twophase: the directory was replayed by an older understudy; "
                                          "take a new base backup",
                                          p.xid, p.gid, format_lsn(p.prepare_start_lsn)));
        // RecreateTwoPhaseFile: the record's data, then its CRC-32C.
        pg_crc32c crc = crc32c_init();
        crc = crc32c_update(crc, reinterpret_cast<const std::uint8_t*>(p.data.data()), p.data.size());
        crc = crc32c_finish(crc);
        std::string contents = p.data;
        contents.append(reinterpret_cast<const char*>(&crc), sizeof crc);
        const std::string dir = twophase_dir(data_dir);
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        const std::string path = dir + "/" + twophase_file_name(major, p.xid, state.next_full_xid);
        if (auto r = fs::write_file_atomic(path, contents); !r)
            return make_error(fmt::format("could not write two-phase state file \"{}\": {}", path, r.message()));
        p.on_disk = true;
        ++written;
    }
    return written;
}

Result<int> load_twophase_files(const std::string& data_dir, const WalFormat& format, ReplayState& state) {
    const std::string dir = twophase_dir(data_dir);
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return 0;
    int added = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        // Names of 8 (14-16) or 16 (17+) hexadecimal digits; PostgreSQL ignores anything else.
        if ((name.size() != 8 && name.size() != 16) ||
            name.find_first_not_of("0123456789ABCDEF") != std::string::npos || !e.is_regular_file(ec))
            continue;
        const std::string path = e.path().string();
        auto bytes = fs::read_file(path);
        if (!bytes) return make_error(fmt::format("could not read two-phase state file \"{}\": {}", path, bytes.message()));
        if (bytes->size() < 4 + 32)
            return make_error(fmt::format("two-phase state file \"{}\" is {} bytes, too short: take a new base backup",
                                          path, bytes->size()));
        const std::string data = bytes->substr(0, bytes->size() - 4);
        pg_crc32c crc = crc32c_finish(
            crc32c_update(crc32c_init(), reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
        std::uint32_t stored = 0;
        std::memcpy(&stored, bytes->data() + data.size(), sizeof stored);
        if (crc != stored)
            return make_error(fmt::format("incorrect checksum in two-phase state file \"{}\": take a new base backup", path));
        const auto span = std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
        const ParsedXactRecord parsed = ParsePrepareRecord(span, format);
        if (parsed.truncated)
            return make_error(fmt::format("two-phase state file \"{}\" ends before the parts its header announces", path));
        // TwoPhaseFileHeader: magic, total_len, xid, database, prepared_at, owner (alike in 14-18).
        PreparedXact p;
        std::memcpy(&p.xid, data.data() + 8, sizeof p.xid);
        std::memcpy(&p.database, data.data() + 12, sizeof p.database);
        std::memcpy(&p.prepared_at, data.data() + 16, sizeof p.prepared_at);
        std::memcpy(&p.owner, data.data() + 24, sizeof p.owner);
        if (std::any_of(state.prepared_xacts.begin(), state.prepared_xacts.end(),
                        [&](const PreparedXact& q) { return q.xid == p.xid; }))
            continue;
        p.gid = parsed.twophase_gid;
        p.data = data;
        p.on_disk = true;
        state.prepared_xacts.push_back(std::move(p));
        ++added;
    }
    return added;
}

Result<void> remove_twophase_file(const std::string& data_dir, int major, TransactionId xid,
                                  std::uint64_t next_full_xid) {
    const std::string path = twophase_dir(data_dir) + "/" + twophase_file_name(major, xid, next_full_xid);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return make_error(fmt::format("could not remove two-phase state file \"{}\": {}", path, fs::errno_text(errno)));
    return fs::fsync_dir(twophase_dir(data_dir));
}

}  // namespace understudy::storage
