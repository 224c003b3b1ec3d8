// libFuzzer target over the replication protocol decoders (receiver/protocol.h): the CopyData
// messages a primary sends ('w', 'k'), the standby status update ('r'), and the result rows of
// IDENTIFY_SYSTEM, READ_REPLICATION_SLOT, TIMELINE_HISTORY, the end-of-timeline result and
// SHOW wal_segment_size, built from the input. Every input must end in a value or an error,
// never a crash, hang or out-of-bounds access; a decoded message re-encodes to the same bytes.
// Built with -Dfuzz=true (clang only): see tools/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "receiver/protocol.h"

using namespace understudy;
using namespace understudy::receiver;

namespace {

// Splits the input into fields at 0x00 bytes (0x01 alone marks a NULL) and lays them out as rows
// of `ncols` columns.
ResultRows rows_from(std::span<const std::uint8_t> in, std::size_t ncols, std::vector<std::string> columns) {
    ResultRows r;
    columns.resize(ncols, "extra");  // libpq gives every row as many fields as there are columns
    r.columns = std::move(columns);
    std::vector<std::optional<std::string>> fields;
    std::string cur;
    for (std::uint8_t b : in) {
        if (b == 0) {
            if (cur == "\x01") fields.emplace_back(std::nullopt);
            else fields.emplace_back(cur);
            cur.clear();
        } else {
            cur.push_back(static_cast<char>(b));
        }
    }
    fields.emplace_back(cur);
    for (std::size_t i = 0; i + ncols <= fields.size() && r.rows.size() < 4; i += ncols)
        r.rows.emplace_back(fields.begin() + static_cast<std::ptrdiff_t>(i),
                            fields.begin() + static_cast<std::ptrdiff_t>(i + ncols));
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t selector = data[0];
    std::span<const std::uint8_t> in(data + 1, size - 1);

    // CopyData from the primary: whatever decodes must re-encode to the same bytes.
    if (auto m = decode_copy_message(in)) {
        if (auto* w = std::get_if<XLogDataMessage>(&*m)) {
            if (w->data.data() < in.data() || w->data.data() + w->data.size() > in.data() + in.size()) std::abort();
            auto again = encode_xlog_data(*w);
            if (again.size() != in.size() || std::memcmp(again.data(), in.data(), in.size()) != 0) std::abort();
        } else {
            auto& k = std::get<KeepaliveMessage>(*m);
            auto again = encode_keepalive(k);
            // replyRequested is any non-zero byte on the wire; the encoder writes 1.
            if (in.size() != again.size() || std::memcmp(again.data(), in.data(), again.size() - 1) != 0) std::abort();
        }
    } else if (m.message().empty()) {
        std::abort();  // an error must say what is wrong
    }
    if (auto s = decode_status_update(in)) {
        auto again = encode_status_update(*s);
        if (std::memcmp(again.data(), in.data(), again.size() - 1) != 0) std::abort();
    }

    // Result rows: the column count comes from the selector, so wrong shapes are tried too.
    const std::size_t ncols = 1 + selector % 4;
    switch ((selector >> 2) % 5) {
        case 0:
            (void)parse_identify_system(rows_from(in, ncols, {"systemid", "timeline", "xlogpos", "dbname"}));
            break;
        case 1:
            (void)parse_read_replication_slot(rows_from(in, ncols, {"slot_type", "restart_lsn", "restart_tli"}));
            break;
        case 2: {
            auto h = parse_timeline_history(rows_from(in, ncols, {"filename", "content"}),
                                            static_cast<TimeLineID>(selector >> 4) + 1);
            if (h && h->filename.find('/') != std::string::npos) std::abort();  // stored under this name
            break;
        }
        case 3:
            (void)parse_end_of_timeline(rows_from(in, ncols, {"next_tli", "next_tli_startpos"}));
            break;
        case 4:
            (void)parse_wal_segment_size(rows_from(in, 1, {"wal_segment_size"}));
            break;
    }
    return 0;
}
