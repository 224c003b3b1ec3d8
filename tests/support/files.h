// Reading whole files in tests: logs, status files, WAL segments, relation files.
#pragma once

#include <fstream>
#include <iterator>
#include <string>

namespace understudy::testing {

// The bytes of the file at `path` ("" when it cannot be opened).
inline std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

}  // namespace understudy::testing
