// Helpers for storage integration tests: raw pages out of a running PostgreSQL (pageinspect's
// get_raw_page) and small parsing of psql-style results.
#pragma once

#include <array>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "wal/relpath.h"
#include "tests/support/pg_cluster.h"

namespace understudy::storage::test {

using RawPage = std::array<std::uint8_t, BLCKSZ>;

inline RawPage hex_to_page(const std::string& hex) {
    if (hex.size() != 2 * BLCKSZ) throw std::runtime_error("raw page hex has " + std::to_string(hex.size()) + " chars");
    RawPage p{};
    for (std::size_t i = 0; i < BLCKSZ; ++i) p[i] = static_cast<std::uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
    return p;
}

// get_raw_page(rel, block) of a running server, as bytes.
inline RawPage raw_page(const understudy::testing::PgCluster& pg, const std::string& rel, unsigned block,
                        const std::string& db = "postgres") {
    return hex_to_page(pg.sql("select encode(get_raw_page('" + rel + "', " + std::to_string(block) + "), 'hex')", db));
}

// Rows of a psql -At style result, split on '|'.
inline std::vector<std::vector<std::string>> rows(const std::string& out) {
    std::vector<std::vector<std::string>> r;
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
        std::vector<std::string> fields;
        std::size_t start = 0;
        for (;;) {
            auto bar = line.find('|', start);
            fields.push_back(line.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
            if (bar == std::string::npos) break;
            start = bar + 1;
        }
        r.push_back(std::move(fields));
    }
    return r;
}

}  // namespace understudy::storage::test
