// A streaming reader of the tar archives BASE_BACKUP sends (ustar headers as PG15's
// src/port/tar.c tarCreateHeader writes them: name in 100 bytes, a trailing '/' on directories
// and symlinks, size in octal or base-256, typeflag '0' file, '5' directory, '2' symlink).
// Bytes come in pieces of any size (CopyData messages); the reader calls its sink for each
// member's header, its contents and its end. Pure: no I/O, so it is unit-tested and fuzzable.
// Two zero blocks end an archive (PG14's server does not send them; finish() accepts both).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace understudy::backup {

struct TarMember {
    enum class Type { file, directory, symlink };
    std::string name;      // without the trailing '/' of directories and symlinks
    Type type = Type::file;
    std::uint64_t size = 0;
    std::uint32_t mode = 0;  // permission bits
    std::string link_target;
};

class TarSink {
public:
    virtual ~TarSink() = default;
    virtual Result<void> begin_member(const TarMember& m) = 0;
    virtual Result<void> member_data(std::span<const std::uint8_t> data) = 0;
    virtual Result<void> end_member() = 0;
};

class TarReader {
public:
    // `archive` names the archive in errors ("base.tar").
    TarReader(std::string archive, TarSink& sink) : archive_(std::move(archive)), sink_(sink) {}
    Result<void> feed(std::span<const std::uint8_t> data);
    // The archive's bytes have all come: an error if it stopped inside a member.
    Result<void> finish() const;
    std::uint64_t members() const { return members_; }

private:
    Result<void> header_complete();
    std::string archive_;
    TarSink& sink_;
    enum class State { header, data, padding, ended } state_ = State::header;
    std::vector<std::uint8_t> header_;
    std::uint64_t remaining_ = 0;  // of the member's data or of the padding
    std::uint64_t offset_ = 0;     // bytes read in this archive
    std::uint64_t members_ = 0;
    std::string current_;          // the member being read, for errors
};

// A tar number field (octal digits, or base-256 when the high bit of the first byte is set).
Result<std::uint64_t> parse_tar_number(std::span<const std::uint8_t> field);

}  // namespace understudy::backup
