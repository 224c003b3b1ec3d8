#include "redo/storage/page_checksum.h"

#include <array>
#include <cstring>

#include "common/wal_format.h"
#include "redo/storage/page.h"

namespace understudy::storage {

namespace {

constexpr std::size_t kLanes = 32;
constexpr std::uint32_t kFnvPrime = 16777619;
// The lanes' starting values (checksumBaseOffsets).
constexpr std::array<std::uint32_t, kLanes> kLaneOffsets = {
    0x5B1F36E9, 0xB8525960, 0x02AB50AA, 0x1DE66D2A, 0x79FF467A, 0x9BB9F8A3, 0x217E7CD2, 0x83E13D2C,
    0xF8D4474F, 0xE39EB970, 0x42C6AE16, 0x993216FA, 0x7B093B5D, 0x98DAFF3C, 0xF718902A, 0x0B1C9CDB,
    0xE58F764B, 0x187636BC, 0x5D7B3BB1, 0xE73DE7DE, 0x92BEC979, 0xCCA6C0B2, 0x304A0979, 0x85AA43D4,
    0x783125BB, 0x6CA8EAA2, 0xE407EAC6, 0x4B5CFC3E, 0x9FBF8C76, 0x15CA20BE, 0xF2CA9FD3, 0x959BD756,
};

inline void mix(std::uint32_t& lane, std::uint32_t value) {
    const std::uint32_t t = lane ^ value;
    lane = t * kFnvPrime ^ (t >> 17);
}

}  // namespace

std::uint16_t page_checksum(const std::uint8_t* page, std::uint32_t blkno) {
    // The page as 32-bit words (native order, as the server reads it), pd_checksum (bytes 8-9,
    // the low half of word 2 on little-endian machines) as zero.
    std::array<std::uint32_t, BLCKSZ / 4> words;
    std::memcpy(words.data(), page, BLCKSZ);
    std::uint8_t* w = reinterpret_cast<std::uint8_t*>(words.data());
    w[8] = 0;
    w[9] = 0;
    std::array<std::uint32_t, kLanes> lanes = kLaneOffsets;
    for (std::size_t i = 0; i < words.size(); i += kLanes)
        for (std::size_t j = 0; j < kLanes; ++j) mix(lanes[j], words[i + j]);
    for (int round = 0; round < 2; ++round)
        for (std::size_t j = 0; j < kLanes; ++j) mix(lanes[j], 0);
    std::uint32_t sum = 0;
    for (std::uint32_t lane : lanes) sum ^= lane;
    sum ^= blkno;
    return static_cast<std::uint16_t>(sum % 65535 + 1);
}

void set_page_checksum(std::uint8_t* page, std::uint32_t blkno) {
    if (pd_upper(page) == 0) return;  // PageIsNew
    set_pd_checksum(page, page_checksum(page, blkno));
}

}  // namespace understudy::storage
