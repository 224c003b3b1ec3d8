#!/usr/bin/env python3
"""Turns the WAL of one coverage run (tools/waldump_diff.sh --keep, 1 MB segments) into the
compact fixture of tests/fixtures/wal/pgN/ (called by tools/make_version_fixtures.sh):

  wal/<segment>.zst        the chosen segments, zstd-compressed
  cases.tsv                one line per pg_waldump run: NAME, exit status, arguments (@WAL@
                           stands for the directory the test unpacks wal/ into)
  expected/NAME.out.zst    its stdout; expected/NAME.err its stderr when not empty
  MANIFEST                 versions, settings, groups and the record types each group holds
  corruption.tsv           reader-level corruption trials on one chosen segment: NAME, SEGMENT,
                           OFFSET:XOR,... (bytes to flip), pg_waldump's exit status, stdout line
                           count and FNV-1a 64 hash, arguments; expected/corrupt.NAME.err its stderr

Segments are chosen greedily until every record type the run wrote is in one of them (a set
cover over segments; a record that may continue into the next segment does not count for its
own, since a group ending there stops before it); the outputs are checked to hold every type. Consecutive chosen segments form a group, dumped as `-p @WAL@ FIRST LAST` in text, -b,
--stats and --stats=record; the group with the most record types also gets the filters this
pg_waldump has (-r, -x, -R, -B, -F, -w, -n, -q, --stats=record with -r); --rmgr=list once.

Usage: version_fixture.py VERSION PG_WALDUMP WORK_DIR OUT_DIR
"""
import collections
import os
import re
import shutil
import subprocess
import sys

SEG = 1 << 20
REC = re.compile(r'^rmgr: (\S+)\s+len \(rec/tot\):\s*(\d+)/\s*(\d+), tx:\s*(\d+), lsn: ([0-9A-F]+)/([0-9A-F]+), '
                 r'prev [0-9A-F]+/[0-9A-F]+, desc: (\S+)')
BLK = re.compile(r'blkref #\d+: rel (\d+/\d+/\d+) fork (\w+) blk (\d+)')


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def seg_name(tli, segno):
    return '%08X%08X%08X' % (tli, segno >> 12, segno & 0xFFF)


def zstd_write(path, data):
    subprocess.run(['zstd', '-19', '-q', '-f', '-o', path], input=data, check=True)


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return '%016x' % h


def corruption_trials(seg_bytes, records, seed):
    """(name, [(offset, xor)]) pairs: one per reader check (CRC, xl_prev, rmid, length, page
    magic, pageaddr, contrecord flag and length), then seeded random flips."""
    import random
    rng = random.Random(seed)
    mid = [r for r in records if 8192 * 2 < r[0] < len(seg_bytes) - 8192 * 2]
    trials = []
    r = mid[len(mid) // 2]
    off, tot = r
    trials.append(('crc', [(off + 20, 0x01)]))             # xl_crc
    trials.append(('xl_prev', [(off + 8, 0x10)]))          # xl_prev
    trials.append(('rmid', [(off + 17, 0xC0)]))            # xl_rmid beyond the builtin ids
    trials.append(('tot_len', [(off + 3, 0x40)]))          # xl_tot_len huge
    trials.append(('data', [(off + min(tot, 8192 - off % 8192) - 1, 0x5A)]))  # last byte on the page
    # A page that starts with the continuation of a record.
    cont = next(((o, t) for o, t in mid if o % 8192 + t > 8192 and (o + 8192) // 8192 * 8192 < len(seg_bytes) - 8192), None)
    page = (cont[0] // 8192 + 1) * 8192 if cont else 8192 * 3
    trials.append(('page_magic', [(page, 0x01)]))
    trials.append(('page_info', [(page + 2, 0x08)]))      # a bit outside XLP_ALL_FLAGS
    trials.append(('page_tli', [(page + 4, 0x02)]))
    trials.append(('page_addr', [(page + 9, 0x01)]))      # xlp_pageaddr
    trials.append(('contrecord_flag', [(page + 2, 0x01)]))   # XLP_FIRST_IS_CONTRECORD cleared
    trials.append(('contrecord_len', [(page + 16, 0x08)]))   # xlp_rem_len
    trials.append(('long_header_segsize', [(32, 0x01)]))     # xlp_seg_size in the first page
    used = len(seg_bytes.rstrip(b'\0')) or 1
    for i in range(14):
        n = 1 + rng.randrange(3)
        flips = []
        for _ in range(n):
            where = rng.randrange(10)
            if where < 6:
                o = rng.randrange(used)
            else:
                pg = rng.randrange((used + 8191) // 8192) * 8192
                o = pg + rng.randrange(40 if pg == 0 else 24)
            flips.append((o, 1 + rng.randrange(255)))
        trials.append((f'random{i + 1}', flips))
    return trials


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    version, pg_waldump, work, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    start, end, tli = open(os.path.join(work, 'range')).read().split()
    tli = int(tli)
    waldir = os.path.join(work, 'pg_wal')
    dump = run([pg_waldump, '-p', waldir, '-s', start, '-e', end] + ([] if tli == 1 else ['-t', str(tli)]))
    if dump.returncode != 0:
        sys.exit(f'version_fixture: pg_waldump over {start}..{end} failed: {dump.stderr}')
    types_in = collections.defaultdict(set)     # segment number -> types starting in it
    crossing = collections.defaultdict(set)     # segment -> types of records continuing into it
    first_seg = last_seg = None
    recs = []
    for line in dump.stdout.splitlines():
        m = REC.match(line)
        if m:
            recs.append(((int(m.group(5), 16) << 32) | int(m.group(6), 16), f'{m.group(1)}/{m.group(7)}'))
    for i, (lsn, rtype) in enumerate(recs):
        segno = lsn // SEG
        # A record continues into the next segment when the next one does not start right after
        # that segment's long page header (40 bytes): it does not count for its own segment, since
        # a group ending there stops before it.
        nxt = recs[i + 1][0] if i + 1 < len(recs) else lsn
        if nxt // SEG == segno or nxt == (segno + 1) * SEG + 40:
            types_in[segno].add(rtype)
        else:
            types_in[segno]
            crossing[segno + 1].add(rtype)
        first_seg = segno if first_seg is None else first_seg
        last_seg = segno
    written = set().union(*types_in.values(), *crossing.values())
    coverable = set().union(*types_in.values())
    if coverable != written:
        sys.exit(f'version_fixture: types only in records that cross a segment boundary: {sorted(written - coverable)}')
    chosen = set()
    covered = set()
    while covered != written:
        best = max(sorted(types_in), key=lambda s: len(types_in[s] - covered))
        chosen.add(best)
        covered |= types_in[best]
    groups = []
    for s in sorted(chosen):
        if groups and groups[-1][1] == s - 1:
            groups[-1][1] = s
        else:
            groups.append([s, s])

    if os.path.exists(out):
        shutil.rmtree(out + '.new', ignore_errors=True)
    tmp = out + '.new'
    os.makedirs(os.path.join(tmp, 'wal'))
    os.makedirs(os.path.join(tmp, 'expected'))
    for s in sorted(chosen):
        name = seg_name(tli, s)
        with open(os.path.join(waldir, name), 'rb') as f:
            data = f.read()
        subprocess.run(['zstd', '-19', '-q', '-f', '-o', os.path.join(tmp, 'wal', name + '.zst')], input=data, check=True)
    # Unpacked copy of the chosen segments only: the expected outputs must come from exactly the
    # files the test will have.
    only = os.path.join(work, 'fixture_wal')
    shutil.rmtree(only, ignore_errors=True)
    os.makedirs(only)
    for s in chosen:
        shutil.copy(os.path.join(waldir, seg_name(tli, s)), only)

    help_text = run([pg_waldump, '--help']).stdout
    cases = []
    for i, (a, b) in enumerate(groups, 1):
        seg_args = ['-p', '@WAL@', seg_name(tli, a), seg_name(tli, b)]
        cases.append((f'g{i}.text', seg_args))
        cases.append((f'g{i}.bkp', seg_args + ['-b']))
        cases.append((f'g{i}.stats', seg_args + ['--stats']))
        cases.append((f'g{i}.stats_record', seg_args + ['--stats=record']))
    # Filters over the group holding the most record types.
    gi = max(range(len(groups)), key=lambda i: len(set().union(*(types_in[s] for s in range(groups[i][0], groups[i][1] + 1)))))
    a, b = groups[gi]
    seg_args = ['-p', '@WAL@', seg_name(tli, a), seg_name(tli, b)]
    gtext = run([pg_waldump, '-b'] + [x.replace('@WAL@', only) for x in seg_args]).stdout
    xids = collections.Counter(m.group(4) for m in map(REC.match, gtext.splitlines()) if m and m.group(4) != '0')
    blk = BLK.search(gtext)
    g = f'g{gi + 1}'
    cases.append((f'{g}.rmgr_heap', seg_args + ['-r', 'Heap']))
    cases.append((f'{g}.rmgr_btree_bkp', seg_args + ['-r', 'Btree', '-b']))
    if xids:
        cases.append((f'{g}.xid', seg_args + ['-x', xids.most_common(1)[0][0]]))
    cases.append((f'{g}.limit', seg_args + ['-n', '25']))
    cases.append((f'{g}.quiet', seg_args + ['-q']))
    cases.append((f'{g}.stats_record_heap2', seg_args + ['-z', '-r', 'Heap2']))
    if '--relation' in help_text and blk:
        cases.append((f'{g}.relation', seg_args + ['-R', blk.group(1)]))
        if '--block' in help_text:
            cases.append((f'{g}.relation_block', seg_args + ['-R', blk.group(1), '-B', blk.group(3)]))
    if '--fork' in help_text:
        cases.append((f'{g}.fork_vm', seg_args + ['-F', 'vm']))
        cases.append((f'{g}.fork_init', seg_args + ['-F', 'init', '-b']))
    if '--fullpage' in help_text:
        cases.append((f'{g}.fullpage', seg_args + ['-w']))
    cases.append(('rmgr_list', ['--rmgr=list']))

    lines = []
    for name, args in cases:
        r = subprocess.run([pg_waldump] + [x.replace('@WAL@', only) for x in args],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        zstd_write(os.path.join(tmp, 'expected', name + '.out.zst'), r.stdout)
        if r.stderr:
            with open(os.path.join(tmp, 'expected', name + '.err'), 'wb') as f:
                f.write(r.stderr.replace(only.encode(), b'@WAL@'))
        lines.append('\t'.join([name, str(r.returncode)] + args))
    in_outputs = set()
    for name, _ in cases:
        if name.endswith('.stats_record'):
            out_text = subprocess.run(['zstd', '-dc', os.path.join(tmp, 'expected', name + '.out.zst')],
                                      stdout=subprocess.PIPE, check=True, text=True).stdout
            for line in out_text.splitlines():
                f = line.split()
                if len(f) > 1 and '/' in f[0] and f[1].isdigit() and f[1] != '0':
                    in_outputs.add(f[0])
    if not written <= in_outputs:
        sys.exit(f'version_fixture: the chosen segments lack {sorted(written - in_outputs)}')
    with open(os.path.join(tmp, 'cases.tsv'), 'w') as f:
        f.write('# NAME\tEXIT\tARGS... (tools/make_version_fixtures.sh; @WAL@: the unpacked wal/)\n')
        f.write('\n'.join(lines) + '\n')
    # Corruption trials on the chosen segment with the most records (not the range's first).
    seg_records = collections.defaultdict(list)
    for line in dump.stdout.splitlines():
        m = REC.match(line)
        if m:
            lsn = (int(m.group(5), 16) << 32) | int(m.group(6), 16)
            seg_records[lsn // SEG].append((lsn % SEG, int(m.group(3))))
    cseg = max(sorted(chosen), key=lambda s: len(seg_records[s]))
    cname = seg_name(tli, cseg)
    original = open(os.path.join(only, cname), 'rb').read()
    cdir = os.path.join(work, 'corrupt_wal')
    clines = []
    for tname, flips in corruption_trials(original, seg_records[cseg], 20261207 + int(version)):
        data = bytearray(original)
        for o, x in flips:
            data[o] ^= x
        shutil.rmtree(cdir, ignore_errors=True)
        os.makedirs(cdir)
        with open(os.path.join(cdir, cname), 'wb') as f:
            f.write(data)
        for mode, extra in (('', []), ('.stats', ['--stats=record'])):
            args = ['-p', '@WAL@', cname] + extra
            r = subprocess.run([pg_waldump] + [x.replace('@WAL@', cdir) for x in args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            name = tname + mode
            if r.stderr:
                with open(os.path.join(tmp, 'expected', f'corrupt.{name}.err'), 'wb') as f:
                    f.write(r.stderr.replace(cdir.encode(), b'@WAL@'))
            clines.append('\t'.join([name, cname, ','.join(f'{o}:{x}' for o, x in flips), str(r.returncode),
                                     str(r.stdout.count(b'\n')), fnv1a64(r.stdout)] + args))
    with open(os.path.join(tmp, 'corruption.tsv'), 'w') as f:
        f.write('# NAME\tSEGMENT\tOFFSET:XOR,...\tEXIT\tLINES\tFNV1A64\tARGS... (tools/make_version_fixtures.sh)\n')
        f.write('\n'.join(clines) + '\n')

    server = run(['cat', os.path.join(work, 'server_version')]).stdout.strip() if os.path.exists(os.path.join(work, 'server_version')) else '?'
    with open(os.path.join(tmp, 'MANIFEST'), 'w') as f:
        f.write(f'# PostgreSQL {version} WAL fixture (tools/make_version_fixtures.sh)\n')
        f.write(f'server: {server}\n')
        source = os.path.join(os.path.dirname(pg_waldump), 'SOURCE')
        built_from = f' (built from PostgreSQL {open(source).read().strip()})' if os.path.exists(source) else ''
        f.write(f'pg_waldump: {run([pg_waldump, "--version"]).stdout.strip()}{built_from}\n')
        f.write('settings: initdb --wal-segsize=1, wal_level = logical, wal_compression = pglz, '
                'wal_consistency_checking = all (tools/waldump_diff.sh --version)\n')
        f.write(f'workload: all_rmgrs.sql + coverage_extras.sql over {start}..{end}, timeline {tli}, '
                f'segments {seg_name(tli, first_seg)}..{seg_name(tli, last_seg)}\n')
        f.write(f'record types written: {len(written)}; the chosen segments hold all of them\n')
        for i, (a, b) in enumerate(groups, 1):
            ts = sorted(set().union(*(types_in[s] for s in range(a, b + 1))))
            f.write(f'g{i} {seg_name(tli, a)} {seg_name(tli, b)} {len(ts)} types: {" ".join(ts)}\n')
    keep = [p for p in ('record_types.txt',) if os.path.exists(os.path.join(out, p))]
    for p in keep:
        shutil.copy(os.path.join(out, p), tmp)
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)
    print(f'pg{version}: {len(chosen)} of {last_seg - first_seg + 1} segments in {len(groups)} groups cover '
          f'{len(written)} record types; {len(cases)} cases')


if __name__ == '__main__':
    main()
