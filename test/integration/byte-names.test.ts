/**
 * File names that are not UTF-8 (bytes such as 0xff, as Latin-1 names and
 * programs that make names from raw bytes have them) go through burrow whole:
 * a layer GNU tar wrote (`import`), what a container makes (`commit`,
 * `export`, `diff`), `cp` both ways, and burrow's own command line. Node
 * decodes such a name with U+FFFD in place of each bad byte; before
 * system/names.ts the packer skipped those files, the unpacker wrote the
 * mangled names (two names could become one), and a container's command got
 * U+FFFD in place of its argument's bytes.
 */
import { mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { describeContainers, fixtures } from '../helpers/fixtures.js';
import { BURROW } from '../helpers/run-cli.js';
import { newStore, type TestStore } from '../helpers/store.js';

const IMAGE = 'localhost/byte-names:latest';
/** A name's bytes, from strings (UTF-8), byte lists and names. */
const b = (...parts: (string | number[] | Buffer)[]): Buffer => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
/** Names under /bytes: not UTF-8 (a lone 0xff, 0xfe, an overlong 0xc0 0xaf, a surrogate's 0xed 0xa0 0x80), one UTF-8, one long (a PAX record). */
const FILE = b('a', [0xff], 'b');
const DIR = b('dir', [0xfe]);
const OVERLONG = b('slash', [0xc0, 0xaf]);
const SURROGATE = b('half', [0xed, 0xa0, 0x80]);
const UTF8 = b('caf\u00e9');
const LONG = b('x'.repeat(120), [0xfb]);
const TARGET = b('tgt', [0xfd]);
const HARD = b('hard', [0xfc]);

describeContainers('file names that are not UTF-8', () => {
  let store: TestStore;
  let host: string;

  /** burrow's stdout as bytes (runCli decodes it as UTF-8, which would lose what is tested here) */
  const bytesOut = async (args: string[], input?: Buffer): Promise<Buffer> => {
    const r = await execa(BURROW, args, { env: store.env, encoding: 'buffer', reject: false, stripFinalNewline: false, ...(input ? { input } : { stdin: 'ignore' }) });
    expect(r.exitCode, `burrow ${args.join(' ')}: ${Buffer.from(r.stderr).toString()}`).toBe(0);
    return Buffer.from(r.stdout);
  };
  /** The lines of a listing as byte strings (latin1: one character per byte), sorted. */
  const listed = (out: Buffer): string[] =>
    out
      .toString('latin1')
      .split('\n')
      .filter((l) => l !== '')
      .sort();
  const L = (...names: Buffer[]): string => Buffer.concat(names).toString('latin1');
  /** A shell line run with burrow as $0 and `args` after it: a word of raw bytes made by printf, which Node's argv cannot hold. */
  const shell = async (line: string, ...args: string[]): Promise<Buffer> => {
    const r = await execa('sh', ['-c', line, BURROW, ...args], { env: store.env, encoding: 'buffer', reject: false, stripFinalNewline: false });
    expect(r.exitCode, Buffer.from(r.stderr).toString()).toBe(0);
    return Buffer.from(r.stdout);
  };
  const expected = (prefix: string): string[] =>
    [b(prefix), b(prefix, '/', FILE), b(prefix, '/', DIR), b(prefix, '/', DIR, '/f'), b(prefix, '/', OVERLONG), b(prefix, '/', SURROGATE), b(prefix, '/', UTF8), b(prefix, '/', LONG), b(prefix, '/ln'), b(prefix, '/', HARD)]
      .map((n) => L(n))
      .sort();

  beforeAll(async () => {
    store = newStore('byte-names');
    host = join(fixtures().dir, 'byte-names');
    // The fixture's busybox root and a /bytes tree of such names, in one layer as GNU tar writes it (POSIX format:
    // the short names in ustar's fields, the long one in a PAX record, each as its bytes).
    const tree = join(host, 'tree');
    const bytes = b(tree, '/bytes');
    mkdirSync(bytes, { recursive: true });
    writeFileSync(b(bytes, '/', FILE), 'one\n');
    mkdirSync(b(bytes, '/', DIR));
    writeFileSync(b(bytes, '/', DIR, '/f'), 'two\n');
    writeFileSync(b(bytes, '/', OVERLONG), 'three\n');
    writeFileSync(b(bytes, '/', SURROGATE), 'four\n');
    writeFileSync(b(bytes, '/', UTF8), 'five\n');
    writeFileSync(b(bytes, '/', LONG), 'six\n');
    symlinkSync(TARGET, b(bytes, '/ln'));
    // (a name in Node's argv would be UTF-8: the hard link is made by a shell from the bytes themselves)
    await execa('sh', ['-c', `cd "$1" && ln "$(printf 'a\\377b')" "$(printf 'hard\\374')"`, 'sh', `${tree}/bytes`]);
    const layer = join(host, 'layer.tar');
    await execa('tar', ['--format=posix', '--numeric-owner', '--owner=0', '--group=0', '-cf', layer, '-C', fixtures().rootfs, '.', '-C', tree, 'bytes']);
    const r = await store.run(['import', '-q', layer, IMAGE]);
    expect(r.exitCode, r.stderr).toBe(0);
  });

  afterAll(async () => {
    await store.run(['rm', '-af', '-t', '0']);
  });

  it('a layer GNU tar wrote unpacks with each name, link target and hard link as its bytes', async () => {
    expect(listed(await bytesOut(['run', '--rm', IMAGE, 'find', '/bytes']))).toEqual(expected('/bytes'));
    const inside = await bytesOut(['run', '--rm', IMAGE, 'sh', '-c', 'readlink /bytes/ln; cat /bytes/a?b /bytes/dir?/f /bytes/hard?; stat -c %h /bytes/a?b']);
    expect(inside.toString('latin1')).toBe(L(TARGET, b('\none\ntwo\none\n2\n')));
  });

  it("a word of burrow's own command line that is not UTF-8 keeps its bytes: run's and the sandbox's command, a sandbox's bind source, a volume's path, an env file", async () => {
    const word = b('x', [0xff], 'y\u00e9');
    expect(await shell(`exec "$0" run --rm ${IMAGE} sh -c 'printf %s "$1"' sh "$(printf 'x\\377y\\303\\251')"`)).toEqual(word);
    expect(await shell(`exec "$0" sandbox --ro-bind / / -- /bin/sh -c 'printf %s "$1"' sh "$(printf 'x\\377y\\303\\251')"`)).toEqual(word);
    // a bind source of such bytes: found, as bwrap finds it
    mkdirSync(b(host, '/src', [0xf4]));
    writeFileSync(b(host, '/src', [0xf4], '/f'), 'bound\n');
    expect((await shell(`exec "$0" sandbox --ro-bind / / --bind "$1/$(printf 'src\\364')" /mnt cat /mnt/f`, host)).toString()).toBe('bound\n');
    // a volume's host path, and a value in an env file, of such bytes
    mkdirSync(b(host, '/vol', [0xf7]));
    writeFileSync(b(host, '/vol', [0xf7], '/f'), 'volume\n');
    writeFileSync(join(host, 'env-file'), b('A=x', [0xf9], 'y\n'));
    const line = `exec "$0" run --rm -v "$1/$(printf 'vol\\367'):/data" --env-file "$1/env-file" ${IMAGE} sh -c 'cat /data/f; printf %s "$A"'`;
    expect(await shell(line, host)).toEqual(b('volume\nx', [0xf9], 'y'));
  });

  it('what a container made is kept by commit, export and diff, and cp takes it out and in', async () => {
    const made = b('made', [0xf8]);
    expect((await store.run(['run', '--name', 'maker', IMAGE, 'sh', '-c', `printf new > "/bytes/$(printf 'made\\370')"`])).exitCode).toBe(0);

    // diff prints the names' own bytes
    expect(listed(await bytesOut(['diff', 'maker']))).toContain(L(b('A /bytes/', made)));

    // export: the tar has every name as its bytes (GNU tar lists them literally, a directory with its slash)
    const exported = await bytesOut(['export', 'maker']);
    const inTar = listed(Buffer.from((await execa('tar', ['-t', '--quoting-style=literal'], { input: exported, encoding: 'buffer' })).stdout));
    const dirs = new Set([L(b('bytes')), L(b('bytes/', DIR))]);
    for (const name of [...expected('bytes'), L(b('bytes/', made))]) expect(inTar).toContain(dirs.has(name) ? `${name}/` : name);

    // commit: the new image's layer has the new name, and the old ones still unpack whole
    expect((await store.run(['commit', '-q', 'maker', 'localhost/byte-names:committed'])).exitCode).toBe(0);
    expect(listed(await bytesOut(['run', '--rm', 'localhost/byte-names:committed', 'find', '/bytes']))).toEqual([...expected('/bytes'), L(b('/bytes/', made))].sort());

    // cp out to the host: the host's files have the names' bytes
    const out = join(host, 'out');
    expect((await store.run(['cp', 'maker:/bytes', out])).exitCode).toBe(0);
    const names = readdirSync(out, { encoding: 'buffer' }).map((n) => n.toString('latin1'));
    expect(names.sort()).toEqual([FILE, DIR, OVERLONG, SURROGATE, UTF8, LONG, b('ln'), HARD, made].map((n) => n.toString('latin1')).sort());
    expect(readFileSync(b(out, '/', DIR, '/f'), 'utf8')).toBe('two\n');
    expect(readlinkSync(b(out, '/ln'), { encoding: 'buffer' })).toEqual(TARGET);

    // cp in: a host tree (packed on the host's side) and a tar on stdin; the container sees the bytes
    const tree = join(host, 'in-tree');
    mkdirSync(tree);
    writeFileSync(b(tree, '/tree-', [0xf6]), 'eight\n');
    expect((await store.run(['cp', tree, 'maker:/bytes/'])).exitCode).toBe(0);
    const tarball = Buffer.from((await execa('sh', ['-c', `cd "$1" && printf seven > "$(printf 'in-\\367')" && tar -c "$(printf 'in-\\367')"`, 'sh', host], { encoding: 'buffer' })).stdout);
    await bytesOut(['cp', '-', 'maker:/bytes/'], tarball);
    const seen = listed(Buffer.from((await execa('tar', ['-t', '--quoting-style=literal'], { input: await bytesOut(['cp', 'maker:/bytes', '-']), encoding: 'buffer' })).stdout));
    expect(seen).toContain(L(b('bytes/in-', [0xf7])));
    expect(seen).toContain(L(b('bytes/in-tree/tree-', [0xf6])));
    // host paths of such bytes on the command line, both ways
    writeFileSync(b(host, '/h', [0xf1]), 'nine\n');
    await shell(`"$0" cp "$1/$(printf 'h\\361')" maker:/bytes/ && exec "$0" cp maker:/bytes "$1/$(printf 'back\\362')"`, host);
    expect(readFileSync(b(host, '/back', [0xf2], '/h', [0xf1]), 'utf8')).toBe('nine\n');
    expect(readFileSync(b(host, '/back', [0xf2], '/', FILE), 'utf8')).toBe('one\n');
    expect((await bytesOut(['start', '-a', 'maker'])).length).toBe(0);
    expect(listed(await bytesOut(['diff', 'maker']))).toContain(L(b('A /bytes/in-', [0xf7])));
  });
});
