// The streaming replication protocol as a physical standby speaks it (PostgreSQL 15,
// doc/src/sgml/protocol.sgml "Streaming Replication Protocol"). Pure encode/decode: bytes or
// result rows in, structs out; no I/O, no libpq.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/lsn.h"
#include "common/result.h"

namespace understudy::receiver {

// Microseconds since 2000-01-01 00:00:00 UTC (PostgreSQL's TimestampTz).
using TimestampTz = std::int64_t;

// GetCurrentTimestamp() (PG15 src/backend/utils/adt/timestamp.c), from the system clock.
TimestampTz current_timestamp();

// XLogData: 'w' dataStart walEnd sendTime data (PG15 walsender.c XLogSendPhysical).
struct XLogDataMessage {
    XLogRecPtr dataStart = 0;
    XLogRecPtr walEnd = 0;
    TimestampTz sendTime = 0;
    std::span<const std::uint8_t> data;  // points into the decoded buffer
};

// Primary keepalive: 'k' walEnd sendTime replyRequested (PG15 walsender.c WalSndKeepalive).
struct KeepaliveMessage {
    XLogRecPtr walEnd = 0;
    TimestampTz sendTime = 0;
    bool replyRequested = false;
};

using CopyMessage = std::variant<XLogDataMessage, KeepaliveMessage>;

// Decodes one CopyData payload from the primary (walreceiver.c XLogWalRcvProcessMsg).
Result<CopyMessage> decode_copy_message(std::span<const std::uint8_t> buf);

// Encoders used by the tests (and documenting the formats symmetrically).
std::vector<std::uint8_t> encode_xlog_data(const XLogDataMessage& m);
std::array<std::uint8_t, 18> encode_keepalive(const KeepaliveMessage& m);

// Standby status update: 'r' write flush apply sendTime replyRequested
// (PG15 walreceiver.c XLogWalRcvSendReply).
struct StandbyStatusUpdate {
    XLogRecPtr write = 0;
    XLogRecPtr flush = 0;
    XLogRecPtr apply = 0;
    TimestampTz sendTime = 0;
    bool replyRequested = false;
};
inline constexpr std::size_t kStatusUpdateSize = 1 + 8 + 8 + 8 + 8 + 1;
std::array<std::uint8_t, kStatusUpdateSize> encode_status_update(const StandbyStatusUpdate& m);
Result<StandbyStatusUpdate> decode_status_update(std::span<const std::uint8_t> buf);

// Hot standby feedback: 'h' sendTime xmin xmin_epoch catalog_xmin catalog_xmin_epoch
// (PG15 walreceiver.c XLogWalRcvSendHSFeedback). Used by the standby command later.
struct HotStandbyFeedback {
    TimestampTz sendTime = 0;
    std::uint32_t xmin = 0;
    std::uint32_t xmin_epoch = 0;
    std::uint32_t catalog_xmin = 0;
    std::uint32_t catalog_xmin_epoch = 0;
};
inline constexpr std::size_t kHotStandbyFeedbackSize = 1 + 8 + 4 * 4;
std::array<std::uint8_t, kHotStandbyFeedbackSize> encode_hot_standby_feedback(const HotStandbyFeedback& m);

// A query result in text form, as libpq returns it (NULL = nullopt). Built by connection.cpp.
struct ResultRows {
    std::vector<std::string> columns;
    std::vector<std::vector<std::optional<std::string>>> rows;
};

// IDENTIFY_SYSTEM: systemid, timeline, xlogpos, dbname (PG15 walsender.c IdentifySystem).
struct IdentifySystemResult {
    std::uint64_t systemid = 0;
    TimeLineID timeline = 0;
    XLogRecPtr xlogpos = 0;
};
Result<IdentifySystemResult> parse_identify_system(const ResultRows& r);

// READ_REPLICATION_SLOT name: slot_type, restart_lsn, restart_tli (PG15 walsender.c
// ReadReplicationSlot). All NULL when the slot does not exist.
struct ReadReplicationSlotResult {
    bool exists = false;
    std::optional<XLogRecPtr> restart_lsn;
    std::optional<TimeLineID> restart_tli;
};
Result<ReadReplicationSlotResult> parse_read_replication_slot(const ResultRows& r);

// TIMELINE_HISTORY tli: filename, content (PG15 walsender.c SendTimeLineHistory).
struct TimelineHistoryResult {
    std::string filename;
    std::string content;
};
Result<TimelineHistoryResult> parse_timeline_history(const ResultRows& r, TimeLineID expected_tli);
// The lines of a `<tli>.history` file as readTimeLineHistory reads them (PG15 timeline.c):
// "<parentTLI> <switchpoint> <reason>", blank and '#' lines skipped, parent timelines
// increasing and below `tli`, switch points not decreasing, at least one for tli > 1.
Result<void> check_timeline_history_content(std::string_view content, TimeLineID tli);

// The result set after CopyDone when the primary ends a timeline: next_tli,
// next_tli_startpos (PG15 walsender.c StartReplication; receivelog.c ReadEndOfStreamingResult).
struct EndOfTimeline {
    TimeLineID next_tli = 0;
    XLogRecPtr next_tli_startpos = 0;
};
Result<EndOfTimeline> parse_end_of_timeline(const ResultRows& r);

// "SHOW wal_segment_size" -> bytes ("16MB" -> 16777216); checks PostgreSQL's limits
// (receivelog/streamutil.c RetrieveWalSegSize).
Result<std::uint32_t> parse_wal_segment_size(const ResultRows& r);

// Command texts (PG15 repl_gram.y).
std::string identify_system_command();
std::string show_wal_segment_size_command();
std::string timeline_history_command(TimeLineID tli);
std::string read_replication_slot_command(const std::string& slot);
std::string create_physical_slot_command(const std::string& slot);
std::string start_replication_command(const std::string& slot, XLogRecPtr start, TimeLineID tli);

// Slot names are [a-z0-9_]{1,63} (PG15 slot.c ReplicationSlotValidateName).
bool is_valid_slot_name(const std::string& name);

}  // namespace understudy::receiver
