// --verify's known-upstream-difference rule (RmgrInfo::known_difference, Gist's
// gist_known_difference) through verify_record_images: a Gist page that differs from the
// primary's image only in F_TUPLES_DELETED after a DELETE record is counted apart with its
// reason; one more differing byte, the other direction of the bit, or another record type is a
// mismatch. Why the rule exists: redo/apply/gist.cpp (gistRedoDeleteRecord vs gistprunepage).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "redo/apply/gist_page.h"
#include "wal/records/gist.h"
#include "redo/replay_report.h"
#include "redo/rmgr.h"
#include "redo/verify.h"
#include "tests/redo/index_test_record.h"
#include "tests/redo/page_cache_context.h"
#include "tests/redo/storage/scratch.h"

using namespace understudy;
using namespace understudy::testing;
namespace gp = understudy::redo::gist;
using understudy::storage::test::ScratchDir;

namespace {

constexpr XLogRecPtr kLsn = 0x2000000;

// A GiST leaf page with three point-sized tuples.
PageBytes gist_leaf() {
    PageBytes p{};
    gp::init_page(p.data(), gp::F_LEAF);
    for (std::uint16_t i = 1; i <= 3; ++i) {
        auto t = index_tuple(7, i, std::vector<std::uint8_t>(16, static_cast<std::uint8_t>(i)));
        REQUIRE(storage::page_add_item(p.data(), t, storage::InvalidOffsetNumber, false, false) == i);
    }
    storage::page_set_lsn(p.data(), kLsn - 0x100);
    return p;
}

struct Outcome {
    redo::RmgrCounters counters;
    std::vector<redo::Mismatch> mismatches;
};

// A verifier over one scratch page cache, keeping the carried state across records as the
// replay engine does.
class Verifier {
public:
    Verifier() : ctx_(dir_.path()) {}
    // Our page `ours` as block 3 in the cache, the primary's image `primary` on a record of type
    // `info`; counts into out().
    void check(std::uint8_t info, const PageBytes& ours, const PageBytes& primary) {
        put_page(ctx_.pages(), 3, ours);
        IndexTestRecord r(RM_GIST_ID, info, lsn_);
        lsn_ += 0x100;
        r.add_block(0, 3, {});
        r.add_image(0, primary, false);
        const RmgrInfo* gist = find_rmgr(RM_GIST_ID);
        REQUIRE(gist != nullptr);
        auto v = redo::verify_record_images(ctx_.pages(), r.done(), *gist, out_.counters, out_.mismatches, 10,
                                            &carried_);
        REQUIRE_MESSAGE(v.ok(), v.message());
    }
    const Outcome& out() const { return out_; }
    std::size_t carried() const { return carried_.size(); }

private:
    ScratchDir dir_;
    ImageOnlyContext ctx_;
    redo::KnownDifferencePages carried_;
    Outcome out_;
    XLogRecPtr lsn_ = kLsn;
};

Outcome verify(std::uint8_t info, const PageBytes& ours, const PageBytes& primary) {
    Verifier v;
    v.check(info, ours, primary);
    return v.out();
}

PageBytes with_tuples_deleted(PageBytes p) {
    gp::mark_flag(p.data(), gp::F_TUPLES_DELETED);
    return p;
}

}  // namespace

TEST_CASE("rmgr table: only Gist has a known-difference rule") {
    for (int id = 0; id <= RM_MAX_BUILTIN_ID; ++id) {
        const RmgrInfo* r = find_rmgr(static_cast<std::uint8_t>(id));
        REQUIRE(r != nullptr);
        CHECK_MESSAGE((r->known_difference != nullptr) == (id == RM_GIST_ID), r->name);
    }
}

TEST_CASE("verify: a Gist page differing only in F_TUPLES_DELETED after DELETE is a known upstream difference") {
    PageBytes primary = gist_leaf();
    PageBytes ours = primary;
    gp::mark_flag(ours.data(), gp::F_TUPLES_DELETED);
    auto out = verify(XLOG_GIST_DELETE, ours, primary);
    CHECK(out.counters.images_checked == 1);
    CHECK(out.counters.images_mismatched == 0);
    CHECK(out.counters.images_known_difference == 1);
    REQUIRE(out.counters.known_difference_reason != nullptr);
    CHECK(std::string(out.counters.known_difference_reason).find("F_TUPLES_DELETED") != std::string::npos);
    CHECK(out.mismatches.empty());
}

TEST_CASE("verify: identical pages are neither a mismatch nor a known difference") {
    PageBytes p = gist_leaf();
    auto out = verify(XLOG_GIST_DELETE, p, p);
    CHECK(out.counters.images_checked == 1);
    CHECK(out.counters.images_mismatched == 0);
    CHECK(out.counters.images_known_difference == 0);
}

TEST_CASE("verify: the F_TUPLES_DELETED bit plus one more differing byte is a mismatch") {
    PageBytes primary = gist_leaf();
    PageBytes ours = primary;
    gp::mark_flag(ours.data(), gp::F_TUPLES_DELETED);
    // One byte of the first tuple's key (pd_upper points at the last tuple added; the data is
    // not masked by gist_mask).
    ours[storage::pd_upper(ours.data()) + 10] ^= 0x01;
    auto out = verify(XLOG_GIST_DELETE, ours, primary);
    CHECK(out.counters.images_mismatched == 1);
    CHECK(out.counters.images_known_difference == 0);
    REQUIRE(out.mismatches.size() == 1);
    CHECK(out.mismatches[0].blkno == 3);
}

TEST_CASE("verify: the bit set in the primary's image but not ours is a mismatch") {
    PageBytes ours = gist_leaf();
    PageBytes primary = ours;
    gp::mark_flag(primary.data(), gp::F_TUPLES_DELETED);
    auto out = verify(XLOG_GIST_DELETE, ours, primary);
    CHECK(out.counters.images_mismatched == 1);
    CHECK(out.counters.images_known_difference == 0);
}

TEST_CASE("verify: the same bit after a PAGE_UPDATE record is a mismatch (the rule names DELETE only)") {
    PageBytes primary = gist_leaf();
    PageBytes ours = primary;
    gp::mark_flag(ours.data(), gp::F_TUPLES_DELETED);
    auto out = verify(XLOG_GIST_PAGE_UPDATE, ours, primary);
    CHECK(out.counters.images_mismatched == 1);
    CHECK(out.counters.images_known_difference == 0);
}

TEST_CASE("verify: the bit carried from a DELETE stays a known difference on the page's later records") {
    Verifier v;
    const PageBytes primary = gist_leaf();
    v.check(XLOG_GIST_DELETE, with_tuples_deleted(primary), primary);
    CHECK(v.carried() == 1);
    // A later PAGE_UPDATE of the same page: the primary still lacks the bit.
    PageBytes primary2 = primary;
    storage::set_pd_prune_xid(primary2.data(), 0);  // any change; masked or not, both sides get it
    v.check(XLOG_GIST_PAGE_UPDATE, with_tuples_deleted(primary2), primary2);
    CHECK(v.out().counters.images_known_difference == 2);
    CHECK(v.out().counters.images_mismatched == 0);
    // Still carried, but one more differing byte: a mismatch, and the page is no longer carried.
    PageBytes ours3 = with_tuples_deleted(primary);
    ours3[storage::pd_upper(ours3.data()) + 12] ^= 0x10;
    v.check(XLOG_GIST_PAGE_UPDATE, ours3, primary);
    CHECK(v.out().counters.images_mismatched == 1);
    CHECK(v.carried() == 0);
    v.check(XLOG_GIST_PAGE_UPDATE, with_tuples_deleted(primary), primary);
    CHECK(v.out().counters.images_mismatched == 2);
    CHECK(v.out().counters.images_known_difference == 2);
}

TEST_CASE("verify: once the page matches again (e.g. VACUUM set the bit on the primary) nothing is carried") {
    Verifier v;
    const PageBytes primary = gist_leaf();
    v.check(XLOG_GIST_DELETE, with_tuples_deleted(primary), primary);
    REQUIRE(v.carried() == 1);
    v.check(XLOG_GIST_PAGE_UPDATE, with_tuples_deleted(primary), with_tuples_deleted(primary));
    CHECK(v.carried() == 0);
    v.check(XLOG_GIST_PAGE_UPDATE, with_tuples_deleted(primary), primary);
    CHECK(v.out().counters.images_known_difference == 1);
    CHECK(v.out().counters.images_mismatched == 1);
}

TEST_CASE("replay report: known upstream differences are reported per rmgr, apart from mismatches") {
    redo::ReplayReport report;
    report.verify = true;
    auto& g = report.rmgrs[RM_GIST_ID];
    g.records = 5;
    g.images_checked = 5;
    g.images_known_difference = 2;
    g.known_difference_reason = "reason text";
    CHECK(report.total_mismatches() == 0);
    CHECK(report.total_known_differences() == 2);
    const std::string json = redo::report_to_json(report);
    CHECK(json.find("\"known_upstream_differences\": 2") != std::string::npos);
    CHECK(json.find("\"known_upstream_difference_reason\": \"reason text\"") != std::string::npos);
    CHECK(json.find("\"known_upstream_differences_total\": 2") != std::string::npos);
    const std::string summary = redo::report_summary(report);
    CHECK(summary.find("verify: 0 page mismatches") != std::string::npos);
    CHECK(summary.find("2 known upstream differences (Gist") != std::string::npos);
}
