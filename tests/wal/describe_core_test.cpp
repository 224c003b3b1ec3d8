// Describe routines of the core resource managers (XLOG, Transaction, Storage, CLOG, Database,
// Tablespace, MultiXact, RelMap, Standby, Sequence, CommitTs, ReplicationOrigin, Generic,
// LogicalMessage) on real records: the main data and xl_info of records PostgreSQL 15.1 wrote
// (tests/workloads/all_rmgrs.sql and tests/workloads/desc_core_extras.sh), each with the text
// pg_waldump 15.1 printed for it ("desc: <identify> <desc>"), in the time zone UTC.
#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "wal/decoded_record.h"
#include "wal/describe/desc_utils.h"
#include "redo/rmgr.h"

namespace understudy {
namespace {

struct Sample {
    const char* name;
    std::uint8_t rmid;
    std::uint8_t xl_info;
    RepOriginId origin;
    const char* main_data_hex;
    const char* identify;  // pg_waldump's record type
    const char* desc;      // pg_waldump's description after the record type
};

// clang-format off
const Sample kSamples[] = {
    // desc_core_extras.sh phase 2, lsn 0/020497A0
    {"CLOG/TRUNCATE", 3, 0x10, 0,
         "400000000000200001000000",
         "TRUNCATE",
         "page 64; oldestXact 2097152"},
    // all_rmgrs.sql, lsn 0/02B8B598
    {"CLOG/ZEROPAGE", 3, 0x00, 0,
         "01000000",
         "ZEROPAGE",
         "page 1"},
    // desc_core_extras.sh phase 2, lsn 0/020497C8
    {"CommitTs/TRUNCATE", 18, 0x10, 0,
         "000a000000002000",
         "TRUNCATE",
         "pageno 2560, oldestXid 2097152"},
    // all_rmgrs.sql, lsn 0/02A06DD8
    {"CommitTs/ZEROPAGE", 18, 0x00, 0,
         "01000000",
         "ZEROPAGE",
         "1"},
    // all_rmgrs.sql, lsn 0/02FDABA0
    {"Database/CREATE_FILE_COPY", 4, 0x01, 0,
         "e84000007f060000040000007f060000",
         "CREATE_FILE_COPY",
         "copy dir 1663/4 to 1663/16616"},
    // all_rmgrs.sql, lsn 0/02BBB878
    {"Database/CREATE_WAL_LOG", 4, 0x10, 0,
         "e74000007f060000",
         "CREATE_WAL_LOG",
         "create dir 1663/16615"},
    // all_rmgrs.sql, lsn 0/02FDBAE0
    {"Database/DROP", 4, 0x21, 0,
         "e7400000010000007f060000",
         "DROP",
         "dir 1663/16615"},
    // all_rmgrs.sql, lsn 0/029B7890
    {"Generic/Generic", 20, 0x00, 0,
         "",
         "Generic",
         ""},
    // all_rmgrs.sql, lsn 0/02A0CD08
    {"LogicalMessage/MESSAGE", 21, 0x00, 0,
         "05000000005600000a0000000000000003000000000000007764745f62797465730000ff10",
         "MESSAGE",
         "non-transactional, prefix \"wdt_bytes\"; payload (3 bytes): 00 FF 10"},
    // all_rmgrs.sql, lsn 0/015F2828
    {"MultiXact/CREATE_ID", 6, 0x20, 0,
         "010000000100000002000000df02000001000000e002000004000000",
         "CREATE_ID",
         "1 offset 1 nmembers 2: 735 (sh) 736 (nokeyupd) "},
    // desc_core_extras.sh phase 1, lsn 0/0160C998
    {"MultiXact/TRUNCATE_ID", 6, 0x30, 0,
         "0100000001000000350800000100000069100000",
         "TRUNCATE_ID",
         "offsets [1, 2101), members [1, 4201)"},
    // all_rmgrs.sql, lsn 0/015F2800
    {"MultiXact/ZERO_MEM_PAGE", 6, 0x10, 0,
         "00000000",
         "ZERO_MEM_PAGE",
         "0"},
    // desc_core_extras.sh phase 1, lsn 0/01583190
    {"MultiXact/ZERO_OFF_PAGE", 6, 0x00, 0,
         "01000000",
         "ZERO_OFF_PAGE",
         "1"},
    // all_rmgrs.sql, lsn 0/02BBB8A0
    {"RelMap/UPDATE", 7, 0x00, 0,
         "e74000007f060000000200001727590011000000eb040000eb040000e1040000e1040000e7040000e7040000df040000"
         "df040000140b0000140b0000150b0000150b00004b1000004b1000004c1000004c100000820a0000820a0000830a0000"
         "830a00008f0a00008f0a0000900a0000900a0000620a0000620a0000630a0000630a0000660a0000660a0000670a0000"
         "670a00007f0d00007f0d0000000000000000000000000000000000000000000000000000000000000000000000000000"
         "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
         "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
         "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
         "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
         "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
         "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
         "0000000000000000000000000000000000000000000000000000000000000000000000006b329cd100000000",
         "UPDATE",
         "database 16615 tablespace 1663 size 512"},
    // all_rmgrs.sql, lsn 0/02A0D0D0
    {"ReplicationOrigin/DROP", 19, 0x10, 0,
         "0100",
         "DROP",
         "drop 1"},
    // all_rmgrs.sql, lsn 0/02A0CFB0
    {"ReplicationOrigin/SET", 19, 0x00, 0,
         "7856341200000000010001862f7f0000",
         "SET",
         "set 1; lsn 0/12345678; force: 1"},
    // all_rmgrs.sql, lsn 0/02A001E8
    {"Sequence/LOG", 15, 0x00, 0,
         "7f06000005000000724000000200000000000000000000000000000001000300000b1800010000000000000000000000"
         "0000000000",
         "LOG",
         "rel 1663/5/16498"},
    // desc_core_extras.sh phase 1, lsn 0/015DC108
    {"Standby/INVALIDATIONS", 8, 0x20, 0,
         "050000007f06000000000000010000001508000000000000cd530dcc94550000",
         "INVALIDATIONS",
         "; inval msgs: catcache 21"},
    // all_rmgrs.sql, lsn 0/015007D8
    {"Standby/LOCK", 8, 0x00, 0,
         "01000000d40200000500000000400000",
         "LOCK",
         "xid 724 db 5 rel 16384 "},
    // all_rmgrs.sql, lsn 0/0301CFF8
    {"Standby/RUNNING_XACTS", 8, 0x10, 0,
         "0000000000000000001c13be948400009484000093840000",
         "RUNNING_XACTS",
         "nextXid 33940 latestCompletedXid 33939 oldestRunningXid 33940"},
    // all_rmgrs.sql, lsn 0/01500808
    {"Storage/CREATE", 2, 0x11, 0,
         "7f060000050000000040000000000000",
         "CREATE",
         "base/5/16384"},
    // all_rmgrs.sql, lsn 0/01C59C88
    {"Storage/TRUNCATE", 2, 0x21, 0,
         "120000007f060000050000004340000007000000",
         "TRUNCATE",
         "base/5/16451 to 18 blocks flags 7"},
    // all_rmgrs.sql, lsn 0/02B992E0
    {"Tablespace/CREATE", 5, 0x00, 0,
         "e24000002f746d702f64632d77616c2d6f66662f747300",
         "CREATE",
         "16610 \"/tmp/dc-wal-off/ts\""},
    // all_rmgrs.sql, lsn 0/02FDCAA8
    {"Tablespace/DROP", 5, 0x10, 0,
         "e2400000",
         "DROP",
         "16610"},
    // all_rmgrs.sql, lsn 0/02A06BA0
    {"Transaction/ABORT", 1, 0x20, 0,
         "b076addcce030300",
         "ABORT",
         "2026-11-21 21:32:10.633904 UTC"},
    // all_rmgrs.sql, lsn 0/02A0C1A8
    {"Transaction/ABORT_PREPARED", 1, 0xC0, 0,
         "708daddcce030300d3000000050000007f0600000100000096030000950300007764745f6769645f61626f727400",
         "ABORT_PREPARED",
         "917: 2026-11-21 21:32:10.639728 UTC; subxacts: 918"},
    // all_rmgrs.sql, lsn 0/02A06CE8
    {"Transaction/ASSIGNMENT", 1, 0x50, 0,
         "2f0300000100000030030000",
         "ASSIGNMENT",
         "xtop 815: subxacts: 816"},
    // all_rmgrs.sql, lsn 0/015AD5D0
    {"Transaction/COMMIT", 1, 0x80, 0,
         "1e40a6dcce03030001000000050000007f060000",
         "COMMIT",
         "2026-11-21 21:32:10.161182 UTC"},
    // desc_core_extras.sh phase 1, lsn 0/0152B440
    {"Transaction/COMMIT_PREPARED", 1, 0xB0, 1,
         "5ccbefedce030300f1000000050000007f060000db02000064635f6f726967696e5f7072657000ffccbbaa00000000c0"
         "9733bb5dea0200",
         "COMMIT_PREPARED",
         "731: 2026-11-21 21:37:00.193628 UTC; origin: node 1, lsn 0/AABBCCFF, at 2026-01-02 03:04:0"
         "7.000000 UTC"},
    // all_rmgrs.sql, lsn 0/02990908
    {"Transaction/INVALIDATION", 1, 0x60, 0,
         "01000000fb03000005000000310a000000000000",
         "INVALIDATION",
         "; inval msgs: snapshot 2609"},
    // desc_core_extras.sh phase 1, lsn 0/0152B340
    {"Transaction/PREPARE", 1, 0x10, 1,
         "3445f957e4000000db0200000500000027cbefedce0303000a0000000000000000000000000000000000000000000000"
         "0000000000030f00ffccbbaa00000000c09733bb5dea020064635f6f726967696e5f70726570000014000000017f0000"
         "db020000000000000000000000000501070000000500000014000000017f000005000000004000000000000000000001"
         "030000000500000038000000020000000100000000000000000000000000000000000000000000000000000000000000"
         "0000000000000000000000000000000000400000000000000000000000000000",
         "PREPARE",
         "gid dc_origin_prep: 2026-11-21 21:37:00.193575 UTC; origin: node 1, lsn 0/AABBCCFF, at 202"
         "6-01-02 03:04:07.000000 UTC"},
    // all_rmgrs.sql, lsn 0/040000D8
    {"XLOG/BACKUP_END", 0, 0x50, 0,
         "2800000400000000",
         "BACKUP_END",
         "0/4000028"},
    // all_rmgrs.sql, lsn 0/02FDAB28
    {"XLOG/CHECKPOINT_ONLINE", 0, 0x10, 0,
         "f0aafd0200000000010000000100000001000000000000008e84000000000000006000000300000005000000cc020000"
         "01000000010000000100000000000000db0d026b00000000d40200008c8400008d84000000000000",
         "CHECKPOINT_ONLINE",
         "redo 0/2FDAAF0; tli 1; prev tli 1; fpw true; xid 0:33934; oid 24576; multi 3; offset 5; ol"
         "dest xid 716 in DB 1; oldest multi 1 in DB 1; oldest/newest commit timestamp xid: 724/3393"
         "2; oldest running xid 33933; online"},
    // desc_core_extras.sh phase 1, lsn 0/01585580
    {"XLOG/CHECKPOINT_SHUTDOWN", 0, 0x00, 0,
         "8055580100000000010000000100000001000000000000005e0b0000000000000e4000003508000069100000cc020000"
         "01000000010000000100000000000000010f026b00000000d40200005d0b00000000000000000000",
         "CHECKPOINT_SHUTDOWN",
         "redo 0/1585580; tli 1; prev tli 1; fpw true; xid 0:2910; oid 16398; multi 2101; offset 420"
         "1; oldest xid 716 in DB 1; oldest multi 1 in DB 1; oldest/newest commit timestamp xid: 724"
         "/2909; oldest running xid 0; shutdown"},
    // desc_core_extras.sh phase 3, lsn 0/05001448
    {"XLOG/END_OF_RECOVERY", 0, 0x90, 0,
         "d583faeece0303000200000001000000",
         "END_OF_RECOVERY",
         "tli 2; prev tli 1; time 2026-11-21 21:37:17.673429 UTC"},
    // all_rmgrs.sql, lsn 0/01523340
    {"XLOG/FPI", 0, 0xB0, 0,
         "",
         "FPI",
         ""},
    // all_rmgrs.sql, lsn 0/0150ADD0
    {"XLOG/FPI_FOR_HINT", 0, 0xA0, 0,
         "",
         "FPI_FOR_HINT",
         ""},
    // desc_core_extras.sh phase 1, lsn 0/01585490
    {"XLOG/FPW_CHANGE", 0, 0x80, 0,
         "00",
         "FPW_CHANGE",
         "false"},
    // all_rmgrs.sql, lsn 0/015007B8
    {"XLOG/NEXTOID", 0, 0x30, 0,
         "00600000",
         "NEXTOID",
         "24576"},
    // desc_core_extras.sh phase 2, lsn 0/03000028
    {"XLOG/OVERWRITE_CONTRECORD", 0, 0xD0, 0,
         "80d4ff020000000075446ceece030300",
         "OVERWRITE_CONTRECORD",
         "lsn 0/2FFD480; time 2026-11-21 21:37:08.351093 UTC"},
    // desc_core_extras.sh phase 1, lsn 0/015855F8
    {"XLOG/PARAMETER_CHANGE", 0, 0x60, 0,
         "3c000000080000000500000005000000460000000200000000010000",
         "PARAMETER_CHANGE",
         "max_connections=60 max_worker_processes=8 max_wal_senders=5 max_prepared_xacts=5 max_locks"
         "_per_xact=70 wal_level=logical wal_log_hints=off track_commit_timestamp=on"},
    // all_rmgrs.sql, lsn 0/0301D0A8
    {"XLOG/RESTORE_POINT", 0, 0x70, 0,
         "9896c9dcce0303007764745f726573746f72655f706f696e740025be3f5600001062a3cf3f560000d88eb2cf3f560000"
         "008cb2cf3f560000f08db2cf3f560000c01fd8f4fd7f0000",
         "RESTORE_POINT",
         "wdt_restore_point"},
    // all_rmgrs.sql, lsn 0/0301D110
    {"XLOG/SWITCH", 0, 0x40, 0,
         "",
         "SWITCH",
         ""},
    // all_rmgrs.sql, lsn 0/02A0D020
    {"commit origin", 1, 0x80, 1,
         "9896addcce03030021000000050000007f06000089674523000000004013ef361e3e0200",
         "COMMIT",
         "2026-11-21 21:32:10.642072 UTC; origin: node 1, lsn 0/23456789, at 2020-01-02 03:04:05.000"
         "000 UTC"},
    // desc_core_extras.sh phase 1, lsn 0/0152AE88
    {"commit apply_feedback", 1, 0x80, 0,
         "15c8efedce03030001000020050000007f060000",
         "COMMIT",
         "2026-11-21 21:37:00.192789 UTC; apply_feedback"},
    // all_rmgrs.sql, lsn 0/02B99348
    {"commit sync", 1, 0x80, 0,
         "32bab0dcce03030009000080050000007f0600000100000043000000000000004babdafb00000000",
         "COMMIT",
         "2026-11-21 21:32:10.847794 UTC; inval msgs: catcache 67; sync"},
    // all_rmgrs.sql, lsn 0/0166B3E0
    {"commit rels", 1, 0x81, 0,
         "82f9a6dcce0303004d000000050000007f060000010000007f060000050000002b400000030000003700000005000000"
         "eae08eb7000000003600000005000000afbf697700000000fe00d8f4050000002b40000000000000",
         "COMMIT",
         "2026-11-21 21:32:10.208642 UTC; rels: base/5/16427; inval msgs: catcache 55 catcache 54 re"
         "lcache 16427"},
    // all_rmgrs.sql, lsn 0/02B993C0
    {"smgr tblspc", 2, 0x11, 0,
         "e240000005000000e340000000000000",
         "CREATE",
         "pg_tblspc/16610/PG_15_202209061/5/16611"},
    // all_rmgrs.sql, lsn 0/015F2A30
    {"commit subxacts", 1, 0x80, 0,
         "4c87a6dcce03030003000000050000007f06000001000000e3020000",
         "COMMIT",
         "2026-11-21 21:32:10.179404 UTC; subxacts: 739"},
    // all_rmgrs.sql, lsn 0/02FDBB48
    {"commit dropped stats", 1, 0x80, 0,
         "f9e3c8dcce03030009010080050000007f0600000100000001000000e740000000000000020000001500000000000000"
         "9a518cd30000000015000000000000009a518cd300000000",
         "COMMIT",
         "2026-11-21 21:32:12.431353 UTC; dropped stats: 1/16615/0; inval msgs: catcache 21 catcache"
         " 21; sync"},
    // all_rmgrs.sql, lsn 0/0301C2E8
    {"commit relcache init", 1, 0x81, 0,
         "b974c9dcce0303004d010040050000007f060000040000007f06000005000000eb0400007f060000050000007f0d0000"
         "7f06000005000000670a00007f06000005000000660a0000010000000200000005000000ea400000c500000050000000"
         "050000008559439a3f5600004f8ba5cf05000000387bd5bd3f560000500000000500000019c380943f5600004f000000"
         "05000000758252b80200000037000000050000000118c103140000003600000005000000387bd5bd0000000007000000"
         "0500000050afe94d00000000060200000500000045d1e2d53f5600000700000005000000311e02f70000000006000000"
         "050000006fb05cb33f5600000700000005000000843f75f33f5600000600000005000000402b471a3f56000007000000"
         "05000000259d739f020000000600000005000000f4a5fd263f5600000700000005000000cdd5920e000000000688a5cf"
         "05000000e9f122d50000000007020000050000005d108ce83f56000006000000050000007ead106d3f56000007000000"
         "0500000019dc6fca0000000006000000050000009f506d993f56000007840000050000004813a43affffffff06840000"
         "05000000dd0f1190ffffffff0700000005000000c30be87f0000000006840000050000003e3ae707ffffffff07682126"
         "05000000e888c5260500000006f4746c0500000052aaf3b00500000007b7611605000000921c3fa305000000061c16cf"
         "050000004f12698c050000000707a19a050000007d6b6c8b05000000064ff35905000000b34ed4e90500000007501842"
         "05000000948abcb80500000006bef6860500000034eff62c050000000700000005000000bee912e82000000006002100"
         "05000000fe246ff70a00230007000b0005000000cd5d19192f0a00000600000005000000e5d01f490000000007000000"
         "0500000054a492263f56000006060000050000005ff86a14300a00000700000005000000d9f05fd30000000006000000"
         "05000000137839443f5600000706000005000000d70f9207120e00000648a3cf0500000043695d590000000007000000"
         "05000000e00c94f23f5600000606000005000000ddd6785e130e00000700000005000000d339c8480000000006000000"
         "05000000e92ee7973f5600000706000005000000eb7da011100e000006000000050000007d09def33f56000007000000"
         "05000000792e30483f5600000606000005000000fc2ce38b110e000007a9b4cf05000000d094fdbb0000000006000000"
         "05000000ed2cbf463f5600000706000005000000baf728c7b40e00000660a3cf050000007871e6490000000007000000"
         "050000007e2216703f56000006060000050000004987ecdf070c00000748a3cf05000000b885a8cc0000000006000000"
         "050000005407bbea3f560000070600000500000044b0571c1809000006000000050000000e8ba78b0000000007000000"
         "0500000043f8058a3f560000060600000500000088ed61238905000007000000050000002f823ce93f56000006000000"
         "05000000760cf5db3f5600000706000005000000e8d5fe3ddf1700000600000005000000ee0ca5770000000007000000"
         "050000004b4378f53f5600000606000005000000376f3ecb5e180000079cb4cf05000000ab6066490000000006000000"
         "0500000045e33bba3f5600000706000005000000fb0acfee5f1800000648a3cf050000004d2c73160000000007000000"
         "050000008021aef23f5600000606000005000000b48057dce01700000700000005000000781c02960000000006000000"
         "05000000545f17ec3f5600000706000005000000abf46035e117000006ffffff05000000c3efd7600000000007000000"
         "050000004ba785a33f5600000606000005000000b6b86eb8e417000007000000050000009256807c0000000006000000"
         "0500000014641f1f3f5600000706000005000000c3d05543e517000006a2b4cf05000000451eb4743f560000ff000000"
         "05000000eb0400003f56000037060000050000000e5f2cde650d00003648a3cf050000007fa9f7501700000037000000"
         "050000002fb32b213f5600003606000005000000d10197f78a0500003700000005000000f67c3be20000000036000000"
         "0500000001870ff83f5600003706000005000000f0f71f4ae1040000360000000500000029f48cf20000000037000000"
         "050000000e5f2cde3f56000036060000050000007fa9f750e704000050f9accf0500000019c38094000000004f000000"
         "05000000758252b83f56000050060000050000008559439aeb0400004fa1b4cf05000000387bd5bd0000000007000000"
         "05000000c3d055433f5600000606000005000000451eb4742c0a00000748a3cf050000009256807c0000000006000000"
         "0500000014641f1f3f56000007060000050000004ba785a32e0a00000600000005000000b6b86eb83500180007000000"
         "05000000abf460353f5600000606000005000000c3efd760330a00000700000005000000781c02960000000006000000"
         "05000000545f17ec3f56000007060000050000008021aef2320a00000600000005000000b48057dc0000000007000000"
         "0500000050afe94d3f560000060600000500000045d1e2d5390a00000700000005000000311e02f72d00000006000000"
         "050000006fb05cb33f5600000706000005000000843f75f3c10a00000648a3cf05000000402b471a0200000007000000"
         "05000000259d739f3f5600000606000005000000f4a5fd26380a00000700000005000000cdd5920e0000000006000000"
         "05000000e9f122d53f56000007060000050000005d108ce8290a000006ffffff050000007ead106d0000000007000000"
         "0500000019dc6fca3f56000006060000050000009f506d992a0a000007000000050000004813a43a0000000006000000"
         "05000000dd0f11903f5600000706000005000000c30be87f2b0a00000610dc0c050000003e3ae707f00c1c10070fc900"
         "05000000e888c526c8000036060d44100500000052aaf3b058105c0f0700000005000000921c3fa300cf540d0610340f"
         "050000004f12698c200fc30007007c0d050000007d6b6c8b900dbc10060ec10005000000b34ed4e9c000008d070de410"
         "05000000948abcb8f810bc0e060000340500000034eff62c0032f40d0711940e05000000bee912e8800ebb0006951c0e"
         "05000000fe246ff7300e5c11070eb90005000000cd5d1919b8000000060e841105000000e5d01f4998111c0e070000cf"
         "0500000054a492260000940e0611f40d050000005ff86a14e00db3000736bc0e05000000d9f05fd3d00efc11060db100"
         "0500000013783944b0000036070e241205000000d70f920738127c0d060000000500000043695d590036340f0712540d"
         "05000000e00c94f2400dab0006945c0f05000000ddd6785e700f9c12070da90005000000d339c848a8000000060fc412"
         "05000000e92ee797d812dc0c0700005605000000eb7da0110066d40f0613b40c050000007d09def3a00ca3000700fc0f"
         "05000000792e304810103c13060ca10005000000fc2ce38ba00000000710641305000000d094fdbb78133c0c06000056"
         "05000000ed2cbf46007674100713140c05000000baf728c7000c9b0006cf9c10050000007871e649b010dc13070b9900"
         "050000007e2216709800000006100414050000004987ecdf18149c0b0700000005000000b885a8cc000014110614740b"
         "050000005407bbea600b930007003c110500000044b0571c50117c14060b9100050000000e8ba78b900000560711a414"
         "0500000043f8058ab814fc0a060000000500000088ed61230000b4110714d40a050000002f823ce9c00a8b000656dc11"
         "05000000760cf5dbf0111c15070a890005000000e8d5fe3d880000560612441505000000ee0ca57758155c0a07000000"
         "050000004b4378f5000054120615340a05000000376f3ecb200a830007007c1205000000ab6066499012bc1506098100"
         "0500000045e33bba800000000712e41505000000fb0acfeef815bc0906000000050000004d2c73160000f41237169409"
         "050000000118c10380097b0036cf1c1305000000387bd5bd30135c16fb84000005000000300a000000000000fe000000"
         "05000000ea4000002f7f0000fe651b8605000000ea40000000000000fe1ad8f405000000eb04000000000000fe1ad8f4"
         "05000000ea40000000000000fe18d8f405000000660a000000000000fe56200105000000eb0400003f560000fe923401"
         "05000000660a00003f560000fe18d8f405000000670a000000000000feb5b9cf05000000eb04000000000000fede2001"
         "05000000670a00003f560000fe18d8f4050000007f0d000000000000fee2b9cf05000000eb04000000000000fed42101"
         "050000007f0d00003f560000fe00208605000000eb04000000000000fb84000005000000300a000000000000fb840000"
         "05000000300a000001000000fe00000005000000ea40000000000000",
         "COMMIT",
         "2026-11-21 21:32:12.468409 UTC; rels: base/5/1259 base/5/3455 base/5/2663 base/5/2662; dro"
         "pped stats: 2/5/16618; relcache init file inval dbid 5 tsid 1663; inval msgs: catcache 80 "
         "catcache 79 catcache 80 catcache 79 catcache 55 catcache 54 catcache 7 catcache 6 catcache"
         " 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7"
         " catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 c"
         "atcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 cat"
         "cache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catca"
         "che 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcach"
         "e 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache "
         "6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 "
         "catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 ca"
         "tcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catc"
         "ache 7 catcache 6 catalog 1259 catcache 55 catcache 54 catcache 55 catcache 54 catcache 55"
         " catcache 54 catcache 55 catcache 54 catcache 55 catcache 54 catcache 80 catcache 79 catca"
         "che 80 catcache 79 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catca"
         "che 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcach"
         "e 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache "
         "7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 "
         "catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 ca"
         "tcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catc"
         "ache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcac"
         "he 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache"
         " 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6"
         " catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 55 catcache 54"
         " snapshot 2608 relcache 16618 relcache 16618 relcache 1259 relcache 16618 relcache 2662 re"
         "lcache 1259 relcache 2662 relcache 2663 relcache 1259 relcache 2663 relcache 3455 relcache"
         " 1259 relcache 3455 relcache 1259 snapshot 2608 snapshot 2608 relcache 16618"},
    // desc_core_extras.sh phase 1, lsn 0/0152B630
    {"abort prepared origin", 1, 0xC0, 1,
         "dbcbefedce030300f1000000050000007f060000dc02000064635f6f726967696e5f70726570320000cdbbaa00000000"
         "00da42bb5dea0200",
         "ABORT_PREPARED",
         "732: 2026-11-21 21:37:00.193755 UTC; origin: node 1, lsn 0/AABBCD00, at 2026-01-02 03:04:0"
         "8.000000 UTC"},
    // desc_core_extras.sh phase 1, lsn 0/0152F188
    {"prepare rels commit", 1, 0x10, 0,
         "3445f95734040000df020000050000009310f0edce0303000a0000000000000001000000000000000100000000000000"
         "1c00000001030d000000000000000000000000000000000064635f707265705f72656c73000000007f06000005000000"
         "0a4000000500000002000000050000000a400000050000005000000005000000550d178dc85500004f02000005000000"
         "51eef0cac855000050000000050000003e6f77cbc85500004f0000000500000068efd8ab020000000700000005000000"
         "f959c88a1400000006000000050000007f9729bd000000000700000005000000a8df1db5726967690602000005000000"
         "2eed82d6c85500000702000005000000712e186a0000050106000000050000008c31f371017f00000700000005000000"
         "917dfdfc000000010600000005000000f9664aa902000000070000000500000042959f5f000000000600000005000000"
         "6ed68a25000000000700000005000000baa8333b0000000006400000050000008e09ca15000000000700000005000000"
         "6a2674840000000006000000050000007b202cd90000000037080000050000003b915ccac855000036e2614005000000"
         "68efd8abc855000037e26140050000000e5f2cdec855000036040000050000007fa9f750c8550000fb02000005000000"
         "300a0000fffffffffb02000005000000300a0000fffffffffe000000050000000a40000000000000fb02000005000000"
         "300a0000fffffffffe00017005000000eb04000000000000fb02000000000000be0400000000000014000000017f0000"
         "df020000000000000000000000000501070000000000000014000000017f0000050000000a4000000000000000000001"
         "080000000000000014000000017f000005000000df0400000c4000000000080108000000c855000014000000017f0000"
         "05000000df0400000b40000000000801080000000200000014000000017f000000000000ec0400000d40000000000801"
         "010000000000000038000000020000000100000000000000000000000000000000000000000000000000000000000000"
         "00000000000000000000000000000000be04000001000000380000000200000000000000000000000100000000000000"
         "0100000000000000000000000000000000000000000000000000000000000000eb040000000000003800000002000000"
         "000000000000000000000000000000000700000000000000000000000000000000000000000000000000000000000000"
         "e10400000000000038000000020000000000000000000000000000000000000003000000000000000000000000000000"
         "00000000000000000000000000000000300a000000000000380000000200000000000000000000000000000000000000"
         "0200000000000000000000000000000000000000000000000000000000000000df040000000000000400000003000000"
         "010000000000000000000000007f0000",
         "PREPARE",
         "gid dc_prep_rels: 2026-11-21 21:37:00.211347 UTC; rels(commit): base/5/16394; commit dropp"
         "ed stats: 2/5/16394; relcache init file inval dbid 5 tsid 0; inval msgs: catcache 80 catca"
         "che 79 catcache 80 catcache 79 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catc"
         "ache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcac"
         "he 6 catcache 55 catcache 54 catcache 55 catcache 54 snapshot 2608 snapshot 2608 relcache "
         "16394 snapshot 2608 relcache 1259 snapshot 1214"},
    // all_rmgrs.sql, lsn 0/02A0BAA0
    {"prepare rels abort", 1, 0x10, 0,
         "3445f957a40300009403000005000000118baddcce0303000a0000000000000000000000010000000000000001000000"
         "1600000000030f00000000000000000000000000000000007764745f6769645f636f6d6d697400007f06000005000000"
         "7b4000007703000002000000050000007b4000007b0300005000000005000000555002163f5600004f00000005000000"
         "d8fb30080000000050000000050000001576efcb3f5600004f0400000500000010b00829000000003756208605000000"
         "c2f0b7f93f5600003600000005000000d8fb300800000000070200000500000093479fb73f5600000600d8f405000000"
         "8279efeb0000000007ffffff0500000043c9d8080000000006000000050000007768212600000d000700a5cf05000000"
         "bbf4746c00000000060000000500000097b761160d0000000700030005000000681c16cf110013000600000005000000"
         "0007a19a3f56000007ada7cf05000000884ff35925002700068aa5cf0500000075501842360038000700000005000000"
         "51bef6863f560000068da5cf05000000d78c69e5330300000789a5cf05000000003823b9000000000600000005000000"
         "86f6c28e3f560000fb03000005000000300a000000000000fe000000050000007b4000002f7f000014000000017f0000"
         "050000007b4000000000000000000001080000000500000014000000017f000094030000000000000000000000000501"
         "070000000500000014000000017f000005000000370a00009808000000000801010000000500000014000000017f0000"
         "050000007840000000000000000000010300000005000000380000000200000007000000000000000000000000000000"
         "0000000000000000000000000000000000000000000000000000000000000000e1040000000000003800000002000000"
         "010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
         "eb0400000000000038000000020000000300000000000000000000000000000000000000000000000000000000000000"
         "00000000000000000000000000000000300a000000000000380000000200000002000000000000000000000000000000"
         "0000000000000000000000000000000000000000000000000000000000000000df040000000000003800000002000000"
         "010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
         "78400000000000000000000000000000",
         "PREPARE",
         "gid wdt_gid_commit: 2026-11-21 21:32:10.639121 UTC; rels(abort): base/5/16507; abort dropp"
         "ed stats: 2/5/16507; inval msgs: catcache 80 catcache 79 catcache 80 catcache 79 catcache "
         "55 catcache 54 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache "
         "7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 catcache 7 catcache 6 snapshot 26"
         "08 relcache 16507"},
    // all_rmgrs.sql, lsn 0/02A0C0A0
    {"prepare subxacts", 1, 0x10, 0,
         "3445f957ec0000009503000005000000328daddcce0303000a0000000100000000000000000000000000000000000000"
         "0000000000030e00000000000000000000000000000000007764745f6769645f61626f72740000009603000000000000"
         "14000000017f000005000000784000000000000000000001030000000000000014000000017f00009503000000000000"
         "0000000000000501070000003f5600003800000002000000020000000000000000000000000000000000000000000000"
         "00000000000000000000000000000000000000000000000078400000000000000000000000000000",
         "PREPARE",
         "gid wdt_gid_abort: 2026-11-21 21:32:10.639666 UTC; subxacts: 918"},
    // all_rmgrs.sql, lsn 0/02FDAAF0
    {"running xacts list", 8, 0x10, 0,
         "0100000000000000001c13be8e8400008d8400008c8400008d840000",
         "RUNNING_XACTS",
         "nextXid 33934 latestCompletedXid 33932 oldestRunningXid 33933; 1 xacts: 33933"},
    // desc_core_extras.sh phase 1, lsn 0/01531EF8
    {"running xacts ovf", 8, 0x10, 0,
         "010000000000000001ec893027030000e0020000df020000e0020000",
         "RUNNING_XACTS",
         "nextXid 807 latestCompletedXid 735 oldestRunningXid 736; 1 xacts: 736; subxid ovf"},
    // desc_core_extras.sh phase 1, lsn 0/015869E8
    {"standby invals relcache init", 8, 0x20, 0,
         "050000007f06000001000000030000003700000005000000e060337a945500003618a01f05000000d2d83f4d94550000"
         "fe00000105000000e704000094550000",
         "INVALIDATIONS",
         "; relcache init file inval dbid 5 tsid 1663; inval msgs: catcache 55 catcache 54 relcache "
         "1255"},
    // all_rmgrs.sql, lsn 0/02BB4600
    {"smgr fsm", 2, 0x11, 0,
         "7f06000005000000e640000001000000",
         "CREATE",
         "base/5/16614_fsm"},
    // all_rmgrs.sql, lsn 0/0163C1B8
    {"smgr init", 2, 0x11, 0,
         "7f060000050000002640000003000000",
         "CREATE",
         "base/5/16422_init"},
    // all_rmgrs.sql, lsn 0/02BE0930
    {"smgr vm", 2, 0x11, 0,
         "7f060000e74000003b0a000002000000",
         "CREATE",
         "base/16615/2619_vm"},
    // all_rmgrs.sql, lsn 0/02A0CC38
    {"logical msg tx", 21, 0x00, 0,
         "050000000156000004000000000000001500000000000000776474007472616e73616374696f6e616c206d6573736167"
         "65",
         "MESSAGE",
         "transactional, prefix \"wdt\"; payload (21 bytes): 74 72 61 6E 73 61 63 74 69 6F 6E 61 6C 20"
         " 6D 65 73 73 61 67 65"},
};
// clang-format on

std::vector<std::uint8_t> from_hex(const std::string& hex) {
    std::vector<std::uint8_t> bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        bytes.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    return bytes;
}

DecodedRecord make_record(const Sample& s, std::span<const std::uint8_t> main_data) {
    DecodedRecord rec;
    rec.xl_rmid = s.rmid;
    rec.xl_info = s.xl_info;
    rec.record_origin = s.origin;
    rec.main_data = main_data;
    return rec;
}

std::string describe(const DecodedRecord& rec) {
    std::string out;
    find_rmgr(rec.xl_rmid)->describe(out, rec);
    return out;
}

// pg_waldump printed these in UTC; timestamptz_to_str uses the process's local time zone.
void use_utc() {
    setenv("TZ", "UTC", 1);
    tzset();
}

}  // namespace

TEST_CASE("describe (core rmgrs): real records read as pg_waldump prints them") {
    use_utc();
    for (const Sample& s : kSamples) {
        CAPTURE(s.name);
        const std::vector<std::uint8_t> data = from_hex(s.main_data_hex);
        const DecodedRecord rec = make_record(s, data);
        const RmgrInfo* rmgr = find_rmgr(s.rmid);
        REQUIRE(rmgr != nullptr);
        const char* id = rmgr->identify(s.xl_info);
        REQUIRE(id != nullptr);
        CHECK(std::string(id) == s.identify);
        CHECK(describe(rec) == s.desc);
    }
}

TEST_CASE("describe (core rmgrs): a record cut short is described without reading past it") {
    use_utc();
    for (const Sample& s : kSamples) {
        CAPTURE(s.name);
        const std::vector<std::uint8_t> data = from_hex(s.main_data_hex);
        // Every proper prefix, copied to its own buffer so a sanitizer sees any overread.
        for (std::size_t len = 0; len < data.size(); ++len) {
            CAPTURE(len);
            const std::vector<std::uint8_t> prefix(data.begin(), data.begin() + static_cast<long>(len));
            const std::string text = describe(make_record(s, prefix));
            if (len == 0) CHECK(text.find("record truncated") != std::string::npos);
        }
    }
}

TEST_CASE("identify (core rmgrs): PostgreSQL 15's names, nullptr for unknown types") {
    CHECK(std::string(xlog_identify(0x40)) == "SWITCH");
    CHECK(xlog_identify(0xC0) == nullptr);  // used in 9.5-11 only
    CHECK(std::string(xact_identify(0x60 | 0x80)) == "INVALIDATION");  // XLOG_XACT_HAS_INFO
    CHECK(xact_identify(0x70) == nullptr);
    CHECK(std::string(smgr_identify(0x20 | 0x01)) == "TRUNCATE");  // XLR_SPECIAL_REL_UPDATE
    CHECK(smgr_identify(0x00) == nullptr);
    CHECK(std::string(generic_identify(0x30)) == "Generic");
    // commit_ts_identify and replorigin_identify switch on the unmasked xl_info in PG15.
    CHECK(commit_ts_identify(0x10 | 0x02) == nullptr);
    CHECK(replorigin_identify(0x00 | 0x01) == nullptr);
    CHECK(std::string(replorigin_identify(0x10)) == "DROP");
    CHECK(std::string(logicalmsg_identify(0x00 | 0x02)) == "MESSAGE");
}

TEST_CASE("relpathperm: GetRelationPath's paths") {
    // As pg_waldump printed them in Storage/CREATE records of the workloads (see kSamples).
    CHECK(relpathperm({1663, 5, 16384}, MAIN_FORKNUM) == "base/5/16384");
    CHECK(relpathperm({1663, 5, 16614}, FSM_FORKNUM) == "base/5/16614_fsm");
    CHECK(relpathperm({1663, 16615, 2619}, VISIBILITYMAP_FORKNUM) == "base/16615/2619_vm");
    CHECK(relpathperm({1663, 5, 16422}, INIT_FORKNUM) == "base/5/16422_init");
    CHECK(relpathperm({16610, 5, 16611}, MAIN_FORKNUM) == "pg_tblspc/16610/PG_15_202209061/5/16611");
}

TEST_CASE("timestamptz_to_str: pg_waldump's text in the local time zone") {
    use_utc();
    // 2026-01-02 03:04:05.123456 UTC, as pg_waldump printed an origin timestamp set with
    // pg_replication_origin_xact_setup('...', '2026-01-02 03:04:05.123456+00').
    CHECK(timestamptz_to_str(820638245123456) == "2026-01-02 03:04:05.123456 UTC");
}

}  // namespace understudy
