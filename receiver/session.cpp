#include "receiver/session.h"

#include <fmt/format.h>

#include "common/log.h"

namespace understudy::receiver {

StreamingSession::StreamingSession(Connection& conn, WalWriter& writer, TimeLineID tli, SessionConfig cfg,
                                   ApplySource apply, ReplyObserver on_reply)
    : conn_(conn), writer_(writer), tli_(tli), cfg_(cfg), apply_(std::move(apply)), on_reply_(std::move(on_reply)) {
    last_receive_ = Clock::now();
    last_reply_ = Clock::now();
    last_write_sent_ = writer_.write_pos();
    last_flush_sent_ = writer_.flush_pos();
}

bool StreamingSession::endpos_reached() const {
    return cfg_.endpos && writer_.flush_pos() >= *cfg_.endpos;
}

// XLogWalRcvSendReply (PG15 walreceiver.c): skip when nothing moved and the interval has not
// passed, unless forced.
Result<void> StreamingSession::send_reply(bool force, bool request_reply) {
    if (phase_ != Phase::Copying) return {};
    auto now = Clock::now();
    XLogRecPtr write = writer_.write_pos();
    XLogRecPtr flush = writer_.flush_pos();
    XLogRecPtr apply = apply_ ? apply_() : 0;
    bool interval_due = cfg_.status_interval.count() > 0 && now - last_reply_ >= cfg_.status_interval;
    if (!force && !interval_due && write == last_write_sent_ && flush == last_flush_sent_ && apply == last_apply_sent_)
        return {};
    StandbyStatusUpdate m{write, flush, apply, current_timestamp(), request_reply};
    // The first answer belongs to the oldest request: keep that one's time.
    if (request_reply && !probe_sent_) probe_sent_ = m.sendTime;
    auto bytes = encode_status_update(m);
    if (auto r = conn_.put_copy_data(bytes.data(), bytes.size()); !r) return r;
    if (auto r = flush_output(); !r) return r;
    last_reply_ = now;
    last_write_sent_ = write;
    last_flush_sent_ = flush;
    last_apply_sent_ = apply;
    if (cfg_.trace) cfg_.trace->mark(LatencyTrace::Point::reply, apply);
    log::debug("sent reply: write {} flush {} apply {}{}", format_lsn(write), format_lsn(flush), format_lsn(apply),
               request_reply ? " (reply requested)" : "");
    if (on_reply_) on_reply_(ReplyInfo{write, flush, apply, primary_wal_end_, tli_});
    return {};
}

Result<void> StreamingSession::send_feedback(bool force) {
    if (phase_ != Phase::Copying || !cfg_.feedback_xmin) return {};
    auto now = Clock::now();
    auto [xmin, epoch] = cfg_.feedback_xmin();
    bool interval_due = cfg_.status_interval.count() > 0 && now - last_feedback_ >= cfg_.status_interval;
    if (!force && feedback_sent_ && xmin == last_feedback_xmin_ && !interval_due) return {};
    HotStandbyFeedback m{current_timestamp(), xmin, epoch, 0, 0};
    auto bytes = encode_hot_standby_feedback(m);
    if (auto r = conn_.put_copy_data(bytes.data(), bytes.size()); !r) return r;
    if (auto r = flush_output(); !r) return r;
    last_feedback_ = now;
    last_feedback_xmin_ = xmin;
    feedback_sent_ = true;
    log::debug("sent hot standby feedback: xmin {} epoch {}", xmin, epoch);
    return {};
}

Result<void> StreamingSession::flush_output() {
    auto r = conn_.flush();
    if (!r) return r.error();
    output_pending_ = !*r;
    return {};
}

Result<void> StreamingSession::handle_message(std::span<const std::uint8_t> msg) {
    auto decoded = decode_copy_message(msg);
    if (!decoded) return decoded.error();
    if (auto* k = std::get_if<KeepaliveMessage>(&*decoded)) {
        primary_wal_end_ = std::max(primary_wal_end_, k->walEnd);
        if (cfg_.on_primary_message) cfg_.on_primary_message(0, k->walEnd, k->sendTime);
        if (!k->replyRequested && probe_sent_) {  // the answer to our request
            if (cfg_.on_round_trip) cfg_.on_round_trip(*probe_sent_, k->sendTime, current_timestamp());
            probe_sent_.reset();
        }
        if (k->replyRequested) return send_reply(true, false);
        return {};
    }
    auto& w = std::get<XLogDataMessage>(*decoded);
    primary_wal_end_ = std::max(primary_wal_end_, w.walEnd);
    if (cfg_.on_primary_message) cfg_.on_primary_message(w.dataStart + w.data.size(), w.walEnd, w.sendTime);
    XLogRecPtr start = w.dataStart;
    auto data = w.data;
    if (cfg_.endpos) {  // never write past --endpos (receivelog.c ProcessXLogDataMsg)
        if (start >= *cfg_.endpos) return {};
        if (start + data.size() > *cfg_.endpos) data = data.first(static_cast<std::size_t>(*cfg_.endpos - start));
    }
    if (!pending_.empty() && start != pending_start_ + pending_.size())
        if (auto r = write_pending(); !r) return r;
    if (pending_.empty()) pending_start_ = start;
    pending_.insert(pending_.end(), data.begin(), data.end());
    return {};
}

Result<void> StreamingSession::write_pending() {
    if (pending_.empty()) return {};
    std::size_t accepted = 0;
    if (auto c = writer_.check_incoming(pending_start_, pending_, &accepted); !c) {
        // What came before the refused page is the primary's WAL: keep it.
        if (accepted > 0)
            if (auto r = writer_.write(tli_, pending_start_, std::span(pending_).first(accepted)); !r) {
                pending_.clear();
                return r;
            }
        pending_.clear();
        return c;
    }
    auto r = writer_.write(tli_, pending_start_, pending_);
    pending_.clear();
    return r;
}

Result<bool> StreamingSession::drain(bool& capped) {
    capped = false;
    bool consumed_again = false;
    for (;;) {
        char* raw = nullptr;
        int n = PQgetCopyData(conn_.get(), &raw, 1);
        PgBufferPtr buf(raw);
        if (n == 0) {
            // libpqrcv_receive: try once more after reading what the socket holds.
            if (consumed_again) return true;
            if (auto r = conn_.consume_input(); !r) return r.error();
            consumed_again = true;
            continue;
        }
        if (n == -1) return false;  // end of COPY
        if (n < -1) return make_error(fmt::format("could not read from the replication stream: {}", conn_.error_message()));
        consumed_again = false;
        last_receive_ = Clock::now();
        ping_sent_ = false;
        auto msg = std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(buf.get()), static_cast<std::size_t>(n));
        if (auto r = handle_message(msg); !r) return r.error();
        if (pending_.size() >= cfg_.max_drain_bytes) {
            capped = true;
            return true;
        }
    }
}

// After the drain: write, reply (write position), fdatasync, tell the owner (the replayer's
// wake-up), reply (flush position). XLogWalRcvFlush's order (PG15).
Result<void> StreamingSession::write_flush_reply() {
    if (pending_.empty()) return {};
    if (cfg_.trace) cfg_.trace->mark(LatencyTrace::Point::received, pending_start_ + pending_.size());
    if (auto r = write_pending(); !r) return r;
    if (cfg_.trace) cfg_.trace->mark(LatencyTrace::Point::written, writer_.write_pos());
    if (auto r = send_reply(false, false); !r) return r;
    if (auto r = flush_writer(); !r) return r;
    if (cfg_.trace) cfg_.trace->mark(LatencyTrace::Point::flushed, writer_.flush_pos());
    if (cfg_.on_flushed) cfg_.on_flushed();
    return send_reply(false, false);
}

Result<void> StreamingSession::flush_writer() {
    if (cfg_.conn_mutex == nullptr) return writer_.flush();
    // Meanwhile another thread may send a reply: it reads the positions (unchanged until
    // note_synced) and uses the connection, which this thread does not touch until relocked.
    struct Unlocked {
        std::mutex& mu;
        explicit Unlocked(std::mutex& m) : mu(m) { mu.unlock(); }
        ~Unlocked() { mu.lock(); }
    };
    Result<void> synced{};
    {
        Unlocked unlocked(*cfg_.conn_mutex);
        synced = writer_.sync_data();
    }
    if (!synced) return synced;
    writer_.note_synced();
    return {};
}

Result<std::optional<SessionEnd>> StreamingSession::on_readable() {
    last_receive_ = Clock::now();
    if (phase_ == Phase::EndingCopy) {
        if (auto r = conn_.consume_input(); !r) return r.error();
        return collect_end_results();
    }
    if (auto r = conn_.consume_input(); !r) return r.error();
    for (;;) {
        bool capped = false;
        auto more = drain(capped);
        if (!more) {
            // Keep what arrived before the error.
            (void)write_pending();
            (void)writer_.flush();
            return more.error();
        }
        if (!*more) {
            // The COPY is over (the primary's CopyDone, or a message of another type, which
            // ends it for libpq): keep what came before; replies are end_copy's to send, as far
            // as the connection still takes them.
            if (auto r = write_pending(); !r) return r.error();
            return end_copy();
        }
        if (auto r = write_flush_reply(); !r) return r.error();
        if (endpos_reached()) {
            if (auto r = send_reply(true, false); !r) return r.error();
            copy_end_sent_ = true;
            if (auto r = conn_.put_copy_end(); !r) return r.error();
            (void)flush_output();
            return std::optional<SessionEnd>(SessionEnd{SessionEnd::Kind::EndposReached, std::nullopt});
        }
        if (!capped) return std::optional<SessionEnd>{};
    }
}

// The COPY is over for libpq: the primary sent CopyDone, an ErrorResponse or a message of
// another type, or the connection ended. Only after the primary's CopyDone may we still send:
// collect_end_results() answers it with our last reply and CopyDone (receivelog.c
// HandleEndOfCopyStream / ReceiveXlogStream). Sending after an error would fail, and every
// failed send adds libpq's "no COPY in progress" to the connection's error text.
Result<std::optional<SessionEnd>> StreamingSession::end_copy() {
    if (auto r = writer_.flush(); !r) return r.error();
    phase_ = Phase::EndingCopy;
    return collect_end_results();
}

Result<std::optional<SessionEnd>> StreamingSession::collect_end_results() {
    while (!conn_.is_busy()) {
        PgResultPtr res = conn_.next_result();
        if (!res) {
            if (end_error_) return make_error(*end_error_);
            if (end_of_timeline_) return std::optional<SessionEnd>(SessionEnd{SessionEnd::Kind::EndOfTimeline, end_of_timeline_});
            return std::optional<SessionEnd>(SessionEnd{SessionEnd::Kind::ServerEnded, std::nullopt});
        }
        switch (PQresultStatus(res.get())) {
            case PGRES_TUPLES_OK: {
                auto eot = parse_end_of_timeline(result_rows(res.get()));
                if (!eot) end_error_ = eot.message();
                else end_of_timeline_ = *eot;
                break;
            }
            case PGRES_COMMAND_OK: break;
            case PGRES_COPY_IN:  // the primary's CopyDone: ours follows (once)
                if (!copy_end_sent_) {
                    copy_end_sent_ = true;
                    if (auto r = send_reply(true, false); !r) log::debug("final reply not sent: {}", r.message());
                    if (auto r = conn_.put_copy_end(); !r) log::debug("CopyDone not sent: {}", r.message());
                    (void)flush_output();
                }
                break;
            default:
                if (!end_error_) {
                    end_error_ = one_line(PQresultErrorMessage(res.get()));
                    const char* code = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
                    end_sqlstate_ = code != nullptr ? code : "";
                }
                break;
        }
    }
    return std::optional<SessionEnd>{};
}

Result<void> StreamingSession::on_tick() {
    auto now = Clock::now();
    if (cfg_.timeout.count() > 0) {
        auto silent = now - last_receive_;
        if (silent >= cfg_.timeout)
            return make_error(fmt::format("no message from the primary for {} s (--timeout); dropping the "
                                          "connection",
                                          std::chrono::duration_cast<std::chrono::seconds>(silent).count()));
        if (phase_ != Phase::Copying) return {};  // waiting for the results after CopyDone
        if (silent >= cfg_.timeout / 2 && !ping_sent_) {
            ping_sent_ = true;
            return send_reply(true, true);
        }
    }
    if (phase_ != Phase::Copying) return {};
    if (auto r = send_feedback(false); !r) return r;
    // With on_round_trip, a reply each status interval is also a clock probe (SessionConfig);
    // under load replies go out after every flush, so it has its own timer.
    if (cfg_.on_round_trip && !probe_sent_ && cfg_.status_interval.count() > 0 &&
        now - last_probe_ >= cfg_.status_interval) {
        last_probe_ = now;
        return send_reply(true, true);
    }
    return send_reply(false, false);
}

Result<void> StreamingSession::stop() {
    if (phase_ != Phase::Copying) return {};
    if (auto r = write_pending(); !r) return r;
    if (auto r = writer_.flush(); !r) return r;
    if (auto r = send_reply(true, false); !r) return r;
    phase_ = Phase::EndingCopy;
    copy_end_sent_ = true;
    if (auto r = conn_.put_copy_end(); !r) return r;
    return flush_output();
}

std::string explain_stream_error(const std::string& server_message, const std::string& slot, XLogRecPtr start,
                                 TimeLineID tli) {
    if (server_message.find("has already been removed") != std::string::npos) {
        std::string what = slot.empty() ? std::string("this receiver (no --slot)")
                                        : fmt::format("replication slot \"{}\"", slot);
        return fmt::format("the primary no longer has the WAL needed to continue at {} on timeline {} ({}); the "
                           "WAL that {} needed was removed (a slot invalidated by max_slot_wal_keep_size, or no "
                           "slot). To start over: drop and recreate the slot (--create-slot) and use an empty "
                           "--wal-dir (a standby also needs a new base backup)",
                           format_lsn(start), tli, server_message, what);
    }
    return server_message;
}

}  // namespace understudy::receiver
