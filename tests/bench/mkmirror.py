#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# mkmirror.py - a synthetic Debian mirror for aptbt-mkmeta's tests and
# benchmark: pool files of the given sizes (random bytes: hashing does not
# care what a .deb holds), spread over suites, components and
# architectures; Packages and Sources indices in plain, .gz and .xz form,
# the plain ones left out as real mirrors do; a Release per suite listing
# them all, Acquire-By-Hash, with some indices only under by-hash/SHA256/.
#
#   mkmirror.py ROOT SIZES-FILE [--seed N]
#   mkmirror.py ROOT --change PERCENT [--seed N]   rewrite PERCENT of the
#       pool (new content, same names) and the indices and Releases
#   mkmirror.py ROOT --remove NAME...              drop those pool files
#
# SIZES-FILE holds one size in bytes per line (one pool file each).
import gzip
import hashlib
import json
import lzma
import os
import random
import sys

SUITES = ['oldstable', 'stable', 'testing']
COMPS = ['main', 'contrib']
ARCHES = ['amd64', 'arm64', 'all']


def write_random(path, size, rng):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        left = size
        while left > 0:
            n = min(left, 1 << 20)
            f.write(rng.randbytes(n))
            left -= n


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for b in iter(lambda: f.read(1 << 20), b''):
            h.update(b)
    return h.hexdigest()


def layout(root, sizes, rng):
    """Each file goes to one component and architecture; suites share
    files (a third are in every suite, like a package that did not
    change between releases)."""
    files = []
    for i, size in enumerate(sizes):
        comp = COMPS[i % len(COMPS)]
        arch = ARCHES[i % len(ARCHES)]
        if arch == 'all' and i % 7 == 0:
            kind = 'source'
            name = 'pool/%s/s/src%d/src%d_1.0.orig.tar.xz' % (comp, i, i)
        else:
            kind = 'binary'
            name = 'pool/%s/p/pkg%d/pkg%d_1.0_%s.deb' % (comp, i, i, arch)
        suites = SUITES if i % 3 == 0 else [SUITES[i % len(SUITES)]]
        files.append({'name': name, 'size': size, 'comp': comp,
                      'arch': arch, 'kind': kind, 'suites': suites, 'n': i})
        write_random(os.path.join(root, name), size, rng)
    return files


def stanzas(root, files, suite, comp, arch):
    out = []
    for f in files:
        if suite not in f['suites'] or f['comp'] != comp:
            continue
        p = os.path.join(root, f['name'])
        if f['kind'] == 'binary' and (f['arch'] == arch or f['arch'] == 'all'):
            out.append('Package: pkg%d\nVersion: 1.0\nArchitecture: %s\n'
                       'Filename: %s\nSize: %d\nSHA256: %s\n'
                       'Description: synthetic\n continued line\n'
                       % (f['n'], f['arch'], f['name'], os.path.getsize(p),
                          sha256_file(p)))
    return '\n'.join(out)


def sources(root, files, suite, comp):
    out = []
    for f in files:
        if suite not in f['suites'] or f['comp'] != comp or f['kind'] != 'source':
            continue
        p = os.path.join(root, f['name'])
        d, base = os.path.split(f['name'])
        out.append('Package: src%d\nVersion: 1.0\nDirectory: %s\n'
                   'Checksums-Sha256:\n %s %d %s\n'
                   % (f['n'], d, sha256_file(p), os.path.getsize(p), base))
    return '\n'.join(out)


def publish(dist, rel, text, byhash_only, entries):
    raw = text.encode()
    forms = {'': raw, '.gz': gzip.compress(raw, 6, mtime=0),
             '.xz': lzma.compress(raw)}
    d = os.path.join(dist, os.path.dirname(rel))
    os.makedirs(os.path.join(d, 'by-hash', 'SHA256'), exist_ok=True)
    for suf, data in forms.items():
        h = hashlib.sha256(data).hexdigest()
        entries.append((h, len(data), rel + suf))
        with open(os.path.join(d, 'by-hash', 'SHA256', h), 'wb') as f:
            f.write(data)
        path = os.path.join(dist, rel + suf)
        if os.path.exists(path):
            os.unlink(path)
        # The plain index is listed, not mirrored; some only by hash.
        if suf == '' or (byhash_only and suf == '.xz'):
            continue
        if byhash_only and suf == '.gz':
            continue
        with open(path, 'wb') as f:
            f.write(data)


def index_all(root, files):
    for si, suite in enumerate(SUITES):
        dist = os.path.join(root, 'dists', suite)
        entries = []
        for ci, comp in enumerate(COMPS):
            for arch in ARCHES:
                if arch == 'all':
                    continue
                publish(dist, '%s/binary-%s/Packages' % (comp, arch),
                        stanzas(root, files, suite, comp, arch),
                        (si + ci) % 2 == 1, entries)
            publish(dist, '%s/source/Sources' % comp,
                    sources(root, files, suite, comp), False, entries)
        lines = ['Origin: aptbt-bench', 'Suite: ' + suite,
                 'Codename: ' + suite, 'Architectures: amd64 arm64',
                 'Components: ' + ' '.join(COMPS), 'Acquire-By-Hash: yes',
                 'SHA256:']
        lines += [' %s %16d %s' % e for e in entries]
        with open(os.path.join(dist, 'Release'), 'w') as f:
            f.write('\n'.join(lines) + '\n')


def main():
    root = sys.argv[1]
    seed = 1
    if '--seed' in sys.argv:
        seed = int(sys.argv[sys.argv.index('--seed') + 1])
    rng = random.Random(seed)
    state = os.path.join(root, '.mkmirror.json')
    if sys.argv[2] == '--change':
        files = json.load(open(state))
        pct = float(sys.argv[3])
        pick = rng.sample(files, max(1, int(len(files) * pct / 100)))
        for f in pick:
            write_random(os.path.join(root, f['name']), f['size'], rng)
    elif sys.argv[2] == '--remove':
        files = json.load(open(state))
        gone = set(sys.argv[3:])
        for f in files:
            if f['name'] in gone:
                os.unlink(os.path.join(root, f['name']))
        files = [f for f in files if f['name'] not in gone]
    else:
        sizes = [int(x) for x in open(sys.argv[2]).read().split()]
        files = layout(root, sizes, rng)
    index_all(root, files)
    json.dump(files, open(state, 'w'))


main()
