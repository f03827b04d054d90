/**
 * --userns fakeroot in a real Debian (debootstrap --variant=minbase, made by
 * `npm test` as root): apt-get installs a local package whose maintainer
 * script gives files to ids the container does not map, which dpkg and its
 * scripts do as root and which succeed without effect there; without the
 * fakeroot rules (seccomp=unconfined) the same install fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, expect, it } from 'vitest';

import { describeContainers, fixtures, requireFeature } from '../helpers/fixtures.js';
import { helloDeb } from '../helpers/packages.js';
import { newStore, succeeded, type TestStore } from '../helpers/store.js';

describeContainers('fakeroot: apt-get in a Debian image', () => {
  let made: { store: TestStore; dir: string } | undefined;
  /** The store with the Debian image, and a directory with the package (made by the first test that needs them). */
  async function debian(): Promise<{ store: TestStore; dir: string }> {
    if (made) return made;
    const store = newStore('debian');
    await succeeded(store, ['import', '-q', process.env.BURROW_TEST_DEBIAN as string, 'localhost/debian']);
    const dir = mkdtempSync(join(fixtures().dir, 'deb-'));
    // As maintainer scripts do: files given to a service's user (here 1000, not mapped under fakeroot), a device node.
    helloDeb(dir, 'chown 1000:1000 /usr/share/burrow-hello/data\nmknod /usr/share/burrow-hello/null c 1 3 || true');
    made = { store, dir };
    return made;
  }
  afterAll(() => {
    if (made) rmSync(made.dir, { recursive: true, force: true });
  });

  const install = ['apt-get', 'install', '-y', '-q', '/pkgs/burrow-hello.deb'];

  it('installs a local package whose script chowns to an unmapped id, with --userns fakeroot', async (ctx) => {
    requireFeature(ctx, 'debian');
    const { store, dir } = await debian();
    const r = await store.run(['run', '--rm', '--userns', 'fakeroot', '-v', `${dir}:/pkgs:ro`, 'localhost/debian', 'sh', '-c', `${install.join(' ')} && dpkg -s burrow-hello | grep Status && stat -c '%u:%g' /usr/share/burrow-hello/data`], { timeout: 120_000 });
    expect(r.stderr).not.toMatch(/^E: /m);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Setting up burrow-hello \(1\.0\)/);
    expect(r.stdout).toMatch(/Status: install ok installed\n0:0\n$/);
  }, 180_000);

  it('its control: without the fakeroot rules (seccomp=unconfined) the same install fails on the chown', async (ctx) => {
    requireFeature(ctx, 'debian');
    const { store, dir } = await debian();
    const r = await store.run(['run', '--rm', '--userns', 'fakeroot', '--security-opt', 'seccomp=unconfined', '-v', `${dir}:/pkgs:ro`, 'localhost/debian', ...install], { timeout: 120_000 });
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/chown|switch group|setgroups|seteuid/);
  }, 180_000);
});
