// Parsing of Heap2 block data shared by the describe and redo routines (wal/records/heap.h).
#include "wal/records/heap.h"

#include <algorithm>
#include <optional>

#include "common/bytes.h"

namespace understudy {

namespace pg16 {

std::size_t freeze_plans_total_tuples(std::span<const std::uint8_t> plans, std::size_t nplans) {
    std::size_t total = 0;
    for (std::size_t i = 0; i < nplans; ++i) {
        xl_heap_freeze_plan plan{};
        load_record(plans.subspan(std::min(plans.size(), i * sizeof(plan))), plan);
        total += plan.ntuples;
    }
    return total;
}

}  // namespace pg16

namespace pg17 {

namespace {

// Takes the sub-records one after another; the first part that does not fit stops it.
class SubRecordReader {
public:
    explicit SubRecordReader(std::span<const std::uint8_t> data) : data_(data) {}

    // The next n bytes, or nullopt (and need() set) when the data ends first.
    std::optional<std::span<const std::uint8_t>> take(std::size_t n) {
        if (need_ > 0) return std::nullopt;
        if (data_.size() - pos_ < n) {
            need_ = pos_ + n;
            return std::nullopt;
        }
        auto s = data_.subspan(pos_, n);
        pos_ += n;
        return s;
    }
    std::optional<PackedArray<OffsetNumber>> offsets(std::size_t count) {
        auto s = take(count * sizeof(OffsetNumber));
        if (!s) return std::nullopt;
        return PackedArray<OffsetNumber>(s->data(), count);
    }
    // One xlhp_prune_items: its ntargets, then `per_target` OffsetNumbers per target.
    PackedArray<OffsetNumber> prune_items(std::size_t per_target) {
        auto count = take(offsetof_xlhp_prune_items_data);
        if (!count) return {};
        return offsets(std::size_t{load<std::uint16_t>(count->data())} * per_target)
            .value_or(PackedArray<OffsetNumber>());
    }
    std::size_t pos() const { return pos_; }
    std::size_t need() const { return need_; }

private:
    std::span<const std::uint8_t> data_;
    std::size_t pos_ = 0;
    std::size_t need_ = 0;
};

}  // namespace

xlhp_freeze_plan PruneFreezeSubRecords::plan(std::size_t i) const {
    return load<xlhp_freeze_plan>(plans.data() + i * sizeof(xlhp_freeze_plan));
}

PruneFreezeSubRecords deserialize_prune_and_freeze(std::span<const std::uint8_t> data, std::uint8_t flags) {
    PruneFreezeSubRecords r;
    SubRecordReader reader(data);
    if (flags & XLHP_HAS_FREEZE_PLANS) {
        if (auto head = reader.take(offsetof_xlhp_freeze_plans_plans)) {
            const std::size_t nplans = load<std::uint16_t>(head->data());
            if (auto plans = reader.take(nplans * sizeof(xlhp_freeze_plan))) {
                r.nplans = nplans;
                r.plans = *plans;
            }
        }
    }
    if (flags & XLHP_HAS_REDIRECTIONS) r.redirected = reader.prune_items(2);
    if (flags & XLHP_HAS_DEAD_ITEMS) r.nowdead = reader.prune_items(1);
    if (flags & XLHP_HAS_NOW_UNUSED_ITEMS) r.nowunused = reader.prune_items(1);
    if (auto frz = reader.offsets(pg16::freeze_plans_total_tuples(r.plans, r.nplans))) r.frz_offsets = *frz;
    r.used = reader.pos();
    r.need = reader.need();
    return r;
}

}  // namespace pg17

}  // namespace understudy
