// pg_twophase state files (redo/storage/twophase_file.*): the names each version gives them
// (TwoPhaseFilePath: 14-16 the xid, 17 and later the full xid with AdjustToFullTransactionId's
// epoch), the contents (the PREPARE record's data and its CRC-32C, RecreateTwoPhaseFile), which
// prepared transactions a restartpoint writes (PREPARE ended at or before its redo), the state
// round trip, and removal. The hand-over test (standby_handover) shows a real server reading them.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/crc32c.h"
#include "redo/replay_state.h"
#include "redo/storage/twophase_file.h"
#include "tests/redo/storage/scratch.h"

using namespace understudy;
using namespace understudy::storage;
using understudy::storage::test::ScratchDir;

namespace {

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

PreparedXact prepared(TransactionId xid, XLogRecPtr start, XLogRecPtr end, std::string data) {
    PreparedXact p;
    p.xid = xid;
    p.gid = "gid" + std::to_string(xid);
    p.prepare_start_lsn = start;
    p.prepare_end_lsn = end;
    p.data = std::move(data);
    return p;
}

}  // namespace

TEST_CASE("pg_twophase file names per version") {
    CHECK(twophase_file_name(14, 0x2F1, 0x2F5) == "000002F1");
    CHECK(twophase_file_name(15, 0x2F1, (std::uint64_t{3} << 32) | 0x2F5) == "000002F1");
    CHECK(twophase_file_name(16, 0xABCDEF01, 0) == "ABCDEF01");
    CHECK(twophase_file_name(17, 0x2F1, 0x2F5) == "00000000000002F1");
    CHECK(twophase_file_name(18, 0x2F1, (std::uint64_t{3} << 32) | 0x2F5) == "00000003000002F1");
    // An xid after nextXid's is from the epoch before (prepared before the wraparound).
    CHECK(twophase_file_name(17, 0xFFFFFF00u, (std::uint64_t{3} << 32) | 0x10) == "00000002FFFFFF00");
}

TEST_CASE("a restartpoint writes the files of transactions prepared before its redo; commit removes them") {
    ScratchDir dir;
    ReplayState st;
    st.full = true;
    st.next_full_xid = 0x300;
    const std::string data_a(160, 'a'), data_b(200, 'b');
    st.prepared_xacts.push_back(prepared(0x2F1, 0x1000000, 0x1000100, data_a));
    st.prepared_xacts.push_back(prepared(0x2F2, 0x1000200, 0x1000300, data_b));

    // Redo horizon between the two PREPAREs: only the first is written.
    auto n = checkpoint_two_phase(dir.path(), 15, st, 0x1000200);
    REQUIRE_MESSAGE(n, n.message());
    CHECK(*n == 1);
    CHECK(st.prepared_xacts[0].on_disk);
    CHECK_FALSE(st.prepared_xacts[1].on_disk);
    const std::string file = read_bytes(dir / "pg_twophase/000002F1");
    REQUIRE(file.size() == data_a.size() + 4);
    CHECK(file.substr(0, data_a.size()) == data_a);
    pg_crc32c crc = crc32c_finish(crc32c_update(crc32c_init(), reinterpret_cast<const std::uint8_t*>(data_a.data()),
                                                data_a.size()));
    std::uint32_t stored = 0;
    std::memcpy(&stored, file.data() + data_a.size(), 4);
    CHECK(stored == crc);
    CHECK_FALSE(std::filesystem::exists(dir / "pg_twophase/000002F2"));

    // Again at the same horizon: nothing more; at a later one: the second.
    n = checkpoint_two_phase(dir.path(), 15, st, 0x1000200);
    CHECK(*n == 0);
    n = checkpoint_two_phase(dir.path(), 15, st, 0x2000000);
    CHECK(*n == 1);
    CHECK(std::filesystem::exists(dir / "pg_twophase/000002F2"));

    // The state keeps the data and the on-disk flag across a restart.
    REQUIRE(write_replay_state(dir.path(), st));
    auto back = read_replay_state(dir.path());
    REQUIRE_MESSAGE(back, back.message());
    REQUIRE(*back);
    REQUIRE((**back).prepared_xacts.size() == 2);
    CHECK((**back).prepared_xacts == st.prepared_xacts);

    REQUIRE(remove_twophase_file(dir.path(), 15, 0x2F1, st.next_full_xid));
    CHECK_FALSE(std::filesystem::exists(dir / "pg_twophase/000002F1"));
    CHECK(remove_twophase_file(dir.path(), 15, 0x2F1, st.next_full_xid));  // already gone: fine

    // A prepared transaction without its data (a state from before the data was kept) is an
    // error naming it, not a silently missing file.
    ReplayState old;
    old.prepared_xacts.push_back(prepared(0x400, 0x3000000, 0x3000100, ""));
    auto bad = checkpoint_two_phase(dir.path(), 15, old, 0x4000000);
    REQUIRE_FALSE(bad);
    CHECK(bad.message().find("prepared transaction 1024 (gid \"gid1024\"") != std::string::npos);
}
