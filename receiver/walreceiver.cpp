#include "receiver/walreceiver.h"

#include <uv.h>

#include <algorithm>
#include <exception>
#include <mutex>
#include <utility>

#include <fmt/format.h>

#include "common/log.h"
#include "receiver/connection.h"
#include "receiver/protocol.h"
#include "receiver/server_error.h"
#include "receiver/session.h"
#include "receiver/status_file.h"
#include "receiver/wal_writer.h"

namespace understudy::receiver {

namespace {

constexpr std::chrono::milliseconds kTickInterval{100};
constexpr const char* kSqlStateDuplicateObject = "42710";  // ERRCODE_DUPLICATE_OBJECT

std::string seconds_text(std::chrono::milliseconds d) { return fmt::format("{:.1f}", d.count() / 1000.0); }

}  // namespace

struct WalReceiver::Impl {
    enum class State { Idle, Backoff, Connecting, Setup, Streaming, Done };
    enum class Step { ShowSegmentSize, IdentifySystem, ReadSlot, CreateSlot, TimelineHistory, StartReplication };

    explicit Impl(ReceiverOptions o) : opts(std::move(o)), writer(opts.wal_dir), backoff(opts.backoff_min) {
        uv_loop_init(&loop);
        uv_timer_init(&loop, &timer);
        uv_signal_init(&loop, &sigint);
        uv_signal_init(&loop, &sigterm);
        uv_async_init(&loop, &async, on_async_cb);
        for (uv_handle_t* h : handles()) h->data = this;
    }

    ~Impl() {
        {
            std::lock_guard lock(async_mutex);
            async_open = false;
        }
        close_poll();
        for (uv_handle_t* h : handles())
            if (!uv_is_closing(h)) uv_close(h, nullptr);
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
    }

    std::array<uv_handle_t*, 4> handles() {
        return {reinterpret_cast<uv_handle_t*>(&timer), reinterpret_cast<uv_handle_t*>(&sigint),
                reinterpret_cast<uv_handle_t*>(&sigterm), reinterpret_cast<uv_handle_t*>(&async)};
    }

    // ---- libuv callbacks: no exception may cross them ----
    // Every callback runs holding conn_mutex: the connection, the session and the state are
    // then never touched by a reply_from_caller() on another thread at the same time.
    template <typename F>
    static void guarded(void* data, F&& f) {
        auto* self = static_cast<Impl*>(data);
        std::lock_guard lock(self->conn_mutex);
        try {
            f(*self);
            self->reply_if_requested();
        } catch (const std::exception& e) {
            self->finish(make_error(fmt::format("internal error: {}", e.what())));
        } catch (...) {
            self->finish(make_error("internal error"));
        }
    }
    static void on_poll_cb(uv_poll_t* h, int status, int events) {
        guarded(h->data, [&](Impl& s) { s.on_poll(status, events); });
    }
    static void on_timer_cb(uv_timer_t* h) {
        guarded(h->data, [](Impl& s) { s.on_tick(); });
    }
    static void on_signal_cb(uv_signal_t* h, int signum) {
        guarded(h->data, [&](Impl& s) {
            log::info("received signal {}; stopping", signum);
            s.stop_requested = true;
            s.do_stop();
        });
    }
    static void on_async_cb(uv_async_t* h) {
        guarded(h->data, [](Impl& s) { s.on_async(); });
    }

    Result<void> run() {
        if (auto r = writer.prepare_dir(); !r) return r;
        auto p = replication_conn_params(opts.conninfo, opts.application_name);
        if (!p) return p.error();
        params = std::move(*p);
        status.slot = opts.slot;
        uv_timer_start(&timer, on_timer_cb, kTickInterval.count(), kTickInterval.count());
        if (opts.handle_signals) {
            uv_signal_start(&sigint, on_signal_cb, SIGINT);
            uv_signal_start(&sigterm, on_signal_cb, SIGTERM);
        }
        {
            std::lock_guard lock(conn_mutex);
            if (stop_requested) do_stop();
            else start_connect();
        }
        uv_run(&loop, UV_RUN_DEFAULT);
        return result;
    }

    // ---- connection and poll handle ----
    void close_poll() {
        if (!poll) return;
        uv_poll_stop(poll);
        uv_close(reinterpret_cast<uv_handle_t*>(poll), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
        poll = nullptr;
        poll_fd = -1;
        poll_events = 0;
    }

    void close_connection() {
        session.reset();
        close_poll();
        conn.reset();
    }

    // One uv_poll per socket; re-created when PQsocket() changes (libpq may try several hosts).
    void watch(int events) {
        int fd = conn.socket();
        if (fd < 0) return on_failure("the connection to the primary has no socket", false);
        if (poll && poll_fd != fd) close_poll();
        if (!poll) {
            poll = new uv_poll_t;
            if (int rc = uv_poll_init_socket(&loop, poll, fd); rc != 0) {
                delete poll;
                poll = nullptr;
                return on_failure(fmt::format("could not watch the primary's socket: {}", uv_strerror(rc)), true);
            }
            poll->data = this;
            poll_fd = fd;
            poll_events = 0;
        }
        if (events == poll_events) return;  // already watching for exactly these
        poll_events = events;
        uv_poll_start(poll, events, on_poll_cb);
    }

    void start_connect() {
        state = State::Connecting;
        activity = ReceiverActivity::connecting;
        attempt_started = Clock::now();
        set_state_text("connecting");
        log::info("connecting to the primary ({})", params.redacted());
        auto c = Connection::start(params);
        if (!c) return on_failure(c.message(), is_permanent_connect_failure(c.message()));
        conn = std::move(*c);
        watch(UV_WRITABLE);  // libpq: after PQconnectStart, act as if PGRES_POLLING_WRITING
    }

    void on_poll(int status_code, int events) {
        if (state == State::Done) return;
        if (status_code < 0 && state != State::Connecting)
            return on_failure(fmt::format("error waiting on the primary's socket: {}", uv_strerror(status_code)), false);
        switch (state) {
            case State::Connecting: return continue_connect();
            case State::Setup: return continue_setup(events);
            case State::Streaming: return continue_streaming(events);
            default: return;
        }
    }

    void continue_connect() {
        auto want = conn.connect_poll();
        // PQconnectPoll may have closed the socket and opened another for the next host or
        // address, often under the same fd number: the old poll handle's epoll registration went
        // with the closed socket, and watch() would keep it (same number) and wait for events
        // that never come (with a multi-host conninfo and the first host down, each connect
        // attempt hung until --timeout). A new handle per step is registered on the socket now
        // open.
        close_poll();
        if (!want) {
            std::string msg = fmt::format("could not connect to the primary: {}", want.message());
            // libpq gives no SQLSTATE for a failed connection; it does say when the server asked
            // for a password that nothing (conninfo, PGPASSWORD, .pgpass) supplied.
            const bool needs_password = conn && PQconnectionNeedsPassword(conn.get()) == 1;
            return on_failure(msg, needs_password || is_permanent_connect_failure(msg));
        }
        switch (*want) {
            case PollWant::Read: return watch(UV_READABLE);
            case PollWant::Write: return watch(UV_WRITABLE);
            case PollWant::Done:
                log::info("connected to the primary (server {})", conn.server_version());
                if (const int major = conn.server_version_num() / 10000; major < 14 || major > 18)
                    log::warning("the primary runs PostgreSQL {}: understudy receive is tested with PostgreSQL 14 "
                                 "to 18 only",
                                 conn.server_version());
                state = State::Setup;
                return issue(Step::ShowSegmentSize, show_wal_segment_size_command());
        }
    }

    // ---- setup commands (async queries) ----
    void issue(Step s, const std::string& sql) {
        step = s;
        step_sql = sql;
        step_result.reset();
        step_error.reset();
        step_sqlstate.clear();
        log::debug("sending: {}", sql);
        if (auto r = conn.send_query(sql); !r) return on_failure(r.message(), false);
        auto flushed = conn.flush();
        if (!flushed) return on_failure(flushed.message(), false);
        watch(UV_READABLE | (*flushed ? 0 : UV_WRITABLE));
    }

    void continue_setup(int events) {
        bool output_pending = false;
        if (events & UV_WRITABLE) {
            auto flushed = conn.flush();
            if (!flushed) return on_failure(flushed.message(), false);
            output_pending = !*flushed;
        }
        if (auto r = conn.consume_input(); !r) return on_failure(r.message(), false);
        while (!conn.is_busy()) {
            PgResultPtr res = conn.next_result();
            if (!res) return on_step_done();
            auto st = PQresultStatus(res.get());
            if (st == PGRES_COPY_BOTH) return on_copy_both();
            if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
                if (!step_result) step_result = std::move(res);
            } else if (!step_error) {
                step_error = one_line(PQresultErrorMessage(res.get()));
                const char* code = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
                step_sqlstate = code != nullptr ? code : "";
            }
        }
        watch(UV_READABLE | (output_pending ? UV_WRITABLE : 0));
    }

    void on_step_done() {
        // A server without READ_REPLICATION_SLOT cannot be asked whether the slot exists: it is
        // created, and "already exists" (duplicate_object) means it is there.
        if (step_error && step == Step::CreateSlot && !has_read_replication_slot() &&
            step_sqlstate == kSqlStateDuplicateObject) {
            log::info("physical replication slot \"{}\" exists", opts.slot);
            return choose_start();
        }
        if (step_error) {
            std::string msg = explain_stream_error(*step_error, opts.slot, writer.write_pos(), writer.timeline());
            failure_sqlstate = step_sqlstate;
            return on_failure(fmt::format("{} failed: {}", step_sql, msg),
                              is_permanent_server_error(step_sqlstate, *step_error));
        }
        ResultRows rows = step_result ? result_rows(step_result.get()) : ResultRows{};
        switch (step) {
            case Step::ShowSegmentSize: return after_show_segment_size(rows);
            case Step::IdentifySystem: return after_identify_system(rows);
            case Step::ReadSlot: return after_read_slot(rows);
            case Step::CreateSlot:
                log::info("created physical replication slot \"{}\" (WAL reserved)", opts.slot);
                slot_created = true;
                if (!has_read_replication_slot()) return choose_start();
                return issue(Step::ReadSlot, read_replication_slot_command(opts.slot));
            case Step::TimelineHistory: return after_timeline_history(rows);
            case Step::StartReplication: return after_start_without_copy(rows);
        }
    }

    void after_show_segment_size(const ResultRows& rows) {
        auto size = parse_wal_segment_size(rows);
        if (!size) return on_failure(size.message(), true);
        if (seg_size != 0 && seg_size != *size)
            return on_failure(fmt::format("the primary's WAL segment size changed from {} to {} bytes", seg_size, *size), true);
        seg_size = *size;
        status.wal_segment_size = seg_size;
        issue(Step::IdentifySystem, identify_system_command());
    }

    void after_identify_system(const ResultRows& rows) {
        auto id = parse_identify_system(rows);
        if (!id) return on_failure(id.message(), true);
        ident = *id;
        if (!identity_checked) {
            if (auto r = writer.check_identity(ident.systemid, seg_size); !r) return on_failure(r.message(), true);
            auto resume = writer.find_resume_point();
            if (!resume) return on_failure(resume.message(), true);
            if (*resume) {
                writer.set_position((*resume)->tli, (*resume)->lsn);
                have_position = true;
                log::info("resuming from the files in \"{}\" at {} on timeline {}", opts.wal_dir,
                          format_lsn((*resume)->lsn), (*resume)->tli);
            }
            identity_checked = true;
            status.system_identifier = ident.systemid;
        } else if (ident.systemid != status.system_identifier) {
            return on_failure(fmt::format("the primary is now database system {}, but \"{}\" holds WAL of system {}; "
                                          "use an empty --wal-dir for the new system",
                                          ident.systemid, opts.wal_dir, status.system_identifier),
                              true);
        }
        log::info("primary: system {}, timeline {}, WAL position {}, segment size {} bytes", ident.systemid,
                  ident.timeline, format_lsn(ident.xlogpos), seg_size);
        if (!opts.slot.empty() && has_read_replication_slot())
            return issue(Step::ReadSlot, read_replication_slot_command(opts.slot));
        // PostgreSQL 14: no READ_REPLICATION_SLOT, so no start from the slot's restart_lsn (as
        // pg_receivewal 15 with an older server); START_REPLICATION SLOT fails if it is missing.
        if (!opts.slot.empty() && opts.create_slot && !slot_created)
            return issue(Step::CreateSlot, create_physical_slot_command(opts.slot));
        choose_start();
    }

    // READ_REPLICATION_SLOT exists from PostgreSQL 15 on (pg_receivewal.c checks the same).
    bool has_read_replication_slot() const { return conn.server_version_num() >= 150000; }

    void after_read_slot(const ResultRows& rows) {
        auto slot = parse_read_replication_slot(rows);
        if (!slot) return on_failure(slot.message(), true);
        if (!slot->exists) {
            if (opts.create_slot && !slot_created)
                return issue(Step::CreateSlot, create_physical_slot_command(opts.slot));
            return on_failure(fmt::format("replication slot \"{}\" does not exist on the primary; create it with "
                                          "--create-slot (or pg_create_physical_replication_slot)",
                                          opts.slot),
                              true);
        }
        slot_info = *slot;
        choose_start();
    }

    // Start position: the files in --wal-dir, else the owner's start_lsn, else the slot, else the
    // primary's current position (from the start of its segment, as pg_receivewal does).
    void choose_start() {
        if (!have_position) {
            TimeLineID tli = ident.timeline;
            XLogRecPtr lsn = ident.xlogpos;
            if (opts.start_lsn) {
                lsn = *opts.start_lsn;
            } else if (slot_info && slot_info->restart_lsn) {
                lsn = *slot_info->restart_lsn;
                tli = slot_info->restart_tli.value_or(ident.timeline);
            }
            lsn -= segment_offset(lsn, seg_size);
            writer.set_position(tli, lsn);
            have_position = true;
            log::info("starting at {} on timeline {}", format_lsn(lsn), tli);
        }
        if (writer.timeline() > ident.timeline)
            return on_failure(fmt::format("\"{}\" holds WAL of timeline {}, but the primary is on timeline {}; the "
                                          "primary is not a descendant of the WAL received so far",
                                          opts.wal_dir, writer.timeline(), ident.timeline),
                              true);
        if (opts.endpos && writer.flush_pos() >= *opts.endpos) {
            log::info("already received up to {} (--endpos {})", format_lsn(writer.flush_pos()), format_lsn(*opts.endpos));
            return finish({});
        }
        start_streaming_timeline();
    }

    void start_streaming_timeline() {
        TimeLineID tli = writer.timeline();
        if (tli > 1 && !writer.has_history(tli))
            return issue(Step::TimelineHistory, timeline_history_command(tli));
        issue(Step::StartReplication, start_replication_command(opts.slot, writer.write_pos(), tli));
    }

    void after_timeline_history(const ResultRows& rows) {
        auto h = parse_timeline_history(rows, writer.timeline());
        if (!h) return on_failure(h.message(), true);
        if (auto r = writer.write_history(writer.timeline(), h->content); !r) return on_failure(r.message(), true);
        log::info("stored {}", h->filename);
        issue(Step::StartReplication, start_replication_command(opts.slot, writer.write_pos(), writer.timeline()));
    }

    // START_REPLICATION on a historic timeline exactly at its end answers with the next
    // timeline right away, without a COPY (walsender.c StartReplication).
    void after_start_without_copy(const ResultRows& rows) {
        auto eot = parse_end_of_timeline(rows);
        if (!eot) return on_failure(fmt::format("START_REPLICATION did not start a stream: {}", eot.message()), false);
        follow_timeline(*eot);
    }

    void follow_timeline(const EndOfTimeline& eot) {
        TimeLineID old_tli = writer.timeline();
        if (eot.next_tli <= old_tli)
            return on_failure(fmt::format("the primary ended timeline {} but named timeline {} as the next one",
                                          old_tli, eot.next_tli),
                              true);
        if (auto r = writer.close_segment(); !r) return on_failure(r.message(), true);
        XLogRecPtr seg_start = eot.next_tli_startpos - segment_offset(eot.next_tli_startpos, seg_size);
        log::info("timeline {} ended at {}; following timeline {} from {}", old_tli, format_lsn(eot.next_tli_startpos),
                  eot.next_tli, format_lsn(seg_start));
        session.reset();
        state = State::Setup;
        writer.set_position(eot.next_tli, seg_start);
        // The flushed position goes back to the new timeline's segment start (as RequestXLogStreaming
        // resets flushedUpto, PG15) before the history file is stored: a replayer that takes the new
        // timeline reads none of its segment before it is flushed.
        publish_positions();
        start_streaming_timeline();
    }

    // ---- streaming ----
    void on_copy_both() {
        state = State::Streaming;
        stream_started_at = writer.write_pos();
        log::info("streaming from {} on timeline {}", format_lsn(writer.write_pos()), writer.timeline());
        SessionConfig cfg;
        cfg.endpos = opts.endpos;
        cfg.status_interval = opts.status_interval;
        cfg.timeout = opts.timeout;
        cfg.on_primary_message = [this](XLogRecPtr data_end, XLogRecPtr wal_end, std::int64_t send_time) {
            last_receipt.store(current_timestamp());
            if (opts.on_primary_message) opts.on_primary_message(data_end, wal_end, send_time);
        };
        cfg.on_round_trip = opts.on_round_trip;
        cfg.trace = opts.trace;
        cfg.on_flushed = [this] { publish_positions(); };
        cfg.conn_mutex = &conn_mutex;
        if (opts.hot_standby_feedback) {
            cfg.feedback_xmin = [this] {
                const std::uint64_t v = feedback.load();
                return std::pair<std::uint32_t, std::uint32_t>{static_cast<std::uint32_t>(v),
                                                               static_cast<std::uint32_t>(v >> 32)};
            };
        }
        session = std::make_unique<StreamingSession>(
            conn, writer, writer.timeline(), cfg, [this] { return apply_lsn.load(); },
            [this](const ReplyInfo& info) { on_reply(info); });
        set_state_text("streaming");
        activity = ReceiverActivity::streaming;
        publish_positions();  // what is already on disk counts as flushed before any new data
        handle_session(session->on_readable());
    }

    void continue_streaming(int events) {
        if ((events & UV_WRITABLE) && session->wants_write())
            if (auto r = session->flush_output(); !r) return on_failure(r.message(), false);
        if (events & UV_READABLE) return handle_session(session->on_readable());
        watch_streaming();
    }

    void watch_streaming() {
        if (state != State::Streaming || !session) return;
        watch(UV_READABLE | (session->wants_write() ? UV_WRITABLE : 0));
    }

    void handle_session(Result<std::optional<SessionEnd>> r) {
        if (state != State::Streaming) return;
        if (!r) {
            std::string msg = explain_stream_error(r.message(), opts.slot, writer.write_pos(), writer.timeline());
            failure_sqlstate = session->error_sqlstate();
            return on_failure(msg, is_permanent_server_error(failure_sqlstate, r.message()));
        }
        if (writer.write_pos() > stream_started_at) backoff = opts.backoff_min;  // WAL flows again
        if (!*r) return watch_streaming();
        publish_positions();
        switch ((*r)->kind) {
            case SessionEnd::Kind::EndposReached:
                log::info("reached --endpos {}: everything up to it is flushed", format_lsn(*opts.endpos));
                return finish({});
            case SessionEnd::Kind::EndOfTimeline: return follow_timeline(*(*r)->next);
            case SessionEnd::Kind::Stopped: return finish({});
            case SessionEnd::Kind::ServerEnded:
                return on_failure(fmt::format("the primary ended the replication stream at {}",
                                              format_lsn(writer.write_pos())),
                                  false);
        }
    }

    void on_reply(const ReplyInfo& info) {
        status.timeline = info.timeline;
        status.received_lsn = info.write;
        status.flushed_lsn = info.flush;
        status.applied_lsn = info.apply;
        status.primary_wal_end_lsn = std::max(status.primary_wal_end_lsn, info.primary_wal_end);
        publish_positions();
        write_status();
    }

    void publish_positions() {
        received_tli.store(writer.timeline());
        received.store(writer.write_pos());
        const XLogRecPtr flush = writer.flush_pos();
        if (flushed.exchange(flush) != flush && opts.on_flushed) opts.on_flushed(flush);
    }

    void write_status() {
        if (opts.status_file.empty()) return;
        status.updated_at = std::chrono::system_clock::now();
        status.reconnects = reconnects;
        if (auto r = write_status_file(opts.status_file, status); !r) log::warning("{}", r.message());
    }

    void set_state_text(const char* s) {
        status.state = s;
        if (status.system_identifier != 0) write_status();
    }

    // ---- timer, async, failures, stop ----
    void on_tick() {
        if (state == State::Done) return;
        if (stop_requested) return do_stop();
        auto now = Clock::now();
        switch (state) {
            case State::Backoff:
                if (now >= next_attempt) start_connect();
                return;
            case State::Connecting:
            case State::Setup:
                if (opts.timeout.count() > 0 && now - attempt_started > opts.timeout)
                    on_failure(fmt::format("no answer from the primary for {} s (--timeout)", seconds_text(opts.timeout)),
                               false);
                return;
            case State::Streaming:
                if (auto r = session->on_tick(); !r) return on_failure(r.message(), false);
                return watch_streaming();
            default: return;
        }
    }

    void on_async() {
        if (state == State::Done) return;
        if (stop_requested) return do_stop();
        // Not forced (unlike WalRcvForceReply's XLogWalRcvSendReply(true, false)): the flush reply
        // sent since the request often carried the apply position already, and a reply that
        // repeats the last one only wakes the walsender (10% of all replies under pgbench).
        if (reply_requested.exchange(false) && state == State::Streaming && session) {
            if (auto r = session->send_reply(false, false); !r) return on_failure(r.message(), false);
            if (auto r = session->send_feedback(false); !r) return on_failure(r.message(), false);
        }
        watch_streaming();  // also after a reply_from_caller() that left output pending
    }

    // An immediate reply sent by the calling thread itself (the replayer, right after applying
    // a commit) when the receiver's thread is idle (waiting in its loop): no hand-off to that
    // thread, whose wake-up is the slow part of WalRcvForceReply -> walreceiver latch ->
    // XLogWalRcvSendReply in PG15. False when it could not (the receiver's thread is busy, e.g.
    // in an fdatasync, or not streaming, or sending failed, or output is left pending): then
    // the caller asks the loop for the reply (wake_for_reply), which also reports any error.
    // The caller has set reply_requested first: when this thread cannot take the lock, the
    // receiver's thread sends the reply as soon as its current callback is done
    // (reply_if_requested), without waiting for the uv_async wake-up to come round its loop.
    bool reply_from_caller() {
        std::unique_lock lock(conn_mutex, std::try_to_lock);
        if (!lock.owns_lock() || state != State::Streaming || !session || stop_requested) return false;
        reply_requested = false;
        if (auto r = session->send_reply(false, false); !r) return reply_requested = true, false;
        if (auto r = session->send_feedback(false); !r) return reply_requested = true, false;
        return !session->wants_write();
    }

    // At the end of every callback, still holding conn_mutex: a reply the replayer asked for
    // while this thread held the lock (in the drain's recv, write or flush reply). Measured
    // under remote_apply pgbench, the replayer often finishes a commit's redo while this thread
    // is still sending the flush reply.
    void reply_if_requested() {
        if (state != State::Streaming || !session || stop_requested) return;  // on_async handles it
        if (!reply_requested.exchange(false)) return;
        if (auto r = session->send_reply(false, false); !r) return on_failure(r.message(), false);
        if (auto r = session->send_feedback(false); !r) return on_failure(r.message(), false);
        if (session->wants_write()) watch_streaming();
    }

    // The reconnect reason a failure counts under (understudy_reconnects_total{reason}).
    static std::string failure_reason(State s, const std::string& message, const std::string& sqlstate) {
        if (!sqlstate.empty()) return "sqlstate_" + sqlstate;
        if (message.find("--timeout") != std::string::npos) return "timeout";
        if (s == State::Connecting) return "connect_failed";
        if (s == State::Setup) return "setup_failed";
        if (message.find("ended the replication stream") != std::string::npos) return "primary_ended_stream";
        return "stream_error";
    }

    void on_failure(const std::string& message, bool permanent) {
        if (state == State::Done) return;
        const std::string sqlstate = std::exchange(failure_sqlstate, std::string());
        const State failed_state = state;
        close_connection();
        if (auto r = writer.close_segment(); !r) return finish(r.error());
        publish_positions();
        if (permanent || !opts.loop || stop_requested) return finish(make_error(message));
        ++reconnects;
        {
            std::lock_guard lock(reasons_mutex);
            ++reconnect_reasons[failure_reason(failed_state, message, sqlstate)];
        }
        log::warning("{}; reconnecting in {} s", message, seconds_text(backoff));
        state = State::Backoff;
        activity = ReceiverActivity::reconnecting;
        next_attempt = Clock::now() + backoff;
        backoff = std::min(backoff * 2, opts.backoff_max);
        set_state_text("waiting to reconnect");
    }

    void do_stop() {
        if (state == State::Done) return;
        if (state == State::Streaming && session) {
            if (auto r = session->stop(); !r) log::warning("while stopping: {}", r.message());
            log::info("stopped at {} (flushed)", format_lsn(writer.flush_pos()));
        }
        finish({});
    }

    void finish(Result<void> r) {
        if (state == State::Done) return;
        state = State::Done;
        activity = ReceiverActivity::stopped;
        close_connection();
        if (auto c = writer.close_cleanly(); !c && r) r = c;
        publish_positions();
        result = std::move(r);
        status.received_lsn = writer.write_pos();
        status.flushed_lsn = writer.flush_pos();
        if (status.system_identifier != 0) {
            status.state = "stopped";
            write_status();
        }
        uv_timer_stop(&timer);
        {
            std::lock_guard lock(async_mutex);
            async_open = false;
        }
        for (uv_handle_t* h : handles())
            if (!uv_is_closing(h)) uv_close(h, nullptr);
    }

    ReceiverOptions opts;
    uv_loop_t loop{};
    uv_timer_t timer{};
    uv_signal_t sigint{};
    uv_signal_t sigterm{};
    uv_async_t async{};
    uv_poll_t* poll = nullptr;
    int poll_fd = -1;
    int poll_events = 0;

    std::atomic<XLogRecPtr> apply_lsn{0};
    std::atomic<XLogRecPtr> flushed{0};
    std::atomic<XLogRecPtr> received{0};
    std::atomic<TimeLineID> received_tli{0};
    std::atomic<bool> stop_requested{false};
    std::atomic<ReceiverActivity> activity{ReceiverActivity::starting};
    std::atomic<std::int64_t> last_receipt{0};
    std::atomic<bool> reply_requested{false};
    std::atomic<std::uint64_t> feedback{0};  // epoch << 32 | xmin
    mutable std::mutex reasons_mutex;
    std::map<std::string, std::uint64_t> reconnect_reasons;
    std::mutex async_mutex;  // guards async_open: uv_async_send only on an open handle
    // Held by the loop's thread in every callback, and by a thread in reply_from_caller().
    std::mutex conn_mutex;
    bool async_open = true;

    void wake() {
        std::lock_guard lock(async_mutex);
        if (async_open) uv_async_send(&async);
    }

    State state = State::Idle;
    ConnParams params;
    Connection conn;
    WalWriter writer;
    std::unique_ptr<StreamingSession> session;

    Step step = Step::ShowSegmentSize;
    std::string step_sql;
    PgResultPtr step_result;
    std::optional<std::string> step_error;
    std::string step_sqlstate;  // of step_error
    std::string failure_sqlstate;  // of the server error on_failure() is about to handle ("" none)

    std::uint32_t seg_size = 0;
    IdentifySystemResult ident;
    bool identity_checked = false;
    bool have_position = false;
    bool slot_created = false;
    std::optional<ReadReplicationSlotResult> slot_info;

    Clock::time_point attempt_started;
    Clock::time_point next_attempt;
    std::chrono::milliseconds backoff;
    std::uint64_t reconnects = 0;
    XLogRecPtr stream_started_at = 0;
    ReceiverStatus status;
    Result<void> result;
};

WalReceiver::WalReceiver(ReceiverOptions opts) : impl_(std::make_unique<Impl>(std::move(opts))) {}
WalReceiver::~WalReceiver() = default;

Result<void> WalReceiver::run() { return impl_->run(); }

void WalReceiver::set_apply_lsn(XLogRecPtr lsn, bool wake) {
    // Never backwards: two threads may report (the replayer at a commit, the standby's coordinator).
    XLogRecPtr cur = impl_->apply_lsn.load();
    while (cur < lsn && !impl_->apply_lsn.compare_exchange_weak(cur, lsn)) {
    }
    if (!wake) return;
    impl_->reply_requested = true;  // before the try: a busy receiver thread sees it when it is done
    if (!impl_->reply_from_caller()) impl_->wake();
}

void WalReceiver::set_feedback_xmin(std::uint32_t xmin, std::uint32_t epoch) {
    impl_->feedback.store((std::uint64_t{epoch} << 32) | xmin);
}

std::map<std::string, std::uint64_t> WalReceiver::reconnects_by_reason() const {
    std::lock_guard lock(impl_->reasons_mutex);
    return impl_->reconnect_reasons;
}

void WalReceiver::wake_for_reply() {
    impl_->reply_requested = true;
    impl_->wake();
}

void WalReceiver::request_stop() {
    impl_->stop_requested = true;
    impl_->wake();
}

const char* activity_name(ReceiverActivity a) {
    switch (a) {
        case ReceiverActivity::starting: return "starting";
        case ReceiverActivity::connecting: return "connecting";
        case ReceiverActivity::streaming: return "streaming";
        case ReceiverActivity::reconnecting: return "reconnecting";
        case ReceiverActivity::stopped: return "stopped";
    }
    return "unknown";
}

ReceiverActivity WalReceiver::activity() const { return impl_->activity.load(); }
std::int64_t WalReceiver::last_message_receipt_time() const { return impl_->last_receipt.load(); }

XLogRecPtr WalReceiver::flushed_lsn() const { return impl_->flushed.load(); }
XLogRecPtr WalReceiver::received_lsn() const { return impl_->received.load(); }
TimeLineID WalReceiver::timeline() const { return impl_->received_tli.load(); }

}  // namespace understudy::receiver
