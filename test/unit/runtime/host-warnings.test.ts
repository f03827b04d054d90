/** A warning about the host (no subordinate ids) is said once, not at each container's start. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, expect, it } from 'vitest';

import { buildSpec } from '../../../src/runtime/options.js';
import type { RunOptions } from '../../../src/storage/containers.js';
import { idMapping } from '../../../src/system/idmap.js';

const dir = mkdtempSync(join(tmpdir(), 'host-warnings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('warns about missing subordinate ids once per runtime directory, naming a usermod range', () => {
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  const opts: RunOptions = { command: ['true'], env: [], envFile: [], workdir: undefined, hostname: undefined, user: undefined, volume: [], tmpfs: [], readOnly: false, network: 'none', interactive: false, tty: false, init: false, capAdd: [], capDrop: [], securityOpt: [], ulimit: [] };
  const spec = (runtimeDir: string) =>
    buildSpec(opts, {
      hostEnv: {},
      cwd: dir,
      id: 'a'.repeat(64),
      idmap: idMapping('me', 1000, 1000, [], [], { newuidmap: 'newuidmap', newgidmap: 'newgidmap' }),
      root: { kind: 'rootfs', path: rootfs },
      configDir: join(dir, 'config'),
      runtimeDir,
    });
  const first = spec(join(dir, 'run'));
  expect(first.warnings).toHaveLength(1);
  expect(first.warnings[0]).toMatch(/^no subordinate ids for me .*\(fakeroot\).*usermod --add-subuids \d+-\d+ --add-subgids \d+-\d+ me$/);
  expect(first.spec.idmap.single).toBe(true);
  expect(spec(join(dir, 'run')).warnings).toEqual([]);
  // Another runtime directory (another boot): once again.
  expect(spec(join(dir, 'run2')).warnings).toHaveLength(1);
});
