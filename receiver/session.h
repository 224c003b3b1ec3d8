// A streaming session: from START_REPLICATION to the end of the COPY stream or an error
// (PG15 walreceiver.c WalReceiverMain's inner loop; receivelog.c HandleCopyStream). The caller's
// event loop calls on_readable() when the socket is readable and on_tick() periodically; the
// session runs the socket drain, writes, flushes and sends status updates.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <utility>
#include <optional>
#include <vector>

#include "common/latency_trace.h"
#include "common/lsn.h"
#include "common/result.h"
#include "receiver/connection.h"
#include "receiver/protocol.h"
#include "receiver/wal_writer.h"

namespace understudy::receiver {

using Clock = std::chrono::steady_clock;

struct SessionConfig {
    std::optional<XLogRecPtr> endpos;
    std::chrono::milliseconds status_interval{10000};  // 0: no periodic replies
    std::chrono::milliseconds timeout{60000};          // 0: never time out
    std::size_t max_drain_bytes = 8u << 20;            // write+flush at least this often
    // Called for every 'w' (data_end = end of its data) and 'k' (data_end = 0) message with the
    // primary's WAL end and send timestamp (the standby's lag tracking).
    std::function<void(XLogRecPtr data_end, XLogRecPtr wal_end, std::int64_t send_time)> on_primary_message;
    // Hot standby feedback: the xmin (and its epoch) to send in 'h' messages; empty: none sent.
    std::function<std::pair<std::uint32_t, std::uint32_t>()> feedback_xmin;
    // Clock round trips: with on_round_trip set, a reply every status_interval asks for an
    // answer (replyRequested) when none is outstanding; the walsender answers at once with a
    // keepalive whose replyRequested is false (PG15 walsender.c ProcessStandbyReplyMessage ->
    // WalSndKeepalive(false); a physical walsender's own keepalives ask for a reply), and that
    // answer's sendTime is the primary's clock between our request (`sent`) and its receipt
    // (`received`), our clock, as TimestampTz.
    std::function<void(std::int64_t sent, std::int64_t primary_time, std::int64_t received)> on_round_trip;
    // Called right after each fdatasync of the drain loop, before the reply that reports it
    // (PG15 XLogWalRcvFlush: WakeupRecovery() comes before XLogWalRcvSendReply()): the owner
    // wakes the replayer without waiting for the send.
    std::function<void()> on_flushed;
    // The mutex the owner holds while it calls the session, and that other threads take to
    // send a reply through it (send_reply): released during the drain's fdatasync, so that a
    // reply (the replayer's, after a commit) need not wait for the disk. Null: never released.
    std::mutex* conn_mutex = nullptr;
    // The standby's commit path trace (received, written, flushed, reply); null: off.
    LatencyTrace* trace = nullptr;
};

// What a status update carried; handed to the owner after every reply (status file, tests).
struct ReplyInfo {
    XLogRecPtr write = 0;
    XLogRecPtr flush = 0;
    XLogRecPtr apply = 0;
    XLogRecPtr primary_wal_end = 0;
    TimeLineID timeline = 0;
};

// How a session ended.
struct SessionEnd {
    enum class Kind {
        EndOfTimeline,  // the primary switched timelines: continue on next.next_tli
        ServerEnded,    // COPY ended without a new timeline (e.g. primary shutting down)
        EndposReached,  // --endpos flushed
        Stopped,        // stop() was called
    };
    Kind kind = Kind::ServerEnded;
    std::optional<EndOfTimeline> next;
};

class StreamingSession {
public:
    using ApplySource = std::function<XLogRecPtr()>;
    using ReplyObserver = std::function<void(const ReplyInfo&)>;

    StreamingSession(Connection& conn, WalWriter& writer, TimeLineID tli, SessionConfig cfg,
                     ApplySource apply, ReplyObserver on_reply);

    // Socket readable: drain, write, reply, fdatasync, reply. Returns the end if the stream ended.
    Result<std::optional<SessionEnd>> on_readable();
    // Periodic: status interval and --timeout (half: ask for a reply; full: error).
    Result<void> on_tick();
    // An immediate reply (e.g. the apply position moved).
    Result<void> send_reply(bool force, bool request_reply);
    // Hot standby feedback (XLogWalRcvSendHSFeedback, PG15): an 'h' message when the xmin
    // changed, at each status interval, or when forced. No-op without cfg.feedback_xmin.
    Result<void> send_feedback(bool force);
    // Stop on request: write and flush what arrived, final reply, CopyDone.
    Result<void> stop();
    // The SQLSTATE of the server error that ended the stream ("" when none, or not a server's).
    const std::string& error_sqlstate() const { return end_sqlstate_; }
    // Whether libpq holds unsent output (wait for writability and call flush_output()).
    bool wants_write() const { return output_pending_; }
    Result<void> flush_output();

    XLogRecPtr primary_wal_end() const { return primary_wal_end_; }

private:
    enum class Phase { Copying, EndingCopy };

    // Reads every complete message libpq holds or the socket has; false at end of COPY.
    Result<bool> drain(bool& capped);
    Result<void> handle_message(std::span<const std::uint8_t> msg);
    Result<void> write_pending();
    Result<void> write_flush_reply();
    // writer_.flush(), with cfg_.conn_mutex released during the fdatasync.
    Result<void> flush_writer();
    Result<std::optional<SessionEnd>> end_copy();
    Result<std::optional<SessionEnd>> collect_end_results();
    bool endpos_reached() const;

    Connection& conn_;
    WalWriter& writer_;
    TimeLineID tli_;
    SessionConfig cfg_;
    ApplySource apply_;
    ReplyObserver on_reply_;

    Phase phase_ = Phase::Copying;
    bool copy_end_sent_ = false;  // our CopyDone (after the primary's, at endpos, or on stop)
    std::vector<std::uint8_t> pending_;
    XLogRecPtr pending_start_ = 0;
    XLogRecPtr primary_wal_end_ = 0;
    bool output_pending_ = false;

    Clock::time_point last_receive_;
    Clock::time_point last_reply_;
    bool ping_sent_ = false;
    std::optional<std::int64_t> probe_sent_;  // our time of the oldest unanswered reply request
    Clock::time_point last_probe_;
    XLogRecPtr last_write_sent_ = 0;
    XLogRecPtr last_flush_sent_ = 0;
    XLogRecPtr last_apply_sent_ = 0;
    Clock::time_point last_feedback_;
    std::uint32_t last_feedback_xmin_ = 0;
    bool feedback_sent_ = false;

    std::optional<EndOfTimeline> end_of_timeline_;
    std::optional<std::string> end_error_;
    std::string end_sqlstate_;  // of end_error_, when the server gave one
};

// Turns a server error during streaming into the message the operator needs (e.g. WAL removed).
std::string explain_stream_error(const std::string& server_message, const std::string& slot, XLogRecPtr start,
                                 TimeLineID tli);

}  // namespace understudy::receiver
