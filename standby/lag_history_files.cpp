#include "standby/lag_history_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <utility>

#include <fmt/format.h>

#include "common/fs.h"

namespace understudy::standby {

namespace {

// N of "BASE.N", 0 when the name is not of that form.
std::uint64_t rotation_number(std::string_view file_name, std::string_view base_name) {
    if (file_name.size() <= base_name.size() + 1 || !file_name.starts_with(base_name) ||
        file_name[base_name.size()] != '.')
        return 0;
    const std::string_view digits = file_name.substr(base_name.size() + 1);
    if (digits.size() > 9 || digits[0] == '0') return 0;
    std::uint64_t n = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return 0;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
}

std::string rotated_path(const std::string& path, int n) { return fmt::format("{}.{}", path, n); }

// rename(2), a missing source being no error.
Result<void> rename_if_exists(const std::string& from, const std::string& to) {
    if (::rename(from.c_str(), to.c_str()) == 0 || errno == ENOENT) return {};
    return make_error(fmt::format("could not rename \"{}\" to \"{}\" (rotating the lag history): {}", from, to,
                                  fs::errno_text(errno)));
}

}  // namespace

bool is_rotated_name(std::string_view file_name, std::string_view base_name) {
    return rotation_number(file_name, base_name) != 0;
}

std::vector<std::string> lag_history_files(const std::string& path) {
    const std::filesystem::path p(path);
    const std::string base = p.filename().string();
    const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
    std::vector<std::pair<std::uint64_t, std::string>> rotated;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (const std::uint64_t n = rotation_number(name, base); n != 0)
            rotated.emplace_back(n, path + name.substr(base.size()));
    }
    std::sort(rotated.begin(), rotated.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::string> out;
    for (auto& [n, name] : rotated) out.push_back(std::move(name));
    if (std::filesystem::exists(p, ec)) out.push_back(path);
    return out;
}

Result<void> LagHistoryWriter::rotate() {
    if (rotation_.keep <= 0) {
        if (::unlink(path_.c_str()) != 0 && errno != ENOENT)
            return make_error(fmt::format("could not remove \"{}\" (rotating the lag history with keep 0): {}", path_,
                                          fs::errno_text(errno)));
        return {};
    }
    // Oldest first: PATH.(keep-1) replaces PATH.keep (dropping it), ..., then PATH becomes PATH.1.
    for (int n = rotation_.keep; n >= 2; --n)
        if (auto r = rename_if_exists(rotated_path(path_, n - 1), rotated_path(path_, n)); !r) return r;
    if (auto r = rename_if_exists(path_, rotated_path(path_, 1)); !r) return r;
    return remove_beyond_keep();
}

// Files numbered past `keep` (left by a run with a larger --lag-history-keep) are removed.
Result<void> LagHistoryWriter::remove_beyond_keep() {
    const std::filesystem::path p(path_);
    const std::string base = p.filename().string();
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(p.has_parent_path() ? p.parent_path() : ".", ec)) {
        const std::string name = e.path().filename().string();
        if (rotation_number(name, base) <= static_cast<std::uint64_t>(rotation_.keep)) continue;
        const std::string victim = path_ + name.substr(base.size());
        if (::unlink(victim.c_str()) != 0 && errno != ENOENT)
            return make_error(fmt::format("could not remove \"{}\" (beyond --lag-history-keep {}): {}", victim,
                                          rotation_.keep, fs::errno_text(errno)));
    }
    return {};
}

Result<void> LagHistoryWriter::append(const std::string& line) {
    if (rotation_.max_bytes > 0) {
        struct stat st {};
        if (::stat(path_.c_str(), &st) == 0 && st.st_size > 0 &&
            static_cast<std::uint64_t>(st.st_size) + line.size() > rotation_.max_bytes)
            if (auto r = rotate(); !r) return r;
    }
    fs::UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
    if (!fd.valid())
        return make_error(fmt::format("could not open \"{}\" to append: {}", path_, fs::errno_text(errno)));
    // One write(2) of the whole line with O_APPEND: a reader sees whole lines or a torn last one.
    std::size_t done = 0;
    while (done < line.size()) {
        const ssize_t n = ::write(fd.get(), line.data() + done, line.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return make_error(fmt::format("could not append to \"{}\": {}", path_, fs::errno_text(errno)));
        done += static_cast<std::size_t>(n);
    }
    return {};
}

}  // namespace understudy::standby
