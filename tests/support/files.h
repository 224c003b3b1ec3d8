// Reading whole files in tests: logs, status files, WAL segments, relation files; and a
// temporary directory that unit tests fill with WAL segments and history files.
#pragma once

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>

namespace understudy::testing {

// The bytes of the file at `path` ("" when it cannot be opened).
inline std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// A fresh /tmp/<prefix>-XXXXXX directory, removed with everything in it at scope exit.
struct TempDirectory {
    std::string path;
    explicit TempDirectory(const std::string& prefix) {
        std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
        path = ::mkdtemp(tmpl.data());
    }
    TempDirectory(const TempDirectory&) = delete;
    TempDirectory& operator=(const TempDirectory&) = delete;
    ~TempDirectory() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    void write(const std::string& name, std::span<const std::uint8_t> bytes) const {
        std::ofstream f(path + "/" + name, std::ios::binary | std::ios::trunc);
        f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    void write_text(const std::string& name, const std::string& text) const {
        std::ofstream f(path + "/" + name, std::ios::trunc);
        f << text;
    }
};

}  // namespace understudy::testing
