#include "backup/tar_stream.h"

#include <algorithm>

#include <fmt/format.h>

namespace understudy::backup {

namespace {

constexpr std::size_t kBlock = 512;

std::string field_text(const std::vector<std::uint8_t>& h, std::size_t off, std::size_t len) {
    std::string s;
    for (std::size_t i = off; i < off + len && h[i] != 0; ++i) s.push_back(static_cast<char>(h[i]));
    return s;
}

// Names must stay inside the directory they are written to.
bool safe_name(const std::string& name) {
    if (name.empty() || name.front() == '/') return false;
    std::size_t start = 0;
    while (start <= name.size()) {
        const std::size_t end = std::min(name.find('/', start), name.size());
        if (name.compare(start, end - start, "..") == 0 && end - start == 2) return false;
        start = end + 1;
    }
    return true;
}

}  // namespace

Result<std::uint64_t> parse_tar_number(std::span<const std::uint8_t> field) {
    if (field.empty()) return make_error("empty tar number field");
    if ((field[0] & 0x80) != 0) {
        std::uint64_t v = field[0] & 0x7f;
        for (std::size_t i = 1; i < field.size(); ++i) {
            if (v >> 56 != 0) return make_error("tar number field overflows 64 bits");
            v = (v << 8) | field[i];
        }
        return v;
    }
    std::uint64_t v = 0;
    std::size_t i = 0;
    while (i < field.size() && field[i] == ' ') ++i;
    for (; i < field.size() && field[i] != 0 && field[i] != ' '; ++i) {
        if (field[i] < '0' || field[i] > '7') return make_error(fmt::format("tar number field has a byte {:#04x}", field[i]));
        if (v >> 61 != 0) return make_error("tar number field overflows 64 bits");
        v = v * 8 + (field[i] - '0');
    }
    return v;
}

Result<void> TarReader::header_complete() {
    if (std::all_of(header_.begin(), header_.end(), [](std::uint8_t b) { return b == 0; })) {
        state_ = State::ended;  // the end-of-archive blocks
        return {};
    }
    const std::uint64_t at = offset_ - kBlock;
    // The checksum: the sum of the header's bytes with the checksum field taken as spaces.
    auto stored = parse_tar_number(std::span(header_).subspan(148, 8));
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < kBlock; ++i) sum += (i >= 148 && i < 156) ? ' ' : header_[i];
    if (!stored || *stored != sum)
        return make_error(fmt::format("{}: the tar header at byte {} is corrupt (checksum {} stored, {} computed); the "
                                      "stream is damaged: take the backup again",
                                      archive_, at, stored ? fmt::format("{}", *stored) : stored.message(), sum));
    TarMember m;
    m.name = field_text(header_, 0, 100);
    const std::string prefix = field_text(header_, 345, 155);
    if (!prefix.empty()) m.name = prefix + "/" + m.name;
    while (!m.name.empty() && m.name.back() == '/') m.name.pop_back();
    while (m.name.starts_with("./")) m.name.erase(0, 2);
    auto size = parse_tar_number(std::span(header_).subspan(124, 12));
    if (!size) return make_error(fmt::format("{}: member \"{}\": size: {}", archive_, m.name, size.message()));
    auto mode = parse_tar_number(std::span(header_).subspan(100, 8));
    if (!mode) return make_error(fmt::format("{}: member \"{}\": mode: {}", archive_, m.name, mode.message()));
    m.mode = static_cast<std::uint32_t>(*mode & 07777);
    const char type = static_cast<char>(header_[156]);
    switch (type) {
        case '0':
        case '\0':
            m.type = TarMember::Type::file;
            m.size = *size;
            break;
        case '5':
            m.type = TarMember::Type::directory;
            break;
        case '2':
            m.type = TarMember::Type::symlink;
            m.link_target = field_text(header_, 157, 100);
            break;
        default:
            return make_error(fmt::format("{}: member \"{}\" has tar type '{}', which a base backup does not send",
                                          archive_, m.name, type));
    }
    if (!safe_name(m.name))
        return make_error(fmt::format("{}: member name \"{}\" is empty, absolute or leaves the directory (\"..\"); "
                                      "refusing to write it",
                                      archive_, m.name));
    current_ = m.name;
    ++members_;
    if (auto r = sink_.begin_member(m); !r) return r;
    remaining_ = m.size;
    if (remaining_ == 0) {
        state_ = State::header;
        return sink_.end_member();
    }
    state_ = State::data;
    return {};
}

Result<void> TarReader::feed(std::span<const std::uint8_t> data) {
    while (!data.empty()) {
        switch (state_) {
            case State::ended:
                // Only zero padding may follow the end blocks.
                if (std::any_of(data.begin(), data.end(), [](std::uint8_t b) { return b != 0; }))
                    return make_error(fmt::format("{}: data after the end of the archive (byte {})", archive_, offset_));
                offset_ += data.size();
                return {};
            case State::header: {
                const std::size_t n = std::min(kBlock - header_.size(), data.size());
                header_.insert(header_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
                data = data.subspan(n);
                offset_ += n;
                if (header_.size() == kBlock) {
                    auto r = header_complete();
                    header_.clear();
                    if (!r) return r;
                }
                break;
            }
            case State::data: {
                const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size()));
                if (auto r = sink_.member_data(data.first(n)); !r) return r;
                data = data.subspan(n);
                offset_ += n;
                remaining_ -= n;
                if (remaining_ == 0) {
                    if (auto r = sink_.end_member(); !r) return r;
                    const std::uint64_t pad = (kBlock - offset_ % kBlock) % kBlock;
                    remaining_ = pad;
                    state_ = pad == 0 ? State::header : State::padding;
                }
                break;
            }
            case State::padding: {
                const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size()));
                data = data.subspan(n);
                offset_ += n;
                remaining_ -= n;
                if (remaining_ == 0) state_ = State::header;
                break;
            }
        }
    }
    return {};
}

Result<void> TarReader::finish() const {
    if (state_ == State::data)
        return make_error(fmt::format("{}: the archive ended inside member \"{}\" ({} bytes missing); the connection "
                                      "was cut or the server failed: take the backup again",
                                      archive_, current_, remaining_));
    if (state_ == State::header && !header_.empty())
        return make_error(fmt::format("{}: the archive ended inside a tar header (byte {}); take the backup again",
                                      archive_, offset_));
    return {};
}

}  // namespace understudy::backup
