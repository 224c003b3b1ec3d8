#include "receiver/server_error.h"

namespace understudy::receiver {

namespace {

struct SqlStateRule {
    std::string_view code;  // a full SQLSTATE, or a two-character class
    bool permanent;
};

// Full codes first; a class applies when no full code matched. PG15 errcodes.txt names.
constexpr SqlStateRule kRules[] = {
    {"58P01", true},   // undefined_file: requested WAL segment has already been removed
    {"42704", true},   // undefined_object: replication slot does not exist
    {"42501", true},   // insufficient_privilege: must be superuser or replication role, permission denied
    {"42601", true},   // syntax_error: the server does not know a replication command
    {"55000", true},   // object_not_in_prerequisite_state: cannot use a logical slot for physical replication
    {"0A000", true},   // feature_not_supported
    {"3D000", true},   // invalid_catalog_name: database does not exist
    {"28000", true},   // invalid_authorization_specification: no pg_hba.conf entry, role does not exist
    {"28P01", true},   // invalid_password
    {"42710", true},   // duplicate_object (a slot created twice; the receiver handles the expected case)
    {"57P01", false},  // admin_shutdown: pg_terminate_backend, or a fast shutdown
    {"57P02", false},  // crash_shutdown
    {"57P03", false},  // cannot_connect_now: starting up, shutting down, in recovery
    {"53300", false},  // too_many_connections
    {"08", false},     // connection_exception class
    {"53", false},     // insufficient_resources class
    {"57", false},     // operator_intervention class
    {"58", false},     // system_error class (an I/O error on the primary)
    {"42", true},      // syntax_error_or_access_rule_violation class
    {"28", true},      // invalid_authorization_specification class
};

}  // namespace

bool is_permanent_server_error(std::string_view sqlstate, std::string_view message) {
    if (sqlstate.size() != 5) return false;
    if (sqlstate == "XX000")
        return message.find("is not in this server's history") != std::string_view::npos ||
               message.find("has already been removed") != std::string_view::npos;
    for (const SqlStateRule& r : kRules)
        if (r.code.size() == 5 && r.code == sqlstate) return r.permanent;
    for (const SqlStateRule& r : kRules)
        if (r.code.size() == 2 && sqlstate.substr(0, 2) == r.code) return r.permanent;
    return false;
}

}  // namespace understudy::receiver
