/**
 * `burrow diff` and `burrow commit` on real busybox containers: what a
 * container added, changed and deleted, read from its writable layer; and a
 * new image of it (deletions as whiteouts) that runs, saves, loads elsewhere
 * and shows its history, with --change, --message, --author, --squash and
 * --format docker.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, expect, it } from 'vitest';

import { describeContainers, fixtures } from '../helpers/fixtures.js';
import { buildTestImages, dockerArchiveEntries, makeTar, sha256hex, type TestImages, writeTar } from '../helpers/images.js';
import { expectOneError, lines } from '../helpers/run-cli.js';
import { loadedStore, newStore, type TestStore } from '../helpers/store.js';

const PLAIN = 'localhost/plain:latest';

describeContainers('burrow diff, commit', () => {
  let images: TestImages;
  let store: TestStore;
  const changeScript = 'mkdir /added && echo kept > /added/f && echo "extra:x:5000:5000::/:/bin/sh" >> /etc/passwd && rm /etc/group';

  beforeAll(async () => {
    images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-commit'));
    store = await loadedStore('commit', images.plainOci);
    const made = await store.run(['run', '--name', 'changed', PLAIN, 'sh', '-c', changeScript]);
    expect(made.exitCode, made.stderr).toBe(0);
  });

  it('diff: A for what the container added, C for what it changed (and the directories above), D for what it deleted, sorted', async () => {
    const r = await store.run(['diff', 'changed']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const out = lines(r.stdout);
    expect(out).toEqual(expect.arrayContaining(['A /added', 'A /added/f', 'C /etc', 'C /etc/passwd', 'D /etc/group']));
    expect(out).toEqual([...out].sort((a, b) => (a.slice(2) < b.slice(2) ? -1 : 1)));
    expect(out.filter((l) => l.startsWith('D '))).toEqual(['D /etc/group']);
    const json = JSON.parse((await store.run(['container', 'diff', '--format', 'json', 'changed'])).stdout) as Record<string, string[]>;
    expect(json.added).toEqual(expect.arrayContaining(['/added', '/added/f']));
    expect(json.changed).toEqual(expect.arrayContaining(['/etc', '/etc/passwd']));
    expect(json.deleted).toEqual(['/etc/group']);
    expect((await store.run(['diff', '-l'])).stdout).toBe(r.stdout);
  });

  it('commit: a new image of the container\'s changes that runs with them, --change, --message and --author applied', async () => {
    const r = await store.run(['commit', '-c', 'CMD ["cat", "/added/f"]', '-m', 'with data', '-a', 'Ann <ann@example.org>', 'changed', 'localhost/committed:1']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(lines(r.stderr)).toEqual(expect.arrayContaining(['Getting image source signatures', 'Writing manifest to image destination']));
    const run = await store.run(['run', '--rm', 'localhost/committed:1']);
    expect([run.stdout, run.exitCode]).toEqual(['kept\n', 0]);
    // the deletion is a whiteout: the base layer's /etc/group is gone; the change to /etc/passwd is there
    const seen = await store.run(['run', '--rm', 'localhost/committed:1', 'sh', '-c', 'test -e /etc/group && echo group; grep -c extra /etc/passwd']);
    expect(seen.stdout).toBe('1\n');
    const inspect = JSON.parse((await store.run(['image', 'inspect', 'localhost/committed:1'])).stdout) as { RootFS: { Layers: string[] }; Author: string; History: { comment?: string }[]; ManifestType: string }[];
    expect(inspect[0]?.RootFS.Layers).toHaveLength(2);
    expect(inspect[0]?.History.at(-1)?.comment).toBe('with data');
    expect(inspect[0]?.ManifestType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect((await store.run(['history', '--format', '{{.Comment}}', 'localhost/committed:1'])).stdout.split('\n')[0]).toBe('with data');
    // The new layer's blob, staged by the unpack worker as the packer's tar came through the pipe, is the bytes its digest names.
    const blobs = join(store.data, 'blobs', 'sha256');
    const top = inspect[0]?.RootFS.Layers.at(-1)?.replace('sha256:', '');
    expect(readdirSync(blobs)).toContain(top);
    for (const name of readdirSync(blobs)) expect(sha256hex(readFileSync(join(blobs, name))), name).toBe(name);
    expect(readdirSync(join(store.data, 'tmp'))).toEqual([]);
  });

  it('the committed image saves, and loads and runs in another store', async () => {
    const archive = join(fixtures().dir, 'committed.tar');
    expect((await store.run(['save', '-o', archive, 'localhost/committed:1'])).exitCode).toBe(0);
    const other = newStore('commit-other');
    expect((await other.run(['load', '-q', '-i', archive])).exitCode).toBe(0);
    expect((await other.run(['run', '--rm', 'localhost/committed:1'])).stdout).toBe('kept\n');
  });

  it('--squash: one layer of the whole root filesystem; --format docker: a docker manifest; a running container commits too', async () => {
    expect((await store.run(['commit', '-q', '--squash', 'changed', 'localhost/squashed'])).exitCode).toBe(0);
    const squashed = JSON.parse((await store.run(['image', 'inspect', 'localhost/squashed'])).stdout) as { RootFS: { Layers: string[] } }[];
    expect(squashed[0]?.RootFS.Layers).toHaveLength(1);
    expect((await store.run(['run', '--rm', 'localhost/squashed', 'sh', '-c', 'cat /added/f; test -e /etc/group || echo no-group'])).stdout).toBe('kept\nno-group\n');
    expect((await store.run(['run', '-d', '--name', 'live', PLAIN, 'sh', '-c', 'echo live > /live; exec sleep 60'])).exitCode).toBe(0);
    const docker = await store.run(['commit', '-q', '-f', 'docker', 'live', 'localhost/live']);
    expect([docker.stderr, docker.exitCode]).toEqual(['', 0]);
    expect((await store.run(['image', 'inspect', '--format', '{{.ManifestType}}', 'localhost/live'])).stdout).toBe('application/vnd.docker.distribution.manifest.v2+json\n');
    expect((await store.run(['run', '--rm', 'localhost/live', 'cat', '/live'])).stdout).toBe('live\n');
    expectOneError(await store.run(['commit', '-p', 'live', 'localhost/paused']), /^Error: cannot pause container live: it has no cgroup of its own to freeze \(a container gets one only when it starts under a cgroup v2 delegated to you/);
    expect((await store.run(['rm', '-f', '-t', '0', 'live'])).exitCode).toBe(0);
  });

  it('an image with a zstd layer: its container commits as OCI, that layer kept as it is; --format docker is refused (Docker has no zstd type), no image made', async () => {
    const zs = await makeTar([{ name: 'z.txt', data: 'zstd\n' }]);
    const entries = dockerArchiveEntries({ config: images.plainConfig, layers: [images.baseLayer, zs] }, 'localhost/zbase:latest');
    const zstd = execFileSync('zstd', ['-q', '-c'], { input: zs });
    const archive = await writeTar(join(fixtures().dir, 'zbase.tar'), entries.map((e, i) => (i === 2 ? { ...e, data: zstd } : e)));
    expect((await store.run(['load', '-q', '-i', archive])).exitCode).toBe(0);
    expect((await store.run(['run', '--name', 'zc', 'localhost/zbase', 'sh', '-c', 'echo more > /more'])).exitCode).toBe(0);
    const before = (await store.run(['images', '-q'])).stdout;
    const refused = await store.run(['commit', '-f', 'docker', 'zc', 'localhost/zdocker']);
    expectOneError(refused, new RegExp(`^Error: commit of container zc: layer sha256:${sha256hex(zstd)} is zstd-compressed, which a Docker manifest cannot name \\(use --format oci\\)$`));
    expect(refused.exitCode).toBe(125);
    expect((await store.run(['images', '-q'])).stdout).toBe(before);
    expect((await store.run(['commit', '-q', 'zc', 'localhost/zoci'])).exitCode).toBe(0);
    expect((await store.run(['image', 'inspect', '--format', '{{.ManifestType}}', 'localhost/zoci'])).stdout).toBe('application/vnd.oci.image.manifest.v1+json\n');
    expect((await store.run(['run', '--rm', 'localhost/zoci', 'cat', '/z.txt', '/more'])).stdout).toBe('zstd\nmore\n');
  });

  it("refuses a file of the container's own whose name begins with .wh. (a layer would take it for a deletion): one error, 125, no image made", async () => {
    // podman commits it as it is: the image then lacks /etc/fixture (or everything the base had in /d).
    const made = await store.run(['run', '--name', 'marked', PLAIN, 'sh', '-c', 'touch /etc/.wh.fixture && mkdir /d && touch /d/.wh..wh..opq']);
    expect(made.exitCode, made.stderr).toBe(0);
    expect(lines((await store.run(['diff', 'marked'])).stdout)).toEqual(expect.arrayContaining(['A /d/.wh..wh..opq', 'A /etc/.wh.fixture']));
    const before = (await store.run(['images', '-q'])).stdout;
    const opaque = await store.run(['commit', '-q', 'marked', 'localhost/marked']);
    expectOneError(opaque, /^Error: commit of container marked: \/d\/\.wh\.\.wh\.\.opq: a name that begins with \.wh\. cannot be kept in an image layer, where it marks \/d opaque .*: rename or remove it$/);
    expect(opaque.exitCode).toBe(125);
    const squashed = await store.run(['commit', '-q', '--squash', 'marked', 'localhost/marked']);
    expectOneError(squashed, /^Error: commit of container marked: \/d\/\.wh\.\.wh\.\.opq: /);
    expect((await store.run(['images', '-q'])).stdout).toBe(before);
    expect(readdirSync(join(store.data, 'tmp'))).toEqual([]);
    const named = await store.run(['run', '--name', 'marked2', PLAIN, 'sh', '-c', 'touch /etc/.wh.fixture']);
    expect(named.exitCode, named.stderr).toBe(0);
    expectOneError(await store.run(['commit', '-q', 'marked2', 'localhost/marked']), /^Error: commit of container marked2: \/etc\/\.wh\.fixture: .* where it marks \/etc\/fixture deleted: rename or remove it$/);
    expect((await store.run(['images', '-q'])).stdout).toBe(before);
    expect((await store.run(['rm', 'marked', 'marked2'])).exitCode).toBe(0);
  });

  it('a tree deeper than the kernel reads (paths past 4,096 bytes): diff, export, cp and commit each give one clear error; rm removes it', async () => {
    // A hostile container's tree: before, diff stopped short silently, and export, cp and commit called it a bug in burrow.
    const made = await store.run(['run', '--name', 'deep', PLAIN, 'sh', '-c', 'cd / && mkdir a && i=0 && while [ $i -lt 2100 ]; do mkdir b && mv a b/a && mv b a || exit 3; i=$((i+1)); done']);
    expect(made.exitCode, made.stderr).toBe(0);
    const tooLong = /^Error: .*open `a\/a\/a.*\.\.\..*a\/a \(\d+ bytes\)`: file name too long$/;
    const diff = await store.run(['diff', 'deep']);
    expectOneError(diff, tooLong);
    expect(diff.stderr).toMatch(/^Error: diff of container deep: /);
    expectOneError(await store.run(['export', '-o', join(store.data, '..', 'deep.tar'), 'deep']), tooLong);
    expectOneError(await store.run(['cp', 'deep:/a', join(store.data, '..', 'deep-copy')]), tooLong);
    const before = (await store.run(['images', '-q'])).stdout;
    const committed = await store.run(['commit', '-q', 'deep', 'localhost/deep']);
    expectOneError(committed, /^Error: commit of container deep: .*name too long$/);
    expect(committed.exitCode).toBe(125);
    expect((await store.run(['images', '-q'])).stdout).toBe(before);
    expect(readdirSync(join(store.data, 'tmp'))).toEqual([]);
    expect((await store.run(['rm', 'deep'])).exitCode).toBe(0);
    expect((await store.run(['ps', '-a', '--format', '{{.Names}}'])).stdout).not.toMatch(/^deep$/m);
  }, 180_000);

  it('bad input: a missing container, a bad --change, --format or name: one error, 125, no image made', async () => {
    const before = (await store.run(['images', '-q'])).stdout;
    for (const [args, pattern] of [
      [['commit', 'no-such', 'localhost/x'], /^Error: no container with name or ID "no-such" found/],
      [['commit', '-c', 'FROB x', 'changed', 'localhost/x'], /^Error: .*FROB/],
      [['commit', '-f', 'tarball', 'changed', 'localhost/x'], /^Error: unrecognized image type `tarball`/],
      [['commit', 'changed', 'Not A Name'], /^Error: /],
      [['diff', 'no-such'], /^Error: no container with name or ID "no-such" found/],
      [['diff', '--format', 'table', 'changed'], /^Error: invalid --format `table`/],
    ] as [string[], RegExp][]) {
      const r = await store.run(args);
      expectOneError(r, pattern);
      expect(r.exitCode).toBe(125);
    }
    expect((await store.run(['images', '-q'])).stdout).toBe(before);
  });
});
