// Reading little-endian, possibly unaligned, WAL bytes. Never reinterpret_cast WAL memory:
// copy it out with these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

namespace understudy {

template <typename T>
inline T load(const std::uint8_t* p) {
    static_assert(std::is_trivially_copyable_v<T>);
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

template <typename T>
inline void store(std::uint8_t* p, T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::memcpy(p, &v, sizeof(T));
}

// Big-endian helpers for the replication protocol (network byte order).
inline std::uint64_t load_be64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
    return v;
}
inline std::uint32_t load_be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}
inline void store_be64(std::uint8_t* p, std::uint64_t v) {
    for (int i = 7; i >= 0; --i) {
        p[i] = static_cast<std::uint8_t>(v);
        v >>= 8;
    }
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) {
    for (int i = 3; i >= 0; --i) {
        p[i] = static_cast<std::uint8_t>(v);
        v >>= 8;
    }
}

// A bounds-checked cursor over a byte span. Reads past the end set failed() instead of reading.
class ByteReader {
public:
    explicit ByteReader(std::span<const std::uint8_t> data) : data_(data) {}

    template <typename T>
    bool read(T& out) {
        if (remaining() < sizeof(T)) {
            failed_ = true;
            return false;
        }
        out = load<T>(data_.data() + pos_);
        pos_ += sizeof(T);
        return true;
    }
    bool skip(std::size_t n) {
        if (remaining() < n) {
            failed_ = true;
            return false;
        }
        pos_ += n;
        return true;
    }
    std::span<const std::uint8_t> take(std::size_t n) {
        if (remaining() < n) {
            failed_ = true;
            return {};
        }
        auto s = data_.subspan(pos_, n);
        pos_ += n;
        return s;
    }
    std::size_t remaining() const { return data_.size() - pos_; }
    std::size_t position() const { return pos_; }
    const std::uint8_t* current() const { return data_.data() + pos_; }
    bool failed() const { return failed_; }

private:
    std::span<const std::uint8_t> data_;
    std::size_t pos_ = 0;
    bool failed_ = false;
};

}  // namespace understudy
