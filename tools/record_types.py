#!/usr/bin/env python3
"""Lists the record types a PostgreSQL version can write, as pg_waldump --stats=record names
them ("Rmgr/TYPE"), from that version's source tree: the rmgr names and identify functions of
src/include/access/rmgrlist.h, and every name each identify function returns
(`id = "NAME";` or `return "NAME";`) in src/backend/access/rmgrdesc/*.c.

Usage: tools/record_types.py PG_SOURCE_DIR > tests/fixtures/wal/pgN/record_types.txt
"""
import pathlib
import re
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    src = pathlib.Path(sys.argv[1]) / "src"
    rmgrlist = (src / "include/access/rmgrlist.h").read_text()
    rmgrs = re.findall(r'^PG_RMGR\(\w+,\s*"(\w+)",\s*\w+,\s*\w+,\s*(\w+)', rmgrlist, re.M)
    if not rmgrs:
        sys.exit(f"record_types: no PG_RMGR lines in {src}/include/access/rmgrlist.h")
    bodies = {}
    for c in sorted((src / "backend/access/rmgrdesc").glob("*.c")):
        text = c.read_text()
        for m in re.finditer(r'^(\w+_identify)\(uint8 info\)\n\{(.*?)^\}', text, re.M | re.S):
            bodies[m.group(1)] = m.group(2)
    for name, identify in rmgrs:
        body = bodies.get(identify)
        if body is None:
            sys.exit(f"record_types: {identify} (rmgr {name}) not found in {src}/backend/access/rmgrdesc")
        seen = []
        for t in re.findall(r'(?:id\s*=|return)\s*"([^"]+)"', body):
            if t not in seen:
                seen.append(t)
        if not seen:
            sys.exit(f"record_types: {identify} returns no names")
        for t in seen:
            print(f"{name}/{t}")


if __name__ == "__main__":
    main()
