/**
 * The plan fuzzer's seed corpus (fuzz/corpus/plan/) is real plans: what
 * src/system/plan.ts writes for the compiler's, exec's and the user-namespace
 * worker's plans, plus one hand-made plan with the records no compiler writes
 * yet (bwrap's steps, seccomp). This test keeps the committed files equal to
 * what the writer makes today, so a new plan version or record reaches the
 * fuzzer; `BURROW_UPDATE_CORPUS=1 npx vitest run test/unit/fuzz/plan-corpus.test.ts`
 * writes them anew.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { compilePlan, type ContainerSpec } from '../../../src/runtime/compile.js';
import { CONTAINER_NAMESPACES, joinPlan } from '../../../src/runtime/join.js';
import { DEFAULT_PROFILE, seccompProgram } from '../../../src/system/seccomp/index.js';
import { capabilitySet } from '../../../src/system/capabilities.js';
import { BP, encodePlan, MS, type Plan } from '../../../src/system/plan.js';
import { RECORDS } from '../../../src/system/plan-constants.js';
import { usernsPlan } from '../../../src/system/userns.js';
import { containerSpec, SINGLE, SUBIDS } from '../../helpers/specs.js';
import { parseSandboxArgs } from '../../../src/sandbox/args.js';
import { compileSandbox } from '../../../src/sandbox/compile.js';

const DIR = join(import.meta.dirname, '..', '..', '..', 'fuzz', 'corpus', 'plan');
const NO_NET = { own: false, processes: [], files: [], ports: [] };

const compiled: [string, Partial<ContainerSpec>][] = [
  ['defaults', {}],
  ['single-id', { idmap: SINGLE, groups: [0] }],
  ['network-host', { network: NO_NET }],
  ['tty-init-read-only', { tty: true, interactive: true, init: true, readOnly: true }],
  ['interactive', { interactive: true }],
  ['user-groups-rlimits', { uid: 1000, gid: 1000, groups: [2000, 3000], noNewPrivileges: true, rlimits: [{ resource: 7, soft: 10, hard: 'inf' }] }],
  [
    'volumes-tmpfs',
    {
      volumes: [
        { source: '/h', target: '/d', readonly: true, directory: false },
        { source: '/v/new', target: '/data', readonly: false, directory: true, volume: 'new', copyUp: true },
        { source: '/v/o', target: '/o', readonly: false, directory: true, overlay: true, overlayDirs: { upper: '/v/u', work: '/v/w' } },
      ],
      tmpfs: [{ target: '/t', flags: MS.NOEXEC, data: 'size=1m' }],
    },
  ],
  ['overlay-exit-file-rm', { overlay: { lower: ['/l/1', '/l/2'], upper: '/u', work: '/w' }, exitFile: '/run/exit', cleanup: ['--unless', '/c/abc/restarting', '--links', '/n', 'abc', '/c/abc'], onExit: ['/bin/sh', '-c', 'true'] }],
  ['fuse-overlay', { overlay: { lower: ['/l/1'], upper: '/u', work: '/w', fuse: '/usr/bin/fuse-overlayfs' } }],
  [
    'pasta-bridge-names',
    {
      network: {
        own: true,
        processes: [{ kind: 'process', mode: 'ready', timeoutMs: 10000, argv: ['/usr/bin/pasta', '--config-net', '-P', '/proc/self/fd/3', '{pid}'] }],
        files: [
          { target: '/etc/hosts', name: 'hosts', content: '127.0.0.1 localhost\n', source: '/c/hosts' },
          { target: '/etc/resolv.conf', name: 'resolv.conf', content: 'nameserver 10.0.2.3\n', source: '/c/resolv.conf' },
        ],
        ports: [],
      },
      bridgePorts: [{ kind: 'bridge-port', netns: '/run/burrow/netns/n1', bridge: 'burrow1', gateway: '10.89.0.1/24', ifname: 'eth1', peer: 'veth0abc', address: '10.89.0.2/24' }],
    },
  ],
  [
    'detached-monitor',
    {
      log: { path: '/c/ctr.log', maxSize: 1048576 },
      exitFile: '/c/exit',
      pidFile: '/c/ctr.pid',
      event: { path: '/e/events', before: '{"time":"', between: '","code":', after: '}' },
      restart: { policy: 'on-failure', max: 3, stoppedFile: '/c/stopped', countFile: '/c/restarts' },
      health: { intervalMs: 30000, argv: ['/usr/bin/burrow', 'healthcheck', 'run', 'abc'] },
      cgroup: '/sys/fs/cgroup/user.slice/burrow-abc',
      attach: { path: '/c/attach', stdin: 'tty', hold: true },
      tty: true,
      interactive: true,
    },
  ],
  ['pod-infra', { pause: true, argv: [], exitFile: '/x/exit' }],
  ['pod-member', { shares: [{ namespace: 'net', path: '/proc/42/ns/net' }, { namespace: 'uts', path: '/proc/42/ns/uts' }, { namespace: 'ipc', path: '/proc/42/ns/ipc' }], shmFrom: '/proc/42/ns/mnt', network: NO_NET }],
  ['user-network-member', { shares: [{ namespace: 'user', path: '/proc/43/ns/user' }], network: NO_NET }],
  ['every-capability', { capabilities: capabilitySet(['ALL'], []), umask: 0o077 }],
  ['odd-bytes', { env: ['A=line\nbreak', 'B=é', 'C='], argv: ['sh', '-c', ':\t;'], hostname: 'h' }],
  ['sysctls', { sysctls: [{ name: 'net.ipv4.ip_forward', value: '1' }, { name: 'kernel.domainname', value: 'example.org' }] }],
  // --userns nomap: the command in a user namespace of its own inside the first
  ['nested-userns', { nestedIds: { uids: [{ inside: 0, outside: 1, count: 65536 }], gids: [{ inside: 0, outside: 1, count: 65536 }] }, uid: 1000, gid: 1000 }],
  // podman's default filter as burrow compiles it, before caps (no no-new-privs), and after no-new-privs
  ['seccomp-default', { seccomp: seccompProgram(DEFAULT_PROFILE, new Set(['CHOWN', 'SYS_CHROOT']), { arch: 'x86_64', kernel: () => '6.1' }) }],
  ['seccomp-no-new-privs', { noNewPrivileges: true, init: true, seccomp: seccompProgram(DEFAULT_PROFILE, new Set(['CHOWN']), { arch: 'x86_64', kernel: () => '6.1' }) }],
];

/** The records no compiler writes yet (the sandbox's bwrap steps, a seccomp filter), in an order the helper accepts. */
const handMade: Plan = [
  { kind: 'namespaces', namespaces: ['user', 'mount', 'pid', 'uts', 'ipc', 'net'] },
  ...SUBIDS.steps,
  { kind: 'forward-signals', signals: [1, 2, 15] },
  { kind: 'root', path: '/tmp/sandbox-root' },
  { kind: 'mount', source: '/usr', target: '/usr', fstype: '', flags: MS.BIND | MS.RDONLY, extra: BP.MKDIR },
  { kind: 'dev-bind', source: '/dev', target: '/dev' },
  { kind: 'remount-ro', path: '/usr' },
  { kind: 'mkdir', path: '/run/user/1000', mode: 0o700 },
  { kind: 'write-file', path: '/etc/passwd', mode: 0o644, data: 'me:x:1000:1000::/home/me:/bin/sh\n' },
  { kind: 'write-fd', path: '/etc/motd', mode: 0o600, fd: 5 },
  { kind: 'chmod', path: '/run/user/1000', mode: 0o755 },
  { kind: 'symlink', target: 'usr/bin', path: '/bin' },
  { kind: 'pivot-root' },
  { kind: 'hostname', name: 'sandbox' },
  { kind: 'loopback' },
  { kind: 'stdin', mode: 'NULL' },
  { kind: 'block-fd', fd: 4 },
  { kind: 'groups', gids: [] },
  { kind: 'user', uid: 1000, gid: 1000 },
  { kind: 'caps', bounding: 0n, permitted: 0n, effective: 0n, inheritable: 0n, ambient: 0n },
  { kind: 'no-new-privs' },
  { kind: 'cwd', path: '/home/me' },
  // seccomp: "ret ALLOW" (BPF_RET|BPF_K, SECCOMP_RET_ALLOW), one instruction
  { kind: 'seccomp', program: Buffer.from('06000000' + '0000ff7f', 'hex') },
  { kind: 'env', env: ['HOME=/home/me'] },
  { kind: 'search-path', path: '/usr/bin:/bin' },
  { kind: 'exec', file: 'sh', argv: ['sh', '-l'] },
];

function corpus(): Map<string, Buffer> {
  const plans = new Map<string, Buffer>();
  compiled.forEach(([name, overrides], i) => plans.set(`${String(i + 1).padStart(2, '0')}-${name}.plan`, encodePlan(compilePlan(containerSpec(overrides)))));
  const n = compiled.length;
  const join = joinPlan({ pid: 4242, namespaces: CONTAINER_NAMESPACES, argv: ['ls', '-l'], env: ['PATH=/bin'], workdir: '/', uid: 0, gid: 0, groups: [0, 10], capabilities: capabilitySet([], []), tty: true, interactive: true, cgroup: '/sys/fs/cgroup/c' });
  plans.set(`${n + 1}-exec-join.plan`, encodePlan(join));
  const worker = usernsPlan(['/usr/bin/node', 'worker.js'], { idmap: SUBIDS, cwd: '/var/tmp', mounts: [{ kind: 'mount', source: 'overlay', target: '/m', fstype: 'overlay', flags: 0, extra: BP.HOSTDST, data: 'lowerdir=/a:/b' }] });
  plans.set(`${n + 2}-userns-worker.plan`, encodePlan(worker));
  plans.set(`${n + 3}-sandbox-seccomp.plan`, encodePlan(handMade));
  // burrow sandbox: most of bwrap's options at once, as src/sandbox/compile.ts writes them.
  const line = ['--unshare-all', '--unshare-user', '--disable-userns', '--assert-userns-disabled', '--ro-bind', '/usr', '/usr', '--bind', '/home/me', '/home/me',
    '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', '--file', '5', '/tmp/f', '--bind-data', '6', '/tmp/d', '--overlay-src', '/a', '--tmp-overlay', '/o',
    '--lock-file', '/tmp/f', '--remount-ro', '/usr', '--hostname', 'box', '--die-with-parent', '--info-fd', '7', '--json-status-fd', '8', '--new-session',
    '--cap-add', 'CAP_NET_RAW', '--setenv', 'A', '1', 'sh', '-c', 'true'];
  const args = parseSandboxArgs(line, { PATH: '/usr/bin:/bin', HOME: '/home/me' });
  const bind = args.ops[1] as Parameters<typeof compileSandbox>[0]['ops'][number];
  const ro = args.ops[0] as typeof bind;
  const sandbox = compileSandbox(args, {
    uid: 1000, gid: 1000, cwd: '/home/me', sources: new Map([[ro, { path: '/usr', directory: true }], [bind, { path: '/home/me', directory: true }]]),
    overlays: new Map(), seccomp: [Buffer.from('06000000' + '0000ff7f', 'hex')], inherit: [3, 9], cgroupns: true,
    landlock: { fs: 0xffffn, net: 3n, scoped: 3n, paths: [{ access: 0xcn, path: '/usr' }, { access: 0xffffn, path: '/home/me' }], ports: [{ access: 2n, port: 443 }] },
  });
  sandbox.push({ kind: 'fallback', plan: '/proc/self/fd/9', note: 'Warning: user namespaces are refused here' }, { kind: 'audit', file: '/home/me/audit.log', calls: ['257:open:0:1:2', '59:exec:-:0:-'] });
  plans.set(`${n + 4}-sandbox-bwrap.plan`, encodePlan(sandbox));
  // flatpak's sub-sandbox: another sandbox's user and pid namespaces, a pid namespace of its own inside, --userns2;
  // and SELinux's labels.
  const sub = parseSandboxArgs(['--userns', '5', '--userns2', '6', '--pidns', '7', '--unshare-pid', '--info-fd', '8', '--ro-bind', '/', '/', '--tmpfs', '/tmp',
    '--file-label', 'system_u:object_r:sandbox_file_t:s0', '--exec-label', 'system_u:system_r:sandbox_t:s0', 'true'], { PATH: '/usr/bin:/bin' });
  const subPlan = compileSandbox(sub, { uid: 1000, gid: 1000, cwd: '/', sources: new Map([[sub.ops[0] as Parameters<typeof compileSandbox>[0]['ops'][number], { path: '/', directory: true }]]), overlays: new Map(), seccomp: [], inherit: [], cgroupns: true });
  plans.set(`${n + 5}-sandbox-subsandbox.plan`, encodePlan(subPlan));
  return plans;
}

describe('the plan fuzzer\'s seed corpus', () => {
  it('holds the plans the writer makes today (BURROW_UPDATE_CORPUS=1 writes them)', () => {
    const plans = corpus();
    if (process.env.BURROW_UPDATE_CORPUS === '1') {
      rmSync(DIR, { recursive: true, force: true });
      mkdirSync(DIR, { recursive: true });
      for (const [name, bytes] of plans) writeFileSync(join(DIR, name), bytes);
    }
    const committed = existsSync(DIR) ? readdirSync(DIR).sort() : [];
    expect(committed, 'run with BURROW_UPDATE_CORPUS=1 to write the corpus anew').toEqual([...plans.keys()].sort());
    for (const [name, bytes] of plans) expect(readFileSync(join(DIR, name)).equals(bytes), `${name} differs from what the writer makes today (BURROW_UPDATE_CORPUS=1 writes it)`).toBe(true);
  });

  it('names every record kind at least once', () => {
    const text = [...corpus().values()].map((b) => b.toString('latin1')).join('');
    const missing = RECORDS.map((r) => r.name).filter((name) => !new RegExp(`(^|\\n)${name} \\d+\\n`).test(text));
    expect(missing).toEqual([]);
  });

  it('fuzz/plan.dict names every record', () => {
    const dict = readFileSync(join(DIR, '..', '..', 'plan.dict'), 'utf8');
    const missing = RECORDS.map((r) => r.name).filter((name) => !dict.includes(`="${name} "`));
    expect(missing).toEqual([]);
  });
});
