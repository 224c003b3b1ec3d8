#include "common/process_title.h"

#include <cstring>
#include <regex>

#include "common/conninfo.h"

namespace understudy {

std::string redact_argument(const std::string& arg) {
    std::string out = redact_passwords(arg);
    if (out.size() <= arg.size()) return out;
    // A password shorter than "***": star out its characters in place.
    static const std::regex kv(R"((password\s*=\s*)('([^'\\]|\\.)*'|\S+))", std::regex::icase);
    static const std::regex uri(R"((postgres(ql)?://[^:/@\s]*:)([^@\s]*)@)", std::regex::icase);
    out = arg;
    for (const std::regex* re : {&kv, &uri}) {
        const int group = re == &kv ? 2 : 3;
        for (auto it = std::sregex_iterator(arg.begin(), arg.end(), *re); it != std::sregex_iterator(); ++it) {
            const auto pos = static_cast<std::size_t>(it->position(group));
            const auto len = static_cast<std::size_t>(it->length(group));
            out.replace(pos, len, len, '*');
        }
    }
    return out;
}

bool hide_passwords_in_argv(int argc, char** argv) {
    if (argc <= 0) return false;
    std::string joined;
    bool changed = false;
    char* area_end = argv[0];
    for (int i = 0; i < argc; ++i) {
        // Only the contiguous area the kernel reports (argv[i] follows argv[i-1]'s NUL).
        if (argv[i] != area_end) return false;
        const std::string arg(argv[i]);
        area_end = argv[i] + arg.size() + 1;
        const std::string red = redact_argument(arg);
        changed = changed || red != arg;
        joined += red;
        joined += '\0';
    }
    if (!changed) return false;
    const std::size_t area = static_cast<std::size_t>(area_end - argv[0]);
    if (joined.size() > area) return false;  // redact_argument never grows an argument
    std::memcpy(argv[0], joined.data(), joined.size());
    std::memset(argv[0] + joined.size(), 0, area - joined.size());
    // argv[i] pointers follow the new strings (for anyone reading argv after this).
    char* p = argv[0];
    for (int i = 0; i < argc; ++i) {
        argv[i] = p;
        p += std::strlen(p) + 1;
    }
    return true;
}

}  // namespace understudy
