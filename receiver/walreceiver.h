// The walreceiver's control loop (PG15 walreceiver.c WalReceiverMain, receivelog.c
// ReceiveXlogStream, pg_receivewal.c StreamLog): a libuv loop that connects without blocking,
// runs IDENTIFY_SYSTEM / TIMELINE_HISTORY / READ_REPLICATION_SLOT / START_REPLICATION, hands the
// socket to a StreamingSession, follows timeline switches, and reconnects with capped exponential
// backoff. SIGINT/SIGTERM: flush, final reply, clean exit.
//
// Made to be embedded: the later `standby` command runs it on one thread with a replayer on
// another; set_apply_lsn() feeds the apply position into replies, wake_for_reply() asks for an
// immediate reply, flushed_lsn() tells how far WAL is durable. Those three are thread-safe.
// ReceiverOptions::on_flushed tells the embedder of every new flushed position as it happens.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/latency_trace.h"
#include "common/lsn.h"
#include "common/result.h"

namespace understudy::receiver {

struct ReceiverOptions {
    std::string conninfo;                         // the user's --primary (any libpq conninfo/URI)
    std::optional<std::string> application_name;  // nullopt: conninfo's, else "understudy"
    std::string wal_dir;
    std::string slot;  // empty: no slot
    bool create_slot = false;
    std::optional<XLogRecPtr> endpos;
    // Where to start when --wal-dir holds no WAL yet (from the start of its segment, on the
    // primary's timeline); nullopt: the slot's restart_lsn, else the primary's position.
    std::optional<XLogRecPtr> start_lsn;
    bool loop = true;  // reconnect after a lost connection
    std::chrono::milliseconds status_interval{10000};
    std::chrono::milliseconds timeout{60000};
    std::string status_file;  // empty: none
    bool handle_signals = true;  // SIGINT/SIGTERM stop the receiver
    std::chrono::milliseconds backoff_min{500};
    std::chrono::milliseconds backoff_max{15000};
    // Called on the receiver's thread for every 'w' / 'k' message (see SessionConfig).
    std::function<void(XLogRecPtr data_end, XLogRecPtr wal_end, std::int64_t send_time)> on_primary_message;
    // Clock round trips with each periodic reply (see SessionConfig::on_round_trip).
    std::function<void(std::int64_t sent, std::int64_t primary_time, std::int64_t received)> on_round_trip;
    // Called on the receiver's thread each time the flushed position advances, right after the
    // fsync (PG15 walreceiver.c XLogWalRcvFlush -> WakeupRecovery): an embedding replayer
    // wakes here instead of polling flushed_lsn().
    std::function<void(XLogRecPtr flushed)> on_flushed;
    // Send hot standby feedback ('h') with the xmin given by set_feedback_xmin().
    bool hot_standby_feedback = false;
    // The standby's commit path trace (see common/latency_trace.h); null: off.
    LatencyTrace* trace = nullptr;
};

// What the receiver is doing (as pg_stat_wal_receiver.status tells of PostgreSQL's).
enum class ReceiverActivity {
    starting,      // run() not yet called
    connecting,    // connecting, or running the setup commands before the stream
    streaming,     // in the replication stream
    reconnecting,  // waiting out the backoff after a failure
    stopped,
};
const char* activity_name(ReceiverActivity a);

class WalReceiver {
public:
    explicit WalReceiver(ReceiverOptions opts);
    ~WalReceiver();
    WalReceiver(const WalReceiver&) = delete;
    WalReceiver& operator=(const WalReceiver&) = delete;

    // Runs the loop until --endpos, a stop request, or a failure that retrying cannot fix.
    Result<void> run();

    // Thread-safe controls for an embedding owner. set_apply_lsn only ever moves the apply
    // position forward, and sends an immediate reply unless `wake` is false (then the next
    // reply carries it): from the calling thread when the receiver's thread is idle, else by
    // waking that thread.
    void set_apply_lsn(XLogRecPtr lsn, bool wake = true);
    // The xmin (and epoch) that hot standby feedback reports (0: none known yet).
    void set_feedback_xmin(std::uint32_t xmin, std::uint32_t epoch);
    void wake_for_reply();
    void request_stop();
    XLogRecPtr flushed_lsn() const;
    XLogRecPtr received_lsn() const;
    // The timeline being received (0 before the start position is known).
    TimeLineID timeline() const;
    ReceiverActivity activity() const;
    // When the last message from the primary arrived ('w' or 'k'; PostgreSQL timestamp, as
    // pg_stat_wal_receiver.last_msg_receipt_time); 0 before the first.
    std::int64_t last_message_receipt_time() const;
    // Reconnections so far by reason: connect_failed, setup_failed, timeout,
    // primary_ended_stream, stream_error, and sqlstate_XXXXX for a server error that carries
    // one (sqlstate_57P01: the walsender was terminated).
    std::map<std::string, std::uint64_t> reconnects_by_reason() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace understudy::receiver
