// Integration tests: doctest must not install its own signal handlers, which it swaps in and
// out around every test case: the PostgreSQL fixture's handler (tests/support/pg_cluster.cpp)
// has to stay in place so that a crash or meson's SIGTERM on timeout still stops the servers.
#define DOCTEST_CONFIG_NO_POSIX_SIGNALS
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
