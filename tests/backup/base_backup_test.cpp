#include <doctest/doctest.h>

#include "backup/base_backup.h"
#include "backup/progress.h"
#include "backup/recovery_conf.h"

using namespace understudy::backup;

TEST_CASE("BASE_BACKUP in each server's syntax") {
    BaseBackupOptions o;
    o.label = "it's";
    o.fast_checkpoint = true;
    CHECK(base_backup_command(150004, o) ==
          "BASE_BACKUP (LABEL 'it''s', PROGRESS, CHECKPOINT 'fast', WAL false, MANIFEST 'yes', TABLESPACE_MAP, "
          "TARGET 'client')");
    CHECK(base_backup_command(140011, o) == "BASE_BACKUP LABEL 'it''s' PROGRESS FAST TABLESPACE_MAP MANIFEST 'yes'");
    o.fast_checkpoint = false;
    o.max_rate_kb = 1024;
    CHECK(base_backup_command(180000, o) ==
          "BASE_BACKUP (LABEL 'it''s', PROGRESS, CHECKPOINT 'spread', WAL false, MANIFEST 'yes', TABLESPACE_MAP, "
          "MAX_RATE 1024, TARGET 'client')");
    CHECK(base_backup_command(140011, o) ==
          "BASE_BACKUP LABEL 'it''s' PROGRESS MAX_RATE 1024 TABLESPACE_MAP MANIFEST 'yes'");
}

TEST_CASE("--tablespace-mapping OLD=NEW") {
    auto m = parse_tablespace_mapping("/srv/a\\=b/=/new/");
    REQUIRE(m);
    CHECK(m->old_dir == "/srv/a=b");
    CHECK(m->new_dir == "/new");
    CHECK(!parse_tablespace_mapping("/a"));
    CHECK(!parse_tablespace_mapping("a=/b"));
    CHECK(!parse_tablespace_mapping("/a=/b=/c"));
}

TEST_CASE("backup_label: start and checkpoint locations") {
    auto l = parse_backup_label("START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\n"
                                "CHECKPOINT LOCATION: 0/2000060\nBACKUP METHOD: streamed\nBACKUP FROM: primary\n"
                                "START TIME: 2026-12-07 05:33:43 UTC\nLABEL: x\nSTART TIMELINE: 1\n");
    REQUIRE(l);
    CHECK(l->start_lsn == 0x2000028);
    CHECK(l->checkpoint_lsn == 0x2000060);
    CHECK(l->timeline == 1);
    CHECK(!parse_backup_label("LABEL: x\n"));
}

TEST_CASE("progress: bytes of the estimate, rate, ETA") {
    CHECK(backup_progress_text(10 * 1024 * 1024, 40 * 1024 * 1024, 2.0) == "10.0 MB of 40.0 MB (25%), 5.0 MB/s, ETA 0:06");
    CHECK(backup_progress_text(50 * 1024 * 1024, 40 * 1024 * 1024, 10.0) == "50.0 MB of 50.0 MB (100%), 5.0 MB/s");
    CHECK(backup_progress_text(2048, 0, 1.0) == "2.0 kB, 2.0 kB/s");
    BackupProgress plain(false, 5.0);
    CHECK(!plain.update(1.0, 1, 2));
    CHECK(plain.update(5.0, 1, 2));
    CHECK(!plain.update(9.0, 1, 2));
    BackupProgress tty(true, 5.0);
    auto line = tty.update(0.6, 1, 2);
    REQUIRE(line);
    CHECK(line->front() == '\r');
}

TEST_CASE("recovery configuration as pg_basebackup -R writes it; no password unless the user gave one") {
    const std::vector<std::pair<std::string, std::string>> opts = {
        {"user", "postgres"},   {"password", "s3cr'et"}, {"passfile", "/root/.pgpass"}, {"dbname", "replication"},
        {"host", "127.0.0.1"}, {"port", "5432"},        {"replication", "true"},        {"sslmode", ""},
        {"application_name", "my app"}};
    CHECK(recovery_config_text(opts, false, "understudy") ==
          "primary_conninfo = 'user=postgres passfile=''/root/.pgpass'' host=127.0.0.1 port=5432 "
          "application_name=''my app'''\nprimary_slot_name = 'understudy'\n");
    CHECK(recovery_config_text(opts, true, "") ==
          "primary_conninfo = 'user=postgres password=''s3cr\\\\''et'' passfile=''/root/.pgpass'' host=127.0.0.1 "
          "port=5432 application_name=''my app'''\n");
}
