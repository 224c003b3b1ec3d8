// Replication message encode/decode with the exact byte layouts of PostgreSQL 15's protocol
// documentation (protocol-replication.html: XLogData, Primary keepalive, Standby status update,
// Hot standby feedback; all integers big-endian).
#include <doctest/doctest.h>

#include <vector>

#include "receiver/protocol.h"

using namespace understudy;
using namespace understudy::receiver;

namespace {
std::vector<std::uint8_t> bytes(std::initializer_list<int> v) {
    std::vector<std::uint8_t> out;
    for (int b : v) out.push_back(static_cast<std::uint8_t>(b));
    return out;
}
ResultRows one_row(std::vector<std::string> cols, std::vector<std::optional<std::string>> row) {
    ResultRows r;
    r.columns = std::move(cols);
    r.rows.push_back(std::move(row));
    return r;
}
}  // namespace

TEST_CASE("standby status update: 'r', write, flush, apply, sendTime as Int64, replyRequested as Byte1") {
    StandbyStatusUpdate m{0x0000000100000002ULL, 0x0000000300000004ULL, 0, 0x0102030405060708LL, true};
    auto b = encode_status_update(m);
    auto expected = bytes({'r', 0, 0, 0, 1, 0, 0, 0, 2,  // write
                           0, 0, 0, 3, 0, 0, 0, 4,       // flush
                           0, 0, 0, 0, 0, 0, 0, 0,       // apply
                           1, 2, 3, 4, 5, 6, 7, 8,       // sendTime
                           1});
    CHECK(std::vector<std::uint8_t>(b.begin(), b.end()) == expected);
    auto back = decode_status_update(b);
    REQUIRE(back.ok());
    CHECK(back->write == m.write);
    CHECK(back->flush == m.flush);
    CHECK(back->apply == 0);
    CHECK(back->sendTime == m.sendTime);
    CHECK(back->replyRequested);
}

TEST_CASE("hot standby feedback: 'h', sendTime Int64, four Int32 xids") {
    HotStandbyFeedback m{0x0A, 0x11223344, 2, 0x55667788, 3};
    auto b = encode_hot_standby_feedback(m);
    auto expected = bytes({'h', 0, 0, 0, 0, 0, 0, 0, 0x0A, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 2, 0x55, 0x66, 0x77,
                           0x88, 0, 0, 0, 3});
    CHECK(std::vector<std::uint8_t>(b.begin(), b.end()) == expected);
}

TEST_CASE("XLogData decodes dataStart, walEnd, sendTime and the payload; round trip") {
    auto raw = bytes({'w', 0, 0, 0, 0, 0x01, 0x00, 0x00, 0x28,  // dataStart 0/1000028
                      0, 0, 0, 0, 0x01, 0x00, 0x01, 0x00,       // walEnd 0/1000100
                      0, 0, 0, 0, 0, 0, 0, 42,                  // sendTime
                      0xDE, 0xAD, 0xBE});
    auto m = decode_copy_message(raw);
    REQUIRE(m.ok());
    auto* w = std::get_if<XLogDataMessage>(&*m);
    REQUIRE(w != nullptr);
    CHECK(w->dataStart == 0x1000028);
    CHECK(w->walEnd == 0x1000100);
    CHECK(w->sendTime == 42);
    CHECK(std::vector<std::uint8_t>(w->data.begin(), w->data.end()) == bytes({0xDE, 0xAD, 0xBE}));
    CHECK(encode_xlog_data(*w) == raw);
}

TEST_CASE("keepalive decodes walEnd, sendTime, replyRequested; round trip") {
    auto raw = bytes({'k', 0, 0, 0, 2, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 1, 0, 1});
    auto m = decode_copy_message(raw);
    REQUIRE(m.ok());
    auto* k = std::get_if<KeepaliveMessage>(&*m);
    REQUIRE(k != nullptr);
    CHECK(k->walEnd == 0x200000010ULL);
    CHECK(k->sendTime == 256);
    CHECK(k->replyRequested);
    auto enc = encode_keepalive(*k);
    CHECK(std::vector<std::uint8_t>(enc.begin(), enc.end()) == raw);
}

TEST_CASE("malformed copy messages are errors, not crashes") {
    CHECK_FALSE(decode_copy_message({}).ok());
    CHECK_FALSE(decode_copy_message(bytes({'w', 0, 0, 0})).ok());
    CHECK_FALSE(decode_copy_message(bytes({'k', 0, 0})).ok());
    auto unknown = decode_copy_message(bytes({'x', 1, 2}));
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.message().find("unrecognized streaming header") != std::string::npos);
}

TEST_CASE("current_timestamp counts microseconds from 2000-01-01") {
    // 2026 is about 26.9 years after 2000: between 8.4e14 and 8.6e14 microseconds.
    auto t = current_timestamp();
    CHECK(t > 840'000'000'000'000LL);
    CHECK(t < 1'000'000'000'000'000LL);
}

TEST_CASE("IDENTIFY_SYSTEM, READ_REPLICATION_SLOT, TIMELINE_HISTORY, end-of-timeline results") {
    auto id = parse_identify_system(
        one_row({"systemid", "timeline", "xlogpos", "dbname"}, {"7310936452069017745", "2", "0/3000148", std::nullopt}));
    REQUIRE(id.ok());
    CHECK(id->systemid == 7310936452069017745ULL);
    CHECK(id->timeline == 2);
    CHECK(id->xlogpos == 0x3000148);
    CHECK_FALSE(parse_identify_system(one_row({"systemid", "timeline", "xlogpos"}, {"x", "1", "0/0"})).ok());

    auto none = parse_read_replication_slot(
        one_row({"slot_type", "restart_lsn", "restart_tli"}, {std::nullopt, std::nullopt, std::nullopt}));
    REQUIRE(none.ok());
    CHECK_FALSE(none->exists);
    auto slot = parse_read_replication_slot(one_row({"slot_type", "restart_lsn", "restart_tli"}, {"physical", "0/1A2B3C", "1"}));
    REQUIRE(slot.ok());
    CHECK(slot->exists);
    CHECK(slot->restart_lsn == XLogRecPtr{0x1A2B3C});
    CHECK(slot->restart_tli == TimeLineID{1});
    auto unreserved = parse_read_replication_slot(
        one_row({"slot_type", "restart_lsn", "restart_tli"}, {"physical", std::nullopt, std::nullopt}));
    REQUIRE(unreserved.ok());
    CHECK(unreserved->exists);
    CHECK_FALSE(unreserved->restart_lsn.has_value());

    auto hist = parse_timeline_history(one_row({"filename", "content"}, {"00000002.history", "1\t0/3000148\tno recovery target specified\n"}), 2);
    REQUIRE(hist.ok());
    CHECK(hist->content == "1\t0/3000148\tno recovery target specified\n");
    CHECK_FALSE(parse_timeline_history(one_row({"filename", "content"}, {"00000003.history", ""}), 2).ok());
    // Content that readTimeLineHistory would not accept is refused before anything is stored.
    for (const char* bad : {"", "garbage\n", "1\tnot-an-lsn\treason\n", "2\t0/3000000\tr\n",
                            "1\t0/3000000\tr\n1\t0/4000000\tr\n", "0\t0/1\tr\n"}) {
        auto h = parse_timeline_history(one_row({"filename", "content"}, {"00000002.history", bad}), 2);
        CHECK_FALSE(h.ok());
        if (!h.ok()) CHECK(h.message().find("00000002.history") != std::string::npos);
    }
    CHECK(check_timeline_history_content("# comment\n\n1\t0/3000148\tr\n2\t0/5000000\tr\n", 3).ok());
    CHECK_FALSE(check_timeline_history_content("1\t0/5000000\tr\n2\t0/3000000\tr\n", 3).ok());

    auto eot = parse_end_of_timeline(one_row({"next_tli", "next_tli_startpos"}, {"2", "0/3000148"}));
    REQUIRE(eot.ok());
    CHECK(eot->next_tli == 2);
    CHECK(eot->next_tli_startpos == 0x3000148);
}

TEST_CASE("SHOW wal_segment_size is parsed with its unit and checked") {
    CHECK(*parse_wal_segment_size(one_row({"wal_segment_size"}, {"16MB"})) == 16u * 1024 * 1024);
    CHECK(*parse_wal_segment_size(one_row({"wal_segment_size"}, {"1MB"})) == 1024u * 1024);
    CHECK(*parse_wal_segment_size(one_row({"wal_segment_size"}, {"1GB"})) == 1024u * 1024 * 1024);
    CHECK_FALSE(parse_wal_segment_size(one_row({"wal_segment_size"}, {"3MB"})).ok());
    CHECK_FALSE(parse_wal_segment_size(one_row({"wal_segment_size"}, {"16 parsecs"})).ok());
}

TEST_CASE("command texts") {
    CHECK(start_replication_command("", 0x3000000, 1) == "START_REPLICATION PHYSICAL 0/3000000 TIMELINE 1");
    CHECK(start_replication_command("s1", 0x1000000A0ULL, 2) ==
          "START_REPLICATION SLOT \"s1\" PHYSICAL 1/A0 TIMELINE 2");
    CHECK(create_physical_slot_command("s1") == "CREATE_REPLICATION_SLOT \"s1\" PHYSICAL RESERVE_WAL");
    CHECK(read_replication_slot_command("s1") == "READ_REPLICATION_SLOT \"s1\"");
    CHECK(timeline_history_command(3) == "TIMELINE_HISTORY 3");
    CHECK(is_valid_slot_name("understudy_1"));
    CHECK_FALSE(is_valid_slot_name("Bad-Name"));
    CHECK_FALSE(is_valid_slot_name(""));
}
