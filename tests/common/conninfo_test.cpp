#include <doctest/doctest.h>

#include "common/conninfo.h"

using namespace understudy;

TEST_CASE("parse_conninfo reads keyword strings and URIs with libpq's parser") {
    auto a = parse_conninfo("host=db1 port=5433 user=rep password=s3cret");
    REQUIRE(a.ok());
    CHECK(*a->get("host") == "db1");
    CHECK(*a->get("password") == "s3cret");
    CHECK(a->redacted().find("s3cret") == std::string::npos);
    CHECK(a->redacted().find("password=***") != std::string::npos);

    auto b = parse_conninfo("postgresql://rep:pw@db2:6000/app?sslmode=require");
    REQUIRE(b.ok());
    CHECK(*b->get("host") == "db2");
    CHECK(*b->get("sslmode") == "require");
    b->set_default("application_name", "understudy");
    b->set("replication", "true");
    CHECK(*b->get("application_name") == "understudy");

    auto bad = parse_conninfo("host=db1 nosuchkeyword=1 password=zzz");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.message().find("nosuchkeyword") != std::string::npos);
    CHECK(bad.message().find("zzz") == std::string::npos);
}

TEST_CASE("redact_passwords hides passwords in free text") {
    CHECK(redact_passwords("host=x password=abc user=y") == "host=x password=*** user=y");
    CHECK(redact_passwords("password='a b\\'c' user=y") == "password=*** user=y");
    CHECK(redact_passwords("postgres://u:secret@h/db") == "postgres://u:***@h/db");
}
