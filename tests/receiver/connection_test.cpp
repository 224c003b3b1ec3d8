// Conninfo building and libpq message handling for the replication connection (no server).
#include <doctest/doctest.h>

#include "receiver/connection.h"

using namespace understudy;
using namespace understudy::receiver;

TEST_CASE("replication=true is added; application_name: option, else conninfo's, else understudy") {
    auto p = replication_conn_params("host=127.0.0.1 port=5432 user=rep password=s3cret", std::nullopt);
    REQUIRE(p.ok());
    CHECK(*p->get("replication") == "true");
    CHECK(*p->get("application_name") == "understudy");
    CHECK(p->redacted().find("s3cret") == std::string::npos);

    auto uri = replication_conn_params("postgresql://rep:s3cret@127.0.0.1:5433/postgres?application_name=mine&replication=database", std::nullopt);
    REQUIRE(uri.ok());
    CHECK(*uri->get("replication") == "true");  // physical replication, whatever the URI said
    CHECK(*uri->get("application_name") == "mine");
    CHECK(*uri->get("port") == "5433");

    auto forced = replication_conn_params("host=h application_name=mine", std::string("node_b"));
    REQUIRE(forced.ok());
    CHECK(*forced->get("application_name") == "node_b");

    auto bad = replication_conn_params("host=h password=s3cret bogus_option=1", std::nullopt);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.message().find("s3cret") == std::string::npos);
}

TEST_CASE("libpq messages become one redacted line") {
    std::string msg = "connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n"
                      "\tIs the server running on that host and accepting TCP/IP connections?\n";
    CHECK(one_line(msg) == "connection to server at \"127.0.0.1\", port 1 failed: Connection refused Is the server "
                           "running on that host and accepting TCP/IP connections?");
    CHECK(one_line("invalid URI postgresql://u:pw@h/db\n") == "invalid URI postgresql://u:***@h/db");
}

TEST_CASE("which connection failures need the operator") {
    CHECK(is_permanent_connect_failure("FATAL:  password authentication failed for user \"x\""));
    CHECK(is_permanent_connect_failure("FATAL:  must be superuser or replication role to start walsender"));
    CHECK(is_permanent_connect_failure("FATAL:  no pg_hba.conf entry for replication connection"));
    CHECK_FALSE(is_permanent_connect_failure("Connection refused"));
    CHECK_FALSE(is_permanent_connect_failure("FATAL:  the database system is starting up"));
    CHECK_FALSE(is_permanent_connect_failure("FATAL:  the database system is shutting down"));
}
