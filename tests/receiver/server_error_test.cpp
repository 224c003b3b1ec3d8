// receiver/server_error.h: the permanent/retry table by SQLSTATE.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "receiver/server_error.h"

using understudy::receiver::is_permanent_server_error;

TEST_CASE("server errors are classified by SQLSTATE, not by their text") {
    struct Row {
        const char* sqlstate;
        const char* message;
        bool permanent;
    };
    const std::vector<Row> rows = {
        {"58P01", "requested WAL segment 000000010000000000000003 has already been removed", true},
        {"42704", "replication slot \"s\" does not exist", true},
        {"42501", "must be superuser or replication role to start walsender", true},
        {"42601", "syntax error", true},
        {"55000", "cannot use a logical replication slot for physical replication", true},
        {"0A000", "cannot use READ_REPLICATION_SLOT with a logical replication slot", true},
        {"3D000", "database \"x\" does not exist", true},
        {"28000", "no pg_hba.conf entry for replication connection", true},
        {"28P01", "password authentication failed for user \"u\"", true},
        {"57P01", "terminating connection due to administrator command", false},
        {"57P02", "terminating connection because of crash of another server process", false},
        {"57P03", "the database system is starting up", false},
        {"53300", "sorry, too many clients already", false},
        {"08006", "connection failure", false},
        {"58030", "could not read file", false},
        {"XX000", "requested starting point 0/5000000 on timeline 1 is not in this server's history", true},
        {"XX000", "requested starting point 0/9000000 is ahead of the WAL flush position of this server 0/8000000", false},
        {"XX000", "requested WAL segment 000000010000000000000003 has already been removed", true},
        {"XX000", "some other internal error", false},
        {"", "server closed the connection unexpectedly", false},
        // The text no longer decides: the same English words under a retryable code retry.
        {"57P01", "permission denied (a message that happens to say so)", false},
        // A translated message (lc_messages) is classified the same.
        {"42704", "le slot de réplication « s » n'existe pas", true},
    };
    for (const Row& r : rows) {
        CAPTURE(r.sqlstate);
        CAPTURE(r.message);
        CHECK(is_permanent_server_error(r.sqlstate, r.message) == r.permanent);
    }
}
