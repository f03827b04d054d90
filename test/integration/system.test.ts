/**
 * `burrow system df` and `burrow info` (system info): podman's rows and
 * YAML, --format with templates and json, bad templates (exit 125);
 * `system prune` and `system reset`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { describeContainers, fixtures, requireFeature } from '../helpers/fixtures.js';
import { alive } from '../helpers/processes.js';
import { buildTestImages, type TestImages } from '../helpers/images.js';
import { lines } from '../helpers/run-cli.js';
import { newStore } from '../helpers/store.js';

let images: TestImages;

describeContainers('burrow system df, info', () => {
  beforeAll(async () => {
    images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-system'));
  });

  describe('system df', () => {
    it('counts images and containers, what is in use and what is reclaimable', async () => {
      const store = newStore('df');
      const empty = await store.run(['system', 'df']);
      expect(empty.stdout).toBe(
        'TYPE           TOTAL       ACTIVE      SIZE        RECLAIMABLE\n' +
          'Images         0           0           0B          0B (0%)\n' +
          'Containers     0           0           0B          0B (0%)\n' +
          'Local Volumes  0           0           0B          0B (0%)\n',
      );
      for (const a of [images.plainDocker, images.cfgDocker]) expect((await store.run(['load', '-q', '-i', a])).exitCode).toBe(0);
      expect((await store.run(['create', 'plain', 'true'])).exitCode).toBe(0);
      const r = await store.run(['system', 'df', '--format', '{{.Type}} {{.Total}} {{.Active}} {{.Reclaimable}}']);
      const [imagesRow, containersRow, volumesRow] = lines(r.stdout);
      expect(imagesRow).toMatch(/^Images 2 1 \d+(\.\d+)?[kM]B \(\d+%\)$/);
      expect(containersRow).toMatch(/^Containers 1 0 /);
      expect(volumesRow).toBe('Local Volumes 0 0 0B (0%)');
      const json = JSON.parse((await store.run(['system', 'df', '--format', 'json'])).stdout) as Array<Record<string, unknown>>;
      expect(json.map((j) => j.Type)).toEqual(['Images', 'Containers', 'Local Volumes']);
      expect(json[0]?.RawSize).toBeGreaterThan(100_000);
    });
  });

  describe('system prune, system reset', () => {
    it("system prune: asks first; removes stopped containers, then dangling images (every unused one with -a); podman's sections and the space freed", async () => {
      const store = newStore('system-prune');
      for (const a of [images.plainDocker, images.cfgDocker]) expect((await store.run(['load', '-q', '-i', a])).exitCode).toBe(0);
      const stopped = (await store.run(['create', 'cfg', 'true'])).stdout.trim();
      const up = (await store.run(['run', '-d', 'plain', 'sleep', '30'])).stdout.trim();
      const no = await store.run(['system', 'prune']);
      expect(no.stdout).toBe('WARNING! This command removes:\n\t- all pods without a running container\n\t- all stopped containers\n\t- all networks not used by at least one container\n\t- all dangling images\n\nAre you sure you want to continue? [y/N] ');
      expect(lines((await store.run(['ps', '-a', '-q'])).stdout)).toHaveLength(2);
      const plain = await store.run(['system', 'prune', '-f']);
      expect(plain.stdout).toMatch(new RegExp(`^Deleted Containers\n${stopped}\nTotal reclaimed space: \\d`));
      expect(lines((await store.run(['images', '-q'])).stdout)).toHaveLength(2); // both named
      const cfgId = (await store.run(['image', 'inspect', '--format', '{{.Id}}', 'cfg'])).stdout.trim().replace(/^sha256:/, '');
      expect(cfgId).toMatch(/^[0-9a-f]{64}$/);
      const all = await store.run(['system', 'prune', '-a', '-f']);
      expect(all.stdout).toMatch(new RegExp(`^Deleted Images\n${cfgId}\nTotal reclaimed space: \\d+(\\.\\d+)?[kM]B\n$`));
      expect(lines((await store.run(['ps', '-a', '-q', '--no-trunc'])).stdout)).toEqual([up]);
      expect((await store.run(['images', '--format', '{{.Repository}}'])).stdout).toBe('localhost/plain\n');
      expect((await store.run(['rm', '-f', '-t', '0', up])).exitCode).toBe(0);
    });

    it("system reset: kills running containers and leaves no file behind, also those the containers' subordinate ids own", async (ctx) => {
      requireFeature(ctx, 'subids');
      const store = newStore('system-reset');
      expect((await store.run(['load', '-q', '-i', images.plainDocker])).exitCode).toBe(0);
      const made = await store.run(['run', '--name', 'owner', '-u', '1000:1000', 'plain', 'sh', '-c', 'mkdir -m 700 /tmp/mine && echo x > /tmp/mine/f && chmod 400 /tmp/mine/f']);
      expect(made.exitCode).toBe(0);
      const id = (await store.run(['inspect', '--format', '{{.Id}}', 'owner'])).stdout.trim();
      const upper = join(store.data, 'containers', id, 'upper', 'tmp', 'mine');
      expect(statSync(upper).uid).not.toBe(process.getuid?.()); // a subordinate id's, which this user cannot remove itself
      const up = (await store.run(['run', '-d', 'plain', 'sleep', '30'])).stdout.trim();
      const monitor = Number(readFileSync(join(store.data, 'containers', up, 'monitor'), 'utf8').split(' ')[0]);
      const no = await store.run(['system', 'reset'], { input: 'no\n' });
      expect(no.stdout).toBe(`WARNING! This will remove:\n\t- all containers\n\t- all images\n\t- the data directory: "${store.data}"\n\t- the runtime directory: "${store.runtime}"\nAre you sure you want to continue? [y/N] `);
      expect(existsSync(upper)).toBe(true);
      const r = await store.run(['system', 'reset', '-f']);
      expect([r.stdout, r.stderr, r.exitCode]).toEqual(['', '', 0]);
      expect(existsSync(store.data)).toBe(false);
      expect(existsSync(store.runtime)).toBe(false);
      expect(alive(monitor)).toBe(false);
      // and burrow starts again from nothing
      expect((await store.run(['ps', '-a'])).exitCode).toBe(0);
      expect((await store.run(['images', '-q'])).stdout).toBe('');
    });
  });

  describe('--log-level', () => {
    const DEBUG_LINE = /^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" level=debug msg=".*"$/;

    it('debug: a trace of the store and the helper on stderr, in podman\'s form; the command\'s output unchanged', async () => {
      const store = newStore('log-debug');
      expect((await store.run(['load', '-q', '-i', images.plainDocker])).exitCode).toBe(0);
      const r = await store.run(['--log-level=debug', 'run', '--rm', 'plain', 'echo', 'hi']);
      expect(r.stdout).toBe('hi\n');
      expect(r.exitCode).toBe(0);
      const trace = lines(r.stderr);
      for (const line of trace) expect(line).toMatch(DEBUG_LINE);
      expect(trace.some((l) => l.includes(`msg="store at ${store.data}"`))).toBe(true);
      expect(trace.some((l) => /msg="the helper \S+ takes over this process with a plan of \d+ records"/.test(l))).toBe(true);
      // the default level (warn) and info write none of it
      for (const level of [[], ['--log-level', 'info']]) {
        const quiet = await store.run([...level, 'run', '--rm', 'plain', 'echo', 'hi']);
        expect(quiet.stderr).toBe('');
      }
    });

    it("debug: an error's stable code (burrow(1), ERROR CODES) and its stack after the Error line", async () => {
      const store = newStore('log-code');
      const plain = await store.run(['run', '--rm', 'no-such-image', 'true']);
      expect(plain.stderr).toBe('Error: no-such-image: image not known\n');
      const r = await store.run(['--log-level', 'debug', 'run', '--rm', 'no-such-image', 'true']);
      expect(r.exitCode).toBe(125);
      const [error, code, ...rest] = lines(r.stderr).filter((l) => !DEBUG_LINE.test(l));
      expect(error).toBe('Error: no-such-image: image not known');
      expect(code).toMatch(/^Error code: E_[A-Z_]+$/);
      expect(rest.join('\n')).toMatch(/\n\s+at /);
    });
  });

  describe('info', () => {
    it('prints YAML with the host, the store and the version', async () => {
      const store = newStore('info');
      expect((await store.run(['load', '-q', '-i', images.plainDocker])).exitCode).toBe(0);
      const r = await store.run(['info']);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/^host:\n {2}arch: \w+\n/);
      expect(r.stdout).toContain(`  graphRoot: ${store.data}\n`);
      expect(r.stdout).toContain(`  runRoot: ${store.runtime}\n`);
      expect(r.stdout).toMatch(/\n {2}graphDriverName: (overlay|copy)\n/);
      expect(r.stdout).toMatch(/\n {2}imageStore:\n {4}number: 1\n/);
      expect(r.stdout).toMatch(/\n {2}idMappings:\n {4}uidmap:\n {6}- container_id: 0\n {8}host_id: \d+\n {8}size: 1\n/);
      expect(r.stdout).toMatch(/\nversion:\n {2}Version: \d+\.\d+\.\d+\n/);
      const forced = await store.run(['system', 'info', '--format', '{{.Store.GraphDriverName}} {{.Store.ImageStore.Number}}'], { env: { BURROW_STORAGE_DRIVER: 'copy' } });
      expect(forced.stdout).toBe('copy 1\n');
      const json = JSON.parse((await store.run(['info', '--format', 'json'])).stdout) as { store: { graphRoot: string } };
      expect(json.store.graphRoot).toBe(store.data);
      const bad = await store.run(['info', '--format', '{{.Nope}}']);
      expect(bad.exitCode).toBe(125);
      expect(lines(bad.stderr)).toHaveLength(1);
      expect(bad.stdout).toBe('');
    });
  });
});
