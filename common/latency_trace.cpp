#include "common/latency_trace.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <fmt/format.h>

namespace understudy {

LatencyTrace::LatencyTrace(std::size_t capacity_per_point) {
    for (Series& s : series_) s.events.resize(capacity_per_point);
}

namespace {

// The first event at or after `from_ns` whose lsn reaches `lsn`, in a series whose lsn never
// goes back: a binary search for the lsn, then a walk forward in time. -1 when none.
template <typename Events>
std::int64_t first_covering(const Events& ev, std::size_t n, XLogRecPtr lsn, std::int64_t from_ns) {
    auto begin = ev.begin();
    auto end = ev.begin() + static_cast<std::ptrdiff_t>(n);
    auto it = std::lower_bound(begin, end, lsn, [](const auto& e, XLogRecPtr l) { return e.lsn < l; });
    for (; it != end; ++it)
        if (it->ns >= from_ns) return it->ns;
    return -1;
}

std::int64_t nearest_rank(std::vector<std::int64_t>& v, double pct) {
    if (v.empty()) return -1;
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(std::ceil(pct / 100.0 * static_cast<double>(v.size())));
    return v[std::max<std::size_t>(rank, 1) - 1];
}

}  // namespace

std::vector<LatencyTrace::CommitPath> LatencyTrace::analyze() const {
    using P = Point;
    auto series = [this](P p) -> const Series& { return series_[static_cast<std::size_t>(p)]; };
    std::vector<CommitPath> out;
    const Series& applied = series(P::applied);
    for (std::size_t i = 0; i < applied.size; ++i) {
        const Event& a = applied.events[i];
        CommitPath c;
        c.lsn = a.lsn;
        c.ns.fill(-1);
        c.ns[static_cast<std::size_t>(P::applied)] = a.ns;
        // The receiver's points: the first that covered the commit (before it was applied).
        for (P p : {P::received, P::written, P::flushed}) {
            const Series& s = series(p);
            c.ns[static_cast<std::size_t>(p)] = first_covering(s.events, s.size, a.lsn, 0);
        }
        const std::int64_t flushed = c.ns[static_cast<std::size_t>(P::flushed)];
        if (flushed < 0 || flushed > a.ns) continue;  // received before the trace began
        // The wake-up that let the replayer apply it, if it waited for it.
        const Series& w = series(P::woken);
        const std::int64_t woken = first_covering(w.events, w.size, a.lsn, flushed);
        if (woken >= 0 && woken <= a.ns) c.ns[static_cast<std::size_t>(P::woken)] = woken;
        const Series& r = series(P::reply);
        c.ns[static_cast<std::size_t>(P::reply)] = first_covering(r.events, r.size, a.lsn, a.ns);
        if (c.ns[static_cast<std::size_t>(P::reply)] < 0) continue;
        out.push_back(c);
    }
    return out;
}

std::string LatencyTrace::summary(const std::vector<CommitPath>& paths) {
    using P = Point;
    struct Step {
        const char* name;
        P from;
        P to;
    };
    const Step steps[] = {
        {"received -> written", P::received, P::written}, {"written -> fsynced", P::written, P::flushed},
        {"fsynced -> replayer woken", P::flushed, P::woken}, {"replayer woken -> applied", P::woken, P::applied},
        {"fsynced -> applied", P::flushed, P::applied},   {"applied -> reply sent", P::applied, P::reply},
        {"received -> reply sent", P::received, P::reply},
    };
    std::string s = fmt::format("commit path trace: {} commits; microseconds p50 / p90 / p99 / max\n", paths.size());
    for (const Step& st : steps) {
        std::vector<std::int64_t> d;
        for (const CommitPath& c : paths) {
            const std::int64_t a = c.ns[static_cast<std::size_t>(st.from)];
            const std::int64_t b = c.ns[static_cast<std::size_t>(st.to)];
            if (a >= 0 && b >= 0) d.push_back(b - a);
        }
        const std::size_t n = d.size();
        const std::int64_t p50 = nearest_rank(d, 50), p90 = nearest_rank(d, 90), p99 = nearest_rank(d, 99);
        const std::int64_t max = d.empty() ? -1 : d.back();
        s += fmt::format("  {:<26} {:>7} commits {:>9.1f} {:>9.1f} {:>9.1f} {:>9.1f}\n", st.name, n, p50 / 1e3,
                         p90 / 1e3, p99 / 1e3, max / 1e3);
    }
    return s;
}

Result<void> LatencyTrace::write_csv(const std::string& path, const std::vector<CommitPath>& paths) {
    std::ofstream f(path, std::ios::trunc);
    f << "lsn,received_us,written_us,fsynced_us,woken_us,applied_us,reply_us\n";
    for (const CommitPath& c : paths) {
        const std::int64_t t0 = c.ns[0];
        f << format_lsn(c.lsn);
        for (std::int64_t t : c.ns) f << ',' << (t < 0 ? std::string() : fmt::format("{:.1f}", (t - t0) / 1e3));
        f << '\n';
    }
    f.flush();
    if (!f) return make_error(fmt::format("could not write the commit path trace \"{}\"", path));
    return {};
}

}  // namespace understudy
