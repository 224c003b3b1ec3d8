#include "common/conninfo.h"

#include <libpq-fe.h>

#include <regex>

#include <fmt/format.h>

namespace understudy {

void ConnParams::set(const std::string& key, const std::string& value) {
    for (auto& [k, v] : params)
        if (k == key) {
            v = value;
            return;
        }
    params.emplace_back(key, value);
}

void ConnParams::set_default(const std::string& key, const std::string& value) {
    if (!get(key)) params.emplace_back(key, value);
}

const std::string* ConnParams::get(const std::string& key) const {
    for (auto& [k, v] : params)
        if (k == key) return &v;
    return nullptr;
}

std::string ConnParams::redacted() const {
    std::string out;
    for (auto& [k, v] : params) {
        if (!out.empty()) out += ' ';
        out += k;
        out += '=';
        out += (k == "password") ? std::string("***") : v;
    }
    return out;
}

Result<ConnParams> parse_conninfo(const std::string& conninfo) {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
    if (!opts) {
        std::string msg = err ? err : "out of memory";
        if (err) PQfreemem(err);
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        return make_error(fmt::format("invalid connection string: {}", redact_passwords(msg)));
    }
    ConnParams out;
    for (PQconninfoOption* o = opts; o->keyword; ++o)
        if (o->val && *o->val) out.params.emplace_back(o->keyword, o->val);
    PQconninfoFree(opts);
    return out;
}

std::string redact_passwords(const std::string& text) {
    static const std::regex kv(R"((password\s*=\s*)('([^'\\]|\\.)*'|\S+))", std::regex::icase);
    static const std::regex uri(R"((postgres(ql)?://[^:/@\s]*:)[^@\s]*@)", std::regex::icase);
    std::string out = std::regex_replace(text, kv, "$1***");
    out = std::regex_replace(out, uri, "$1***@");
    return out;
}

}  // namespace understudy
