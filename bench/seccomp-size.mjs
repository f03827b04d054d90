#!/usr/bin/env node
// The size, in BPF instructions, of the seccomp filter the kernel holds for
// a container of burrow's, of podman with runc and of podman with crun, for
// the same default profile (issue #19). Read from the kernel with
// PTRACE_SECCOMP_GET_FILTER, which needs root: run as root; the containers
// themselves run rootless, as BENCH_USER (default burrow-test), which needs
// subordinate ids and podman's storage.
//
// crun refuses to start on a host whose cgroups are a v1/v2 hybrid ("cgroups
// in hybrid mode not supported"), even with --cgroups=disabled. There it is
// run by hand on the spec podman wrote for the runc container (the same
// profile, as podman turned it into the OCI form), in `podman unshare` and a
// mount namespace of its own with the cgroup v2 mount covered so that crun
// sees a v1 host, and --cgroup-manager=disabled.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { busyboxRootfs, have } from './lib.mjs';

const burrow = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'burrow.cjs');
const user = process.env.BENCH_USER ?? 'burrow-test';

if (process.getuid?.() !== 0) {
  console.log('seccomp-size: skipped: reading a filter from the kernel (PTRACE_SECCOMP_GET_FILTER) needs root; run it as root (the containers run as BENCH_USER)');
  process.exit(0);
}
for (const tool of ['gcc', 'podman', 'runc', 'crun', 'runuser'])
  if (!have(tool)) {
    console.log(`seccomp-size: skipped: ${tool} is not installed`);
    process.exit(0);
  }

const TOOL = `#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <linux/ptrace.h>
int main(int argc, char **argv) {
  pid_t pid = atoi(argv[1]);
  if (ptrace(PTRACE_ATTACH, pid, 0, 0) < 0) { perror("attach"); return 1; }
  waitpid(pid, NULL, __WALL);
  for (long i = 0;; i++) {
    long n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)i, NULL);
    if (n < 0) break;
    printf("%ld\\n", n);
  }
  ptrace(PTRACE_DETACH, pid, 0, 0);
  return 0;
}
`;

const dir = mkdtempSync(join(tmpdir(), 'burrow-bench-seccomp-size-'));
chmodSync(dir, 0o755);
const children = [];
try {
  writeFileSync(join(dir, 'filters.c'), TOOL);
  execFileSync('gcc', ['-O2', '-o', join(dir, 'filters'), join(dir, 'filters.c')]);
  const rootfs = busyboxRootfs();
  for (const applet of ['sleep']) spawnSync('ln', ['-s', 'busybox', join(rootfs, 'bin', applet)]);
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  spawnSync('chown', ['-R', `${uid}:${gid}`, rootfs]);
  chmodSync(rootfs, 0o755);
  const as = (argv, options = {}) => spawn('runuser', ['-u', user, '--', 'env', '-u', 'XDG_RUNTIME_DIR', `HOME=${dir}/home`, ...argv], { stdio: 'ignore', cwd: dir, ...options });
  spawnSync('install', ['-d', '-o', String(uid), '-g', String(gid), join(dir, 'home')]);
  chownSync(dir, uid, gid);
  // The container's `sleep MARKER`, or the reason its tool ended first (crun fails on a cgroup v1/v2 hybrid host).
  const pidOf = async (marker, child) => {
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    for (let i = 0; i < 400; i++) {
      const r = spawnSync('pgrep', ['-n', '-f', `^sleep ${marker}$`], { encoding: 'utf8' });
      if (r.status === 0) return Number(r.stdout.trim());
      if (child.exitCode !== null) return stderr.trim().split('\n').pop() || `exit ${child.exitCode}`;
      await new Promise((res) => setTimeout(res, 50));
    }
    return 'no container process after 20 s';
  };
  const readSpec = (containers) => {
    const id = readdirSync(containers, { withFileTypes: true }).find((e) => e.isDirectory())?.name;
    return id ? JSON.parse(readFileSync(join(containers, id, 'userdata', 'config.json'), 'utf8')) : undefined;
  };
  const filters = (pid) => execFileSync(join(dir, 'filters'), [String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  const rows = [];
  const podmanArgs = (runtime) => ['podman', '--runtime', runtime, '--cgroup-manager', 'cgroupfs', '--root', join(dir, `root-${runtime}`), '--runroot', join(dir, `run-${runtime}`), '--storage-driver', 'vfs', '--events-backend', 'none', 'run', '--rm', '--network', 'none', '--rootfs', rootfs];
  const cases = [
    ['burrow (default profile, default capabilities)', ['node', burrow, 'run', '--rm', '--rootfs', rootfs]],
    ['podman + runc (libseccomp)', podmanArgs('runc')],
    ['podman + crun (libseccomp)', podmanArgs('crun')],
  ];
  let marker = 4101;
  let runcSpec; // the OCI spec podman wrote for runc's container, read while it runs
  const measure = async (name, argv) => {
    const child = as([...argv, 'sleep', String(marker)], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    const pid = await pidOf(marker, child);
    if (typeof pid === 'number') {
      rows.push([name, filters(pid)]);
      if (name.includes('runc')) runcSpec = readSpec(join(dir, 'root-runc', 'vfs-containers'));
      spawnSync('kill', ['-KILL', String(pid)]); // the container's PID 1: only SIGKILL reaches it from outside
      if (child.exitCode === null) await new Promise((res) => child.on('exit', res));
    } else rows.push([name, `did not run: ${pid}`]);
    marker++;
  };
  for (const [name, argv] of cases) await measure(name, argv);
  const crunRow = rows.find(([name]) => name.includes('crun'));
  if (typeof crunRow?.[1] === 'string' && crunRow[1].includes('hybrid') && runcSpec) {
    // crun by hand on runc's spec (see the top): its own process, the profile unchanged
    const bundle = join(dir, 'crun-bundle');
    mkdirSync(bundle);
    runcSpec.root = { path: rootfs, readonly: false };
    runcSpec.process = { ...runcSpec.process, args: ['sleep', String(marker)], terminal: false };
    runcSpec.hooks = {};
    runcSpec.mounts = runcSpec.mounts.filter((m) => !m.source.startsWith(dir)); // podman's own files (hosts, resolv.conf ...)
    delete runcSpec.linux.cgroupsPath;
    delete runcSpec.linux.resources;
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(runcSpec));
    spawnSync('chown', ['-R', `${uid}:${gid}`, bundle]);
    const script = `mount -t tmpfs none /sys/fs/cgroup/unified 2>/dev/null; exec crun --cgroup-manager=disabled --root ${dir}/crun-state run --bundle ${bundle} bench`;
    await measure('crun (libseccomp), by hand on podman\'s runc spec', [...podmanArgs('runc').slice(0, 13), 'unshare', 'unshare', '--mount', 'sh', '-c', script]);
    rows.splice(rows.indexOf(crunRow), 1);
  }
  console.log('seccomp filter size (BPF instructions, as the kernel holds them; newest filter first)');
  for (const [name, sizes] of rows) console.log(`  ${name.padEnd(48)} ${Array.isArray(sizes) ? sizes.join(' + ') : sizes}`);
  const ours = rows[0][1][0];
  for (const [name, sizes] of rows.slice(1)) if (Array.isArray(sizes)) console.log(`  burrow / ${name}: ${(ours / sizes[0]).toFixed(2)}`);
} finally {
  for (const child of children) child.kill('SIGKILL');
  spawnSync('runuser', ['-u', user, '--', 'podman', 'unshare', 'rm', '-rf', dir], { stdio: 'ignore', cwd: '/tmp' });
  rmSync(dir, { recursive: true, force: true });
}
