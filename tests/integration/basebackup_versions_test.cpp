// `understudy basebackup` against PostgreSQL 14 (the keyword BASE_BACKUP syntax, one CopyOut per
// archive and one for the manifest, manifest version 1) and 18 (the option list, one archive
// stream, manifest version 2 with System-Identifier), each with a mapped tablespace: the backup
// completes, its manifest verified by us, the tablespace's table file equals the primary's.
// Servers from tools/pg_versions.sh (fails, not skips, without them).
#include <filesystem>

#include <fmt/format.h>

#include "tests/integration/receive_helpers.h"
#include "tests/support/files.h"

using namespace understudy;
using namespace understudy::testing;
namespace sfs = std::filesystem;

TEST_CASE("basebackup of a PostgreSQL 14 and an 18 primary, a tablespace mapped") {
    for (int major : {14, 18}) {
        INFO("PostgreSQL ", major);
        PgOptions o;
        o.bindir = pg_version_bindir(major);
        o.conf = {"autovacuum = off"};
        PgCluster pg(o);
        const std::string ts_old = pg.base_dir() + "/ts_old";
        REQUIRE(run(as_postgres({"mkdir", "-m", "0700", ts_old})).exit_code == 0);
        pg.sql("create tablespace ts1 location '" + ts_old + "'");
        pg.sql("create table in_ts tablespace ts1 as select g, repeat('z', 100) v from generate_series(1, 3000) g");
        pg.sql("checkpoint");
        TempDir work("understudy-basebackup-v");
        const std::string mapped = work.path() + "/ts_new";
        RunResult r = run({understudy_bin(), "basebackup", "--primary", pg.conninfo(), "--dir", work.path() + "/b",
                           "-c", "fast", "--progress", "off", "-T", ts_old + "=" + mapped});
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        CHECK(r.output.find(major >= 15 ? "BASE_BACKUP (LABEL" : "BASE_BACKUP LABEL") != std::string::npos);
        CHECK(r.output.find("manifest verified") != std::string::npos);
        const std::string rel = pg.sql("select pg_relation_filepath('in_ts')");
        const std::string ours = read_file(work.path() + "/b/data/" + rel);
        CHECK(ours.size() > 100000);
        CHECK(ours == read_file(pg.data_dir() + "/" + rel));
        CHECK(sfs::read_symlink(work.path() + "/b/data/pg_tblspc/" + pg.sql("select oid from pg_tablespace where "
                                                                            "spcname = 'ts1'"))
                  .string() == mapped);
        const std::string manifest = read_file(work.path() + "/b/data/backup_manifest");
        CHECK(manifest.find(fmt::format("\"PostgreSQL-Backup-Manifest-Version\": {}", major >= 17 ? 2 : 1)) !=
              std::string::npos);
        pg.sql("select pg_drop_replication_slot('understudy')");
    }
}
