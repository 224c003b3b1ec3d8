#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "backup/tar_stream.h"

using namespace understudy;
using namespace understudy::backup;

namespace {

// A ustar header as PG15's tarCreateHeader writes it.
std::vector<std::uint8_t> header(const std::string& name, char type, std::uint64_t size, const std::string& link = "") {
    std::vector<std::uint8_t> h(512, 0);
    std::memcpy(h.data(), name.data(), name.size());
    auto octal = [&](std::size_t off, std::size_t len, std::uint64_t v) {
        const std::string s = fmt::format("{:0{}o}", v, len - 1);
        std::memcpy(h.data() + off, s.data(), s.size());
    };
    octal(100, 8, 0600);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, size);
    octal(136, 12, 0);
    h[156] = static_cast<std::uint8_t>(type);
    std::memcpy(h.data() + 157, link.data(), link.size());
    std::memcpy(h.data() + 257, "ustar", 5);
    std::memcpy(h.data() + 263, "00", 2);
    std::memset(h.data() + 148, ' ', 8);
    unsigned sum = 0;
    for (auto b : h) sum += b;
    const std::string s = fmt::format("{:06o}", sum);
    std::memcpy(h.data() + 148, s.data(), 6);
    h[154] = 0;
    h[155] = ' ';
    return h;
}

void append(std::vector<std::uint8_t>& out, const std::vector<std::uint8_t>& v) { out.insert(out.end(), v.begin(), v.end()); }

void append_file(std::vector<std::uint8_t>& out, const std::string& name, const std::string& body) {
    append(out, header(name, '0', body.size()));
    out.insert(out.end(), body.begin(), body.end());
    out.resize(out.size() + (512 - body.size() % 512) % 512, 0);
}

struct Recorder : TarSink {
    std::vector<std::string> events;
    std::string data;
    Result<void> begin_member(const TarMember& m) override {
        events.push_back(fmt::format("{} {} {} {}", static_cast<int>(m.type), m.name, m.size, m.link_target));
        return {};
    }
    Result<void> member_data(std::span<const std::uint8_t> d) override {
        data.append(reinterpret_cast<const char*>(d.data()), d.size());
        return {};
    }
    Result<void> end_member() override {
        events.push_back("end " + std::to_string(data.size()));
        return {};
    }
};

}  // namespace

TEST_CASE("tar reader: members in pieces of any size, directories and links without their '/', end blocks") {
    std::vector<std::uint8_t> tar;
    append(tar, header("base/", '5', 0));
    append_file(tar, "base/1/1259", std::string(8192 + 100, 'p'));
    append_file(tar, "PG_VERSION", "15\n");
    append_file(tar, "empty", "");
    append(tar, header("pg_tblspc/16384/", '2', 0, "/srv/ts"));
    tar.resize(tar.size() + 1024, 0);
    for (std::size_t piece : {std::size_t{1}, std::size_t{511}, std::size_t{512}, std::size_t{100000}}) {
        Recorder rec;
        TarReader reader("base.tar", rec);
        for (std::size_t off = 0; off < tar.size(); off += piece) {
            const std::size_t n = std::min(piece, tar.size() - off);
            REQUIRE(reader.feed(std::span(tar).subspan(off, n)));
        }
        REQUIRE(reader.finish());
        CHECK(reader.members() == 5);
        CHECK(rec.events == std::vector<std::string>{"1 base 0 ", "end 0", "0 base/1/1259 8292 ", "end 8292",
                                                     "0 PG_VERSION 3 ", "end 8295", "0 empty 0 ", "end 8295",
                                                     "2 pg_tblspc/16384 0 /srv/ts", "end 8295"});
        CHECK(rec.data == std::string(8292, 'p') + "15\n");
    }
}

TEST_CASE("tar reader: a cut archive, a damaged header and a name leaving the directory are errors naming them") {
    std::vector<std::uint8_t> tar;
    append_file(tar, "base/1/1259", std::string(1000, 'p'));
    {
        Recorder rec;
        TarReader reader("base.tar", rec);
        REQUIRE(reader.feed(std::span(tar).first(700)));
        auto r = reader.finish();
        REQUIRE(!r);
        CHECK(r.message().find("base.tar: the archive ended inside member \"base/1/1259\" (812 bytes missing)") !=
              std::string::npos);
    }
    {
        auto bad = tar;
        bad[10] ^= 1;
        Recorder rec;
        TarReader reader("16384.tar", rec);
        auto r = reader.feed(bad);
        REQUIRE(!r);
        CHECK(r.message().find("16384.tar: the tar header at byte 0 is corrupt") != std::string::npos);
    }
    for (const char* name : {"../etc/passwd", "/etc/passwd", "base/../../x"}) {
        std::vector<std::uint8_t> evil;
        append_file(evil, name, "x");
        Recorder rec;
        TarReader reader("base.tar", rec);
        auto r = reader.feed(evil);
        REQUIRE(!r);
        CHECK(r.message().find("refusing to write it") != std::string::npos);
        CHECK(rec.events.empty());
    }
}

TEST_CASE("tar numbers: octal and base-256") {
    const std::uint8_t octal[] = {'0', '0', '0', '0', '0', '0', '1', '7', '7', '7', '7', 0};
    CHECK(*parse_tar_number(octal) == 017777);
    const std::uint8_t big[] = {0x80, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0};  // 2^33 (over 8 GB)
    CHECK(*parse_tar_number(big) == (std::uint64_t{1} << 33));
    const std::uint8_t bad[] = {'1', '9', 0};
    CHECK(!parse_tar_number(bad));
}
