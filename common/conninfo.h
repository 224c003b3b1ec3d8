// Connection strings: parse any libpq conninfo or URI, add keywords, and redact passwords so
// that no password is ever printed.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace understudy {

struct ConnParams {
    std::vector<std::pair<std::string, std::string>> params;  // keyword/value in libpq order

    // Sets keyword (replacing any value it had).
    void set(const std::string& key, const std::string& value);
    // Sets keyword only if absent.
    void set_default(const std::string& key, const std::string& value);
    const std::string* get(const std::string& key) const;
    // A readable "host=... port=... user=..." string with password=*** (for logs and errors).
    std::string redacted() const;
};

// Parses a conninfo string or postgres:// URI with libpq's own parser (PQconninfoParse).
Result<ConnParams> parse_conninfo(const std::string& conninfo);

// Removes anything that looks like a password from a text (e.g. a libpq error message that
// echoes the connection string): password=..., and the user:password@ part of URIs.
std::string redact_passwords(const std::string& text);

}  // namespace understudy
