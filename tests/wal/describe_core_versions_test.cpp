// The core rmgrs' describe and identify routines (XLOG, Transaction, Storage, CLOG, Database,
// MultiXact, Standby, CommitTs) and pg_waldump's frame (block references, --stats) for
// PostgreSQL 14, 16, 17 and 18, on hand-built records. Each expected text is what that version's
// rmgrdesc/*.c and pg_waldump.c format strings print for the fields (cited beside each case);
// the same records read as 15 keep 15's text.
#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "wal/decoded_record.h"
#include "wal/describe/desc_utils.h"
#include "wal/records/dbase.h"
#include "wal/records/standby.h"
#include "wal/records/xact.h"
#include "wal/records/xlog.h"
#include "wal/rmgr_desc.h"
#include "tools/understudy/waldump_display.h"

namespace understudy {
namespace {

// A WalFormat of major version `major` (the describe routines read only major_version; the
// page magic and image bits are each version's, from xlogrecord.h / xlog_internal.h).
WalFormat format_of(int major) {
    WalFormat f = kWalFormatPg15;
    f.major_version = major;
    switch (major) {
        case 14:
            f.page_magic = 0xD10D;
            f.bkpimage_apply = 0x04;
            f.bkpimage_compress_pglz = 0x02;  // BKPIMAGE_IS_COMPRESSED
            f.bkpimage_compress_lz4 = 0;
            f.bkpimage_compress_zstd = 0;
            break;
        case 16: f.page_magic = 0xD113; break;
        case 17: f.page_magic = 0xD116; break;
        case 18: f.page_magic = 0xD118; break;
        default: break;
    }
    return f;
}

const WalFormat kPg14 = format_of(14);
const WalFormat kPg16 = format_of(16);
const WalFormat kPg17 = format_of(17);
const WalFormat kPg18 = format_of(18);

// Little-endian bytes of a record's main data.
struct Bytes {
    std::vector<std::uint8_t> v;
    template <typename T>
    Bytes& put(T x) {
        const auto* p = reinterpret_cast<const std::uint8_t*>(&x);
        v.insert(v.end(), p, p + sizeof(T));
        return *this;
    }
    Bytes& zeros(std::size_t n) {
        v.insert(v.end(), n, 0);
        return *this;
    }
    Bytes& str(const char* s) {
        v.insert(v.end(), s, s + std::strlen(s) + 1);
        return *this;
    }
};

DecodedRecord record(std::uint8_t rmid, std::uint8_t xl_info, const std::vector<std::uint8_t>& data,
                     const WalFormat& format) {
    DecodedRecord rec;
    rec.xl_rmid = rmid;
    rec.xl_info = xl_info;
    rec.main_data = data;
    rec.main_data_len = static_cast<std::uint32_t>(data.size());
    rec.format = &format;
    return rec;
}

std::string describe(const DecodedRecord& rec) {
    std::string out;
    find_rmgr_desc(rec.xl_rmid)->describe(out, rec);
    return out;
}

std::string identify(std::uint8_t rmid, std::uint8_t xl_info, const WalFormat& format) {
    const char* id = find_rmgr_desc(rmid)->identify(xl_info, format);
    return id != nullptr ? id : "(null)";
}

void use_utc() {
    setenv("TZ", "UTC", 1);
    tzset();
}

// A CheckPoint (pg_control.h) with wal_level in its 17+ slot (padding before 17).
std::vector<std::uint8_t> checkpoint_bytes(int wal_level) {
    Bytes b;
    b.put<std::uint64_t>(0x1000028)                 // redo
        .put<std::uint32_t>(1)                      // ThisTimeLineID
        .put<std::uint32_t>(1)                      // PrevTimeLineID
        .put<std::uint8_t>(1)                       // fullPageWrites
        .zeros(3)
        .put<std::int32_t>(wal_level)               // wal_level (17+)
        .put<std::uint64_t>((2ULL << 32) | 740)     // nextXid: epoch 2, xid 740
        .put<std::uint32_t>(24576)                  // nextOid
        .put<std::uint32_t>(1)                      // nextMulti
        .put<std::uint32_t>(0)                      // nextMultiOffset
        .put<std::uint32_t>(716)                    // oldestXid
        .put<std::uint32_t>(1)                      // oldestXidDB
        .put<std::uint32_t>(1)                      // oldestMulti
        .put<std::uint32_t>(1)                      // oldestMultiDB
        .zeros(4)
        .put<std::int64_t>(0)                       // time
        .put<std::uint32_t>(0)                      // oldestCommitTsXid
        .put<std::uint32_t>(0)                      // newestCommitTsXid
        .put<std::uint32_t>(740)                    // oldestActiveXid
        .zeros(4);                                  // tail padding (sizeof 88)
    REQUIRE(b.v.size() == sizeof(CheckPoint));
    return b.v;
}

}  // namespace

TEST_CASE("XLOG (17+): wal_level in checkpoints and end of recovery, CHECKPOINT_REDO") {
    use_utc();
    const auto cp = checkpoint_bytes(/*WAL_LEVEL_LOGICAL*/ 2);
    // xlogdesc.c 14-16: no wal_level; the same bytes' padding is not read.
    const std::string tail =
        "xid 2:740; oid 24576; multi 1; offset 0; oldest xid 716 in DB 1; oldest multi 1 in DB 1; "
        "oldest/newest commit timestamp xid: 0/0; oldest running xid 740; online";
    for (const WalFormat* f : {&kPg14, &kWalFormatPg15, &kPg16}) {
        CAPTURE(f->major_version);
        CHECK(describe(record(RM_XLOG_ID, XLOG_CHECKPOINT_ONLINE, cp, *f)) ==
              "redo 0/1000028; tli 1; prev tli 1; fpw true; " + tail);
        CHECK(identify(RM_XLOG_ID, XLOG_CHECKPOINT_REDO, *f) == "(null)");
    }
    // 17/18: "fpw %s; wal_level %s; xid ..." (get_wal_level_string).
    for (const WalFormat* f : {&kPg17, &kPg18}) {
        CAPTURE(f->major_version);
        CHECK(describe(record(RM_XLOG_ID, XLOG_CHECKPOINT_ONLINE, cp, *f)) ==
              "redo 0/1000028; tli 1; prev tli 1; fpw true; wal_level logical; " + tail);
        CHECK(identify(RM_XLOG_ID, XLOG_CHECKPOINT_REDO, *f) == "CHECKPOINT_REDO");
        // XLOG_CHECKPOINT_REDO: "wal_level %s" of its int.
        CHECK(describe(record(RM_XLOG_ID, XLOG_CHECKPOINT_REDO, Bytes().put<int>(1).v, *f)) ==
              "wal_level replica");
        CHECK(describe(record(RM_XLOG_ID, XLOG_CHECKPOINT_REDO, Bytes().put<int>(7).v, *f)) ==
              "wal_level ?");
    }

    // xl_end_of_recovery: 16 bytes before 17, 24 with wal_level from 17.
    Bytes eor;
    eor.put<std::int64_t>(0).put<std::uint32_t>(2).put<std::uint32_t>(1);
    CHECK(describe(record(RM_XLOG_ID, XLOG_END_OF_RECOVERY, eor.v, kPg16)) ==
          "tli 2; prev tli 1; time 2000-01-01 00:00:00.000000 UTC");
    // A 17 record needs its wal_level: 16 bytes are cut short.
    CHECK(describe(record(RM_XLOG_ID, XLOG_END_OF_RECOVERY, eor.v, kPg17)).find("record truncated") !=
          std::string::npos);
    eor.put<std::int32_t>(1).zeros(4);
    CHECK(describe(record(RM_XLOG_ID, XLOG_END_OF_RECOVERY, eor.v, kPg17)) ==
          "tli 2; prev tli 1; time 2000-01-01 00:00:00.000000 UTC; wal_level replica");
}

TEST_CASE("Database (14): CREATE at 0x00 and DROP at 0x10; 15+ CREATE_FILE_COPY/WAL_LOG/DROP") {
    const auto create = Bytes()
                            .put<std::uint32_t>(16616)  // db_id
                            .put<std::uint32_t>(1663)   // tablespace_id
                            .put<std::uint32_t>(1)      // src_db_id
                            .put<std::uint32_t>(1663)   // src_tablespace_id
                            .v;
    CHECK(identify(RM_DBASE_ID, 0x00, kPg14) == "CREATE");
    CHECK(describe(record(RM_DBASE_ID, 0x00, create, kPg14)) == "copy dir 1663/1 to 1663/16616");
    CHECK(identify(RM_DBASE_ID, 0x00, kPg16) == "CREATE_FILE_COPY");

    // 14's DROP is 0x10, where 15+ has CREATE_WAL_LOG; 14 has nothing at 0x20.
    const auto drop = Bytes().put<std::uint32_t>(16616).put<std::int32_t>(2).put<std::uint32_t>(1663)
                          .put<std::uint32_t>(16610).v;
    CHECK(identify(RM_DBASE_ID, 0x10, kPg14) == "DROP");
    CHECK(describe(record(RM_DBASE_ID, 0x10, drop, kPg14)) == "dir 1663/16616 16610/16616");
    CHECK(identify(RM_DBASE_ID, 0x20, kPg14) == "(null)");
    CHECK(describe(record(RM_DBASE_ID, 0x20, drop, kPg14)).empty());
    for (const WalFormat* f : {&kWalFormatPg15, &kPg16, &kPg17, &kPg18}) {
        CAPTURE(f->major_version);
        CHECK(identify(RM_DBASE_ID, 0x10, *f) == "CREATE_WAL_LOG");
        CHECK(identify(RM_DBASE_ID, 0x20, *f) == "DROP");
        CHECK(describe(record(RM_DBASE_ID, 0x20, drop, *f)) == "dir 1663/16616 16610/16616");
    }
}

TEST_CASE("CLOG, CommitTs, MultiXact (17+): int64 page numbers move the fields after them") {
    // 14-16: int pageno.
    CHECK(describe(record(RM_CLOG_ID, 0x00, Bytes().put<std::int32_t>(3).v, kPg16)) == "page 3");
    CHECK(describe(record(RM_CLOG_ID, 0x10,
                          Bytes().put<std::int32_t>(64).put<std::uint32_t>(2097152)
                              .put<std::uint32_t>(5).v,
                          kPg14)) == "page 64; oldestXact 2097152");
    // 17+: int64 pageno ("page %lld" / PRId64).
    CHECK(describe(record(RM_CLOG_ID, 0x00, Bytes().put<std::int64_t>(5000000000).v, kPg17)) ==
          "page 5000000000");
    CHECK(describe(record(RM_CLOG_ID, 0x10,
                          Bytes().put<std::int64_t>(64).put<std::uint32_t>(2097152)
                              .put<std::uint32_t>(5).v,
                          kPg18)) == "page 64; oldestXact 2097152");
    // A 15-sized CLOG zero-page record read as 17 is short.
    CHECK(describe(record(RM_CLOG_ID, 0x00, Bytes().put<std::int32_t>(3).v, kPg17))
              .find("record truncated") != std::string::npos);

    CHECK(describe(record(RM_COMMIT_TS_ID, 0x00, Bytes().put<std::int64_t>(7).v, kPg17)) == "7");
    CHECK(describe(record(RM_COMMIT_TS_ID, 0x10,
                          Bytes().put<std::int64_t>(2560).put<std::uint32_t>(2097152).v, kPg17)) ==
          "pageno 2560, oldestXid 2097152");
    CHECK(describe(record(RM_COMMIT_TS_ID, 0x10,
                          Bytes().put<std::int32_t>(2560).put<std::uint32_t>(2097152).v, kPg16)) ==
          "pageno 2560, oldestXid 2097152");

    CHECK(describe(record(RM_MULTIXACT_ID, 0x00, Bytes().put<std::int64_t>(9).v, kPg18)) == "9");
    CHECK(describe(record(RM_MULTIXACT_ID, 0x10, Bytes().put<std::int32_t>(9).v, kPg14)) == "9");
}

TEST_CASE("Standby (16+): running_xacts lists subxacts and spells out the overflow") {
    // xl_running_xacts: xcnt 2, subxcnt 1, overflow, nextXid, oldestRunningXid,
    // latestCompletedXid, then xids[xcnt + subxcnt].
    const auto data = Bytes()
                          .put<std::int32_t>(2)
                          .put<std::int32_t>(1)
                          .put<std::uint8_t>(1)
                          .zeros(3)
                          .put<std::uint32_t>(900)
                          .put<std::uint32_t>(850)
                          .put<std::uint32_t>(899)
                          .put<std::uint32_t>(850)
                          .put<std::uint32_t>(851)
                          .put<std::uint32_t>(852)
                          .v;
    const std::string head = "nextXid 900 latestCompletedXid 899 oldestRunningXid 850; 2 xacts: 850 851";
    CHECK(describe(record(RM_STANDBY_ID, XLOG_RUNNING_XACTS, data, kPg14)) == head + "; subxid ovf");
    CHECK(describe(record(RM_STANDBY_ID, XLOG_RUNNING_XACTS, data, kWalFormatPg15)) ==
          head + "; subxid ovf");
    for (const WalFormat* f : {&kPg16, &kPg17, &kPg18}) {
        CAPTURE(f->major_version);
        CHECK(describe(record(RM_STANDBY_ID, XLOG_RUNNING_XACTS, data, *f)) ==
              head + "; subxid overflowed; 1 subxacts: 852");
    }
}

TEST_CASE("invalidation messages (18+): relsync") {
    // xl_invalidations: dbId, tsId, relcacheInitFileInval, nmsgs, then one relsync message
    // (SharedInvalRelSyncMsg: id -6, dbId, relid).
    const auto data = Bytes()
                          .put<std::uint32_t>(5)
                          .put<std::uint32_t>(1663)
                          .put<std::uint8_t>(0)
                          .zeros(3)
                          .put<std::int32_t>(1)
                          .put<std::int8_t>(-6)
                          .zeros(3)
                          .put<std::uint32_t>(5)
                          .put<std::uint32_t>(16400)
                          .zeros(4)
                          .v;
    CHECK(describe(record(RM_STANDBY_ID, XLOG_INVALIDATIONS, data, kPg18)) ==
          "; inval msgs: relsync 16400");
    CHECK(describe(record(RM_STANDBY_ID, XLOG_INVALIDATIONS, data, kPg17)) ==
          "; inval msgs: unrecognized id -6");
}

TEST_CASE("Transaction: dropped stats (15+, 18's 64-bit objid), 14's texts and prepare layout") {
    use_utc();
    // Commit with xinfo: DROPPED_STATS, APPLY_FEEDBACK, ORIGIN.
    const std::uint32_t xinfo = XACT_XINFO_HAS_DROPPED_STATS | XACT_COMPLETION_APPLY_FEEDBACK |
                                XACT_XINFO_HAS_ORIGIN;
    auto commit = [&](bool v18) {
        Bytes b;
        b.put<std::int64_t>(0).put<std::uint32_t>(xinfo).put<std::int32_t>(1);
        b.put<std::int32_t>(2).put<std::uint32_t>(5).put<std::uint32_t>(16384);  // kind, db, objid(_lo)
        if (v18) b.put<std::uint32_t>(1);                                         // objid_hi
        b.put<std::uint64_t>(0x2000060).put<std::int64_t>(0);  // xl_xact_origin
        return b.v;
    };
    const std::uint8_t info = XLOG_XACT_COMMIT | XLOG_XACT_HAS_INFO;
    const std::string t0 = "2000-01-01 00:00:00.000000 UTC";
    const std::string origin = "; origin: node 1, lsn 0/2000060, at " + t0;
    auto rec15 = commit(false);
    auto r = record(RM_XACT_ID, info, rec15, kPg17);
    r.record_origin = 1;
    CHECK(describe(r) == t0 + "; dropped stats: 2/5/16384; apply_feedback" + origin);
    auto rec18 = commit(true);
    r = record(RM_XACT_ID, info, rec18, kPg18);
    r.record_origin = 1;
    CHECK(describe(r) == t0 + "; dropped stats: 2/5/4294983680; apply_feedback" + origin);

    // 14: no DROPPED_STATS part (that xinfo bit means nothing), no apply_feedback text.
    Bytes c14;
    c14.put<std::int64_t>(0)
        .put<std::uint32_t>(XACT_COMPLETION_APPLY_FEEDBACK | XACT_XINFO_HAS_ORIGIN)
        .put<std::uint64_t>(0x2000060)
        .put<std::int64_t>(0);
    r = record(RM_XACT_ID, info, c14.v, kPg14);
    r.record_origin = 1;
    CHECK(describe(r) == t0 + origin);

    // Abort with origin: 14 prints no origin, 15+ does.
    Bytes a;
    a.put<std::int64_t>(0).put<std::uint32_t>(XACT_XINFO_HAS_ORIGIN).put<std::uint64_t>(0x2000060)
        .put<std::int64_t>(0);
    r = record(RM_XACT_ID, XLOG_XACT_ABORT | XLOG_XACT_HAS_INFO, a.v, kPg14);
    r.record_origin = 1;
    CHECK(describe(r) == t0);
    r.format = &kPg16;
    CHECK(describe(r) == t0 + origin);

    // 14's prepare: a 64-byte header (no stats counts), gid "g1", one commit rel.
    Bytes p;
    p.put<std::uint32_t>(0x57F94534).put<std::uint32_t>(0).put<std::uint32_t>(731)
        .put<std::uint32_t>(5)                       // database
        .put<std::int64_t>(0)                        // prepared_at
        .put<std::uint32_t>(10)                      // owner
        .put<std::int32_t>(0)                        // nsubxacts
        .put<std::int32_t>(1)                        // ncommitrels
        .put<std::int32_t>(0)                        // nabortrels
        .put<std::int32_t>(0)                        // ninvalmsgs
        .put<std::uint8_t>(0).zeros(1)               // initfileinval
        .put<std::uint16_t>(3)                       // gidlen
        .put<std::uint64_t>(0).put<std::int64_t>(0)  // origin_lsn, origin_timestamp
        .str("g1").zeros(5)                          // gid, MAXALIGNed
        .put<std::uint32_t>(16610).put<std::uint32_t>(5).put<std::uint32_t>(16611)
        .zeros(4);
    REQUIRE(p.v.size() == 64 + 8 + 16);
    CHECK(describe(record(RM_XACT_ID, XLOG_XACT_PREPARE, p.v, kPg14)) ==
          "gid g1: " + t0 + "; rels(commit): pg_tblspc/16610/PG_14_202107181/5/16611");
    // The same bytes read with 15's 72-byte header are not the same record.
    CHECK(describe(record(RM_XACT_ID, XLOG_XACT_PREPARE, p.v, kWalFormatPg15)) !=
          describe(record(RM_XACT_ID, XLOG_XACT_PREPARE, p.v, kPg14)));
}

TEST_CASE("relpathperm: each version's tablespace directory") {
    const RelFileNode r{16610, 5, 16611};
    CHECK(relpathperm(r, MAIN_FORKNUM, kPg14) == "pg_tblspc/16610/PG_14_202107181/5/16611");
    CHECK(relpathperm(r, MAIN_FORKNUM, kWalFormatPg15) == "pg_tblspc/16610/PG_15_202209061/5/16611");
    CHECK(relpathperm(r, FSM_FORKNUM, kPg16) == "pg_tblspc/16610/PG_16_202307071/5/16611_fsm");
    CHECK(relpathperm(r, MAIN_FORKNUM, kPg17) == "pg_tblspc/16610/PG_17_202406281/5/16611");
    CHECK(relpathperm(r, MAIN_FORKNUM, kPg18) == "pg_tblspc/16610/PG_18_202506291/5/16611");
    CHECK(relpathperm({1663, 5, 16384}, VISIBILITYMAP_FORKNUM, kPg18) == "base/5/16384_vm");
    CHECK(relpathperm({1664, 0, 1262}, MAIN_FORKNUM, kPg14) == "global/1262");
    // Storage/CREATE in a tablespace (smgrdesc.c: relpathperm(rlocator, forkNum)).
    const auto create = Bytes().put<std::uint32_t>(16610).put<std::uint32_t>(5)
                            .put<std::uint32_t>(16611).put<std::int32_t>(0).v;
    CHECK(describe(record(RM_SMGR_ID, 0x10, create, kPg17)) ==
          "pg_tblspc/16610/PG_17_202406281/5/16611");
}

TEST_CASE("waldump frame: 14 names no compression method; every version has a frame") {
    for (int major : {14, 15, 16, 17, 18})
        CHECK(waldump::display_frame(format_of(major)).major_version == major);

    // One block reference with a compressed image (hole 100 at 200, 2000 bytes stored).
    auto line = [](const WalFormat& f, bool detailed) {
        DecodedRecord rec;
        rec.xl_rmid = RM_XLOG_ID;
        rec.xl_info = XLOG_FPI;
        rec.xl_tot_len = 2100;
        rec.format = &f;
        rec.max_block_id = 0;
        DecodedBkpBlock& b = rec.blocks[0];
        b.in_use = true;
        b.rnode = {1663, 5, 16384};
        b.forknum = MAIN_FORKNUM;
        b.blkno = 7;
        b.has_image = true;
        b.apply_image = true;
        b.hole_offset = 200;
        b.hole_length = 100;
        b.bimg_len = 2000;
        b.compression = ImageCompression::Pglz;
        std::string out;
        waldump::append_record_line(out, rec, detailed);
        return out.substr(out.find("desc: "));
    };
    // pg_waldump.c 14: " (FPW%s); hole: offset: %u, length: %u, compression saved: %u".
    CHECK(line(kPg14, true) ==
          "desc: FPI \n\tblkref #0: rel 1663/5/16384 fork main blk 7 (FPW); hole: offset: 200, "
          "length: 100, compression saved: 6092\n");
    // xlogdesc.c 15+: ", method: %s" after it.
    for (const WalFormat* f : {&kWalFormatPg15, &kPg16, &kPg17, &kPg18}) {
        CAPTURE(f->major_version);
        CHECK(line(*f, true) ==
              "desc: FPI \n\tblkref #0: rel 1663/5/16384 fork main blk 7 (FPW); hole: offset: "
              "200, length: 100, compression saved: 6092, method: pglz\n");
    }
    CHECK(line(kPg14, false) == "desc: FPI , blkref #0: rel 1663/5/16384 blk 7 FPW\n");
    CHECK(line(kPg18, false) == "desc: FPI , blkref #0: rel 1663/5/16384 blk 7 FPW\n");
}

TEST_CASE("waldump --stats: 14 has no range line and prints an empty table; 15+ print nothing") {
    waldump::Stats stats;
    stats.format = &kPg14;
    std::string out14;
    waldump::append_stats(out14, stats, false);
    // XLogDumpDisplayStats (14): the header, 22 rmgr rows, the rule and the total.
    CHECK(out14.rfind("Type ", 0) == 0);
    CHECK(out14.find("WAL statistics between") == std::string::npos);
    CHECK(out14.find("\nLogicalMessage ") != std::string::npos);
    CHECK(out14.find("\nTotal ") != std::string::npos);

    stats.format = &kPg16;
    std::string out16;
    waldump::append_stats(out16, stats, false);
    CHECK(out16.empty());

    // One record each way: 16 starts with the range line, 14 with the header.
    RecordSummary s;
    s.xl_rmid = RM_XACT_ID;
    s.xl_info = XLOG_XACT_COMMIT;
    s.rec_len = 34;
    for (const WalFormat* f : {&kPg14, &kPg16}) {
        waldump::Stats st;
        st.format = f;
        st.startptr = 0x1000028;
        st.endptr = 0x1000050;
        st.add(s);
        std::string out;
        waldump::append_stats(out, st, true);
        CAPTURE(out);
        const std::string first_line = f == &kPg14
                                           ? std::string("Type ")
                                           : std::string("WAL statistics between 0/1000028 and 0/1000050:\n");
        CHECK(out.rfind(first_line, 0) == 0);
        CHECK(out.find("Transaction/COMMIT ") != std::string::npos);
    }
}

}  // namespace understudy
