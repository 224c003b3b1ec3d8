#include <doctest/doctest.h>

#include <string>

#include "backup/sha256.h"

using understudy::backup::Sha256;
using understudy::backup::sha256_hex;

TEST_CASE("sha256: FIPS 180-2 vectors (values from sha256sum)") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // One million 'a', fed in pieces of 7 bytes (crossing block boundaries).
    Sha256 h;
    const std::string piece(7, 'a');
    std::size_t fed = 0;
    while (fed + 7 <= 1000000) {
        h.update(piece);
        fed += 7;
    }
    h.update(std::string(1000000 - fed, 'a'));
    const auto d = h.finish();
    CHECK(understudy::backup::to_hex(d.data(), d.size()) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
