#!/usr/bin/env python3
"""The file side of a low-level base backup (tools/lib/pg.sh's pg_base_backup).

  base_backup.py copy DATADIR DEST   copies the data directory of a running server into DEST as a
                                     base backup does, leaving out what PostgreSQL's basebackup.c
                                     (excludeDirContents, excludeFiles; 14 to 18) leaves out: the
                                     contents of pg_wal (its archive_status directory is made),
                                     pg_stat_tmp, pg_replslot, pg_dynshmem, pg_notify, pg_serial,
                                     pg_snapshots and pg_subtrans; postgresql.auto.conf.tmp,
                                     current_logfiles.tmp, backup_label, tablespace_map,
                                     backup_manifest, postmaster.pid and postmaster.opts;
                                     pg_internal.init* and pgsql_tmp* anywhere. Symbolic links
                                     (pg_tblspc) are copied as links; a file the server removes
                                     while we copy is left out; a file that changes is copied as
                                     read (replay from the backup's start repairs it).
  base_backup.py label RESULT DEST   RESULT is what psql wrote for "select labelfile, spcmapfile
                                     from pg_backup_stop(...)" with format=unaligned,
                                     tuples_only=on and fieldsep_zero=on: writes DEST/backup_label
                                     and, when the backup had tablespaces, DEST/tablespace_map.
"""
import os
import shutil
import stat
import sys

EXCLUDE_DIR_CONTENTS = {"pg_stat_tmp", "pg_replslot", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots",
                        "pg_subtrans"}
EXCLUDE_FILES = {"postgresql.auto.conf.tmp", "current_logfiles.tmp", "backup_label", "tablespace_map",
                 "backup_manifest", "postmaster.pid", "postmaster.opts"}


def copy(src, dst, top):
    os.mkdir(dst)
    shutil.copymode(src, dst)
    for name in sorted(os.listdir(src)):
        if name.startswith("pgsql_tmp") or name.startswith("pg_internal.init"):
            continue
        s, d = os.path.join(src, name), os.path.join(dst, name)
        try:
            st = os.lstat(s)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(st.st_mode):
            os.symlink(os.readlink(s), d)
        elif stat.S_ISDIR(st.st_mode):
            if name in EXCLUDE_DIR_CONTENTS or (top and name == "pg_wal"):
                os.mkdir(d, stat.S_IMODE(st.st_mode))
                if top and name == "pg_wal":
                    os.mkdir(os.path.join(d, "archive_status"), stat.S_IMODE(st.st_mode))
            else:
                try:
                    copy(s, d, False)
                except FileNotFoundError:
                    pass
        elif stat.S_ISREG(st.st_mode) and name not in EXCLUDE_FILES:
            try:
                shutil.copy2(s, d)
            except FileNotFoundError:
                pass


def label(result, dest):
    with open(result, encoding="utf-8") as f:
        text = f.read()
    labelfile, _, spcmapfile = text.partition("\0")
    if not labelfile.startswith("START WAL LOCATION: "):
        sys.exit(f"base_backup.py: {result} does not hold a backup label: {text[:200]!r}")
    with open(os.path.join(dest, "backup_label"), "w", encoding="utf-8") as f:
        f.write(labelfile)
    spcmapfile = spcmapfile[:-1] if spcmapfile.endswith("\n\n") or spcmapfile == "\n" else spcmapfile
    if spcmapfile:
        with open(os.path.join(dest, "tablespace_map"), "w", encoding="utf-8") as f:
            f.write(spcmapfile)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "copy":
        copy(sys.argv[2], sys.argv[3], True)
    elif len(sys.argv) == 4 and sys.argv[1] == "label":
        label(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: base_backup.py copy DATADIR DEST | label RESULT DEST")
