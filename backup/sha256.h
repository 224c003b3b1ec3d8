// SHA-256 (FIPS 180-4), for the backup manifest's own checksum: PG15's pg_verifybackup
// (parse_manifest.c verify_manifest_checksum) hashes the manifest up to and including its
// penultimate newline and compares with "Manifest-Checksum".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace understudy::backup {

class Sha256 {
public:
    Sha256();
    void update(const std::uint8_t* data, std::size_t len);
    void update(std::string_view s) { update(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }
    std::array<std::uint8_t, 32> finish();

private:
    void block(const std::uint8_t* p);
    std::array<std::uint32_t, 8> h_;
    std::array<std::uint8_t, 64> buf_{};
    std::size_t buf_len_ = 0;
    std::uint64_t total_ = 0;
};

// Lower-case hex of bytes, as the manifest writes checksums.
std::string to_hex(const std::uint8_t* data, std::size_t len);
// The SHA-256 of `s` in lower-case hex.
std::string sha256_hex(std::string_view s);

}  // namespace understudy::backup
