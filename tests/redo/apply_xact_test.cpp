// Unit tests of the Transaction, Storage, RelMap, Sequence, MultiXact, Standby and
// ReplicationOrigin redo routines (redo/apply/*.cpp) through the engine's RedoContext on a
// scratch directory. The record bytes are laid out as PostgreSQL 15 writes them (access/xact.h,
// catalog/storage_xlog.h, utils/relmapper.h, commands/sequence.h); the real-WAL check of the
// same routines is tests/integration/replay_verify_test.cpp.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "common/bytes.h"
#include "common/crc32c.h"
#include "wal/records/multixact.h"
#include "wal/records/relmap.h"
#include "wal/records/replorigin.h"
#include "wal/records/sequence.h"
#include "wal/records/smgr.h"
#include "wal/records/standby.h"
#include "wal/records/xact.h"
#include "redo/redo_engine_context.h"
#include "redo/replay_state.h"
#include "redo/rmgr.h"
#include "redo/storage/page.h"
#include "tests/redo/storage/scratch.h"
#include "tests/support/files.h"

using namespace understudy;
using understudy::testing::read_file;

namespace {

struct Bytes {
    std::vector<std::uint8_t> v;
    template <typename T>
    Bytes& put(T x) {
        const auto* p = reinterpret_cast<const std::uint8_t*>(&x);
        v.insert(v.end(), p, p + sizeof(T));
        return *this;
    }
};

struct Fixture {
    storage::test::ScratchDir dir;
    ReplayState state;
    redo::EngineContext ctx{dir.path(), state, 64};
    std::vector<std::uint8_t> data;  // main data of the record being built

    DecodedRecord record(std::uint8_t rmid, std::uint8_t info, TransactionId xid, std::vector<std::uint8_t> bytes,
                         XLogRecPtr lsn = 0x1000000) {
        data = std::move(bytes);
        DecodedRecord rec;
        rec.lsn = lsn;
        rec.end_lsn = lsn + 0x40;
        rec.xl_rmid = rmid;
        rec.xl_info = info;
        rec.xl_xid = xid;
        rec.main_data = data;
        rec.main_data_len = static_cast<std::uint32_t>(data.size());
        return rec;
    }
};


}  // namespace

TEST_CASE("xact_redo COMMIT: pg_xact for the tree, commit timestamps, relation files dropped, nextXid") {
    Fixture f;
    f.state.next_full_xid = (2ull << 32) | 700;
    f.state.commit_ts_active = true;
    const RelFileNode dropped{1663, 5, 16500};
    REQUIRE(f.ctx.smgr().create(dropped, MAIN_FORKNUM));
    REQUIRE(f.ctx.smgr().create(dropped, FSM_FORKNUM));
    REQUIRE(f.ctx.smgr().exists(dropped, MAIN_FORKNUM));

    Bytes b;
    b.put<std::int64_t>(123456789)                                                       // xact_time
        .put<std::uint32_t>(XACT_XINFO_HAS_SUBXACTS | XACT_XINFO_HAS_RELFILENODES)     // xinfo
        .put<std::int32_t>(2).put<TransactionId>(701).put<TransactionId>(702)         // subxacts
        .put<std::int32_t>(1).put(dropped);                                           // relfilenodes
    auto rec = f.record(RM_XACT_ID, XLOG_XACT_COMMIT | XLOG_XACT_HAS_INFO, 700, b.v);
    auto out = xact_redo(f.ctx, rec);
    REQUIRE_MESSAGE(out, (out ? "" : out.error().message));
    CHECK(*out == redo::RedoOutcome::applied);
    for (TransactionId x : {700u, 701u, 702u}) {
        auto st = f.ctx.clog().get_status(x);
        REQUIRE(st);
        CHECK(*st == storage::TRANSACTION_STATUS_COMMITTED);
        auto ts = f.ctx.commit_ts().get(x);
        REQUIRE(ts);
        CHECK(ts->time == 123456789);
    }
    CHECK(*f.ctx.clog().get_status(703) == storage::TRANSACTION_STATUS_IN_PROGRESS);
    CHECK_FALSE(f.ctx.smgr().exists(dropped, MAIN_FORKNUM));
    CHECK_FALSE(f.ctx.smgr().exists(dropped, FSM_FORKNUM));
    CHECK(f.state.next_full_xid == ((2ull << 32) | 703));
}

TEST_CASE("xact_redo ABORT marks the tree aborted; commit timestamps stay off when inactive") {
    Fixture f;
    f.state.commit_ts_active = false;
    Bytes b;
    b.put<std::int64_t>(42).put<std::uint32_t>(XACT_XINFO_HAS_SUBXACTS).put<std::int32_t>(1).put<TransactionId>(901);
    auto rec = f.record(RM_XACT_ID, XLOG_XACT_ABORT | XLOG_XACT_HAS_INFO, 900, b.v);
    REQUIRE(xact_redo(f.ctx, rec));
    CHECK(*f.ctx.clog().get_status(900) == storage::TRANSACTION_STATUS_ABORTED);
    CHECK(*f.ctx.clog().get_status(901) == storage::TRANSACTION_STATUS_ABORTED);
    CHECK(f.ctx.commit_ts().get(900)->time == 0);
    CHECK(f.ctx.commit_ts().slru().segments().empty());
}

TEST_CASE("xact_redo PREPARE then COMMIT PREPARED: the prepared transaction is kept, then committed and removed") {
    Fixture f;
    const std::string gid = "gid_one";
    Bytes b;
    // TwoPhaseFileHeader (72 bytes), then the gid MAXALIGNed.
    b.put<std::uint32_t>(0x57F94534).put<std::uint32_t>(0).put<TransactionId>(1234).put<Oid>(5);
    b.put<std::int64_t>(777).put<Oid>(10);
    for (int i = 0; i < 6; ++i) b.put<std::int32_t>(0);
    b.put<std::uint8_t>(0).put<std::uint8_t>(0).put<std::uint16_t>(static_cast<std::uint16_t>(gid.size() + 1));
    b.put<XLogRecPtr>(0).put<std::int64_t>(0);
    REQUIRE(b.v.size() == sizeof(xl_xact_prepare));
    b.v.insert(b.v.end(), gid.begin(), gid.end());
    b.v.resize(sizeof(xl_xact_prepare) + 8, 0);
    auto prep = f.record(RM_XACT_ID, XLOG_XACT_PREPARE, 1234, b.v, 0x2000000);
    auto out = xact_redo(f.ctx, prep);
    REQUIRE_MESSAGE(out, (out ? "" : out.error().message));
    REQUIRE(f.state.prepared_xacts.size() == 1);
    CHECK(f.state.prepared_xacts[0].xid == 1234);
    CHECK(f.state.prepared_xacts[0].gid == gid);
    CHECK(f.state.prepared_xacts[0].prepare_start_lsn == 0x2000000);
    CHECK(*f.ctx.clog().get_status(1234) == storage::TRANSACTION_STATUS_IN_PROGRESS);

    // The state survives its JSON form.
    auto parsed = parse_replay_state(replay_state_to_json(f.state), "test");
    REQUIRE(parsed);
    CHECK(*parsed == f.state);

    Bytes c;
    c.put<std::int64_t>(888).put<std::uint32_t>(XACT_XINFO_HAS_TWOPHASE).put<TransactionId>(1234);
    auto commit = f.record(RM_XACT_ID, XLOG_XACT_COMMIT_PREPARED | XLOG_XACT_HAS_INFO, 0, c.v, 0x3000000);
    REQUIRE(xact_redo(f.ctx, commit));
    CHECK(f.state.prepared_xacts.empty());
    CHECK(*f.ctx.clog().get_status(1234) == storage::TRANSACTION_STATUS_COMMITTED);
}

TEST_CASE("replorigin_redo SET / DROP and a commit with an origin advance the origin's progress") {
    Fixture f;
    Bytes s;
    s.put<XLogRecPtr>(0x5000).put<RepOriginId>(3).put<std::uint8_t>(0).put<std::uint8_t>(0).put<std::uint32_t>(0);
    auto set = f.record(RM_REPLORIGIN_ID, XLOG_REPLORIGIN_SET, 0, s.v);
    REQUIRE(replorigin_redo(f.ctx, set));
    REQUIRE(f.state.replication_origins.size() == 1);
    CHECK(f.state.replication_origins[0].remote_lsn == 0x5000);
    CHECK(f.state.replication_origins[0].local_lsn == set.end_lsn);

    Bytes c;
    c.put<std::int64_t>(1).put<std::uint32_t>(XACT_XINFO_HAS_ORIGIN).put<XLogRecPtr>(0x9000).put<std::int64_t>(2);
    auto commit = f.record(RM_XACT_ID, XLOG_XACT_COMMIT | XLOG_XACT_HAS_INFO, 50, c.v, 0x4000000);
    commit.record_origin = 3;
    REQUIRE(xact_redo(f.ctx, commit));
    CHECK(f.state.replication_origins[0].remote_lsn == 0x9000);

    Bytes d;
    d.put<RepOriginId>(3);
    auto drop = f.record(RM_REPLORIGIN_ID, XLOG_REPLORIGIN_DROP, 0, d.v);
    REQUIRE(replorigin_redo(f.ctx, drop));
    CHECK(f.state.replication_origins.empty());
}

TEST_CASE("relmap_redo writes pg_filenode.map: 512 bytes, magic, CRC-32C over the first 504") {
    Fixture f;
    Bytes b;
    b.put<Oid>(0).put<Oid>(1664).put<std::int32_t>(512);
    Bytes map;
    map.put<std::uint32_t>(0).put<std::int32_t>(2).put<Oid>(1262).put<Oid>(1262).put<Oid>(2964).put<Oid>(16999);
    map.v.resize(512, 0);
    b.v.insert(b.v.end(), map.v.begin(), map.v.end());
    auto rec = f.record(RM_RELMAP_ID, XLOG_RELMAP_UPDATE, 0, b.v);
    auto out = relmap_redo(f.ctx, rec);
    REQUIRE_MESSAGE(out, (out ? "" : out.error().message));
    const std::string file = read_file(f.dir.path() + "/global/pg_filenode.map");
    REQUIRE(file.size() == 512);
    const auto* p = reinterpret_cast<const std::uint8_t*>(file.data());
    CHECK(load<std::uint32_t>(p) == 0x592717);
    CHECK(load<std::int32_t>(p + 4) == 2);
    CHECK(load<Oid>(p + 20) == 16999);
    CHECK(load<std::uint32_t>(p + 504) == crc32c(std::span<const std::uint8_t>(p, 504)));

    // A record of the wrong size is an error naming the LSN.
    Bytes bad;
    bad.put<Oid>(5).put<Oid>(1663).put<std::int32_t>(100);
    bad.v.resize(112, 0);
    auto badrec = f.record(RM_RELMAP_ID, XLOG_RELMAP_UPDATE, 0, bad.v);
    auto err = relmap_redo(f.ctx, badrec);
    REQUIRE_FALSE(err);
    CHECK(err.error().message.find("0/1000000") != std::string::npos);
}

TEST_CASE("smgr_redo TRUNCATE clears the removed heap blocks' bits on the last kept VM page") {
    Fixture f;
    const RelFileNode rnode{1663, 5, 17000};
    // A VM page with every bit set; heap blocks 0..9 truncated to 5.
    std::vector<std::uint8_t> vm(BLCKSZ, 0);
    storage::page_init(vm.data(), 0);
    std::memset(storage::page_get_contents(vm.data()), 0xFF, 100);
    REQUIRE(f.ctx.smgr().write(rnode, VISIBILITYMAP_FORKNUM, 0, vm));
    REQUIRE(f.ctx.smgr().extend_to(rnode, MAIN_FORKNUM, 10));
    Bytes b;
    b.put<BlockNumber>(5).put(rnode).put<std::int32_t>(SMGR_TRUNCATE_ALL);
    auto rec = f.record(RM_SMGR_ID, XLOG_SMGR_TRUNCATE, 0, b.v);
    auto out = smgr_redo(f.ctx, rec);
    REQUIRE_MESSAGE(out, (out ? "" : out.error().message));
    REQUIRE(f.ctx.pages().flush_all());
    CHECK(*f.ctx.smgr().nblocks(rnode, MAIN_FORKNUM) == 5);
    std::vector<std::uint8_t> page(BLCKSZ);
    REQUIRE(*f.ctx.smgr().read(rnode, VISIBILITYMAP_FORKNUM, 0, page) == storage::ReadStatus::ok);
    const std::uint8_t* map = storage::page_get_contents(page.data());
    CHECK(map[0] == 0xFF);        // heap blocks 0-3
    CHECK(map[1] == 0x03);        // block 4 kept, 5-7 cleared (2 bits each)
    CHECK(map[2] == 0x00);
    CHECK(map[99] == 0x00);
}

TEST_CASE("seq_redo rebuilds the sequence page from the record's tuple; seq_mask hides LSN and free space") {
    Fixture f;
    const RelFileNode rnode{1663, 5, 17100};
    Bytes b;
    b.put(rnode);
    std::vector<std::uint8_t> tuple(48, 0x5A);
    b.v.insert(b.v.end(), tuple.begin(), tuple.end());
    auto rec = f.record(RM_SEQ_ID, XLOG_SEQ_LOG, 0, b.v);
    rec.max_block_id = 0;
    rec.blocks[0].in_use = true;
    rec.blocks[0].rnode = rnode;
    rec.blocks[0].forknum = MAIN_FORKNUM;
    rec.blocks[0].blkno = 0;
    rec.blocks[0].flags = 0x40;  // BKPBLOCK_WILL_INIT
    auto out = seq_redo(f.ctx, rec);
    REQUIRE_MESSAGE(out, (out ? "" : out.error().message));
    auto cached = f.ctx.read_buffer_extended(rnode, MAIN_FORKNUM, 0, storage::ReadBufferMode::RBM_NORMAL);
    REQUIRE(cached);
    REQUIRE(cached->page.valid());
    std::uint8_t* page = cached->page.data();
    CHECK(storage::page_get_lsn(page) == rec.end_lsn);
    CHECK(storage::pd_special(page) == BLCKSZ - 8);
    CHECK(load<std::uint32_t>(page + BLCKSZ - 8) == 0x1717);
    CHECK(storage::page_get_max_offset_number(page) == 1);
    const auto id = storage::page_get_item_id(page, 1);
    CHECK(id.lp_len == 48);
    CHECK(page[id.lp_off] == 0x5A);
    std::vector<std::uint8_t> masked(page, page + BLCKSZ);
    seq_mask(masked.data(), 0);
    CHECK(storage::page_get_lsn(masked.data()) == 0);
}

TEST_CASE("multixact_redo CREATE_ID stores offsets and members and advances nextMXact / nextXid") {
    Fixture f;
    f.state.next_full_xid = 100;
    f.state.next_multixact = 1;
    Bytes b;
    b.put<std::uint32_t>(7).put<std::uint32_t>(30).put<std::int32_t>(2);
    b.put<TransactionId>(150).put<std::int32_t>(MultiXactStatusForShare);
    b.put<TransactionId>(151).put<std::int32_t>(MultiXactStatusUpdate);
    auto rec = f.record(RM_MULTIXACT_ID, XLOG_MULTIXACT_CREATE_ID, 151, b.v);
    auto out = multixact_redo(f.ctx, rec);
    REQUIRE_MESSAGE(out, (out ? "" : out.error().message));
    CHECK(*f.ctx.multixact().get_offset(7) == 30);
    CHECK(f.ctx.multixact().get_member(31)->xid == 151);
    CHECK(f.ctx.multixact().get_member(31)->status == storage::MultiXactStatusUpdate);
    CHECK(f.state.next_multixact == 8);
    CHECK(f.state.next_multixact_offset == 32);
    CHECK(f.state.next_full_xid == 152);
}

TEST_CASE("standby_redo RUNNING_XACTS keeps the oldest running xid and moves nextXid past the primary's") {
    Fixture f;
    f.state.next_full_xid = 10;
    Bytes b;
    b.put<std::int32_t>(1).put<std::int32_t>(0).put<std::uint8_t>(0).put<std::uint8_t>(0).put<std::uint16_t>(0);
    b.put<TransactionId>(500).put<TransactionId>(480).put<TransactionId>(499).put<TransactionId>(480);
    auto rec = f.record(RM_STANDBY_ID, XLOG_RUNNING_XACTS, 0, b.v);
    REQUIRE(standby_redo(f.ctx, rec));
    CHECK(f.state.oldest_running_xid == 480);
    CHECK(f.state.latest_completed_xid == 499);
    CHECK(f.state.next_full_xid == 500);
}
