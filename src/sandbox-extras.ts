/**
 * (An entry's, as src/sandbox.ts.) What `burrow sandbox` needs only for some of its lines (--profile, --net):
 * kept out of dist/sandbox.cjs (TOML, the network's setup), loaded from the
 * whole CLI's bundle when such a line comes (bin/burrow.cjs passes it in).
 */
import { closeSync, existsSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { helperPath, packageRoot } from './config/install.js';
import { resolvePaths } from './config/paths.js';
import { findHelper, parseNetwork } from './network/mode.js';
import { networkSetup, readHostFacts, slirpSocketPath } from './network/setup.js';
import { BurrowError } from './errors.js';
import { builtin } from './lazy.js';
import { ensureRuntimeDir } from './system/launch.js';
import { pipe } from './system/libc.js';
import type { Step } from './system/plan.js';
import type { SandboxArgs } from './sandbox/args.js';
import { findProfile, profileArgs, profileDirs, readProfile } from './sandbox/profile.js';

/**
 * The profile's options (and its warnings said), then `rest`: the command line the sandbox runs; `fds`: the
 * ones it adds that the sandbox must keep (the D-Bus proxy's --sync-fd).
 */
export function withProfile(name: string, rest: string[], print = false): { argv: string[]; fds: number[]; notes: string[] } {
  const paths = resolvePaths(process.env);
  const profile = readProfile(findProfile(name, profileDirs(paths.config, packageRoot)));
  const { args, warnings, dbus } = profileArgs(profile, { env: process.env, cwd: process.cwd(), uid: process.getuid?.() ?? 0, dataDir: paths.data });
  const fds: number[] = [];
  const notes: string[] = [];
  // --print starts nothing: the proxy is said in words.
  if (dbus && print) notes.push(`# and the session D-Bus through xdg-dbus-proxy --filter${[...dbus.talk.map((n) => ` --talk=${n}`), ...dbus.own.map((n) => ` --own=${n}`)].join('')}, at ${dbus.at}, started with the sandbox`);
  else if (dbus) {
    const proxied = dbusProxy(dbus, paths);
    if (typeof proxied === 'string') warnings.push(proxied);
    else {
      args.push('--sync-fd', String(proxied.fd), '--bind', proxied.socket, dbus.at, '--setenv', 'DBUS_SESSION_BUS_ADDRESS', `unix:path=${dbus.at}`);
      fds.push(proxied.fd);
    }
  }
  for (const w of warnings) writeSync(2, `Warning: sandbox profile ${profile.name}: ${w}\n`);
  return { argv: [...args, ...rest], fds, notes };
}

/**
 * The session bus, filtered: xdg-dbus-proxy started on a socket of burrow's runtime directory with the
 * profile's --talk and --own names, ready once it has written its byte to the pipe it holds; the pipe's read
 * end, which the sandbox keeps (--sync-fd), ends it when the sandbox ends. A string: why there is none.
 */
function dbusProxy(dbus: { talk: string[]; own: string[] }, paths: ReturnType<typeof resolvePaths>): { fd: number; socket: string } | string {
  const address = process.env.DBUS_SESSION_BUS_ADDRESS;
  if (!address) return 'D-Bus: no session bus (DBUS_SESSION_BUS_ADDRESS is not set), not given';
  const proxy = findHelper('xdg-dbus-proxy');
  if (!proxy) return 'D-Bus: xdg-dbus-proxy is not installed (Debian: apt-get install xdg-dbus-proxy), not given';
  const runtime = ensureRuntimeDir(paths);
  // The sockets of proxies whose sandboxes have ended (the proxy leaves its socket behind).
  for (const f of readdirSync(runtime)) {
    const pid = /^dbus-proxy-(\d+)$/.exec(f)?.[1];
    if (pid !== undefined && !existsSync(`/proc/${pid}`)) rmSync(join(runtime, f), { force: true });
  }
  const socket = join(runtime, `dbus-proxy-${process.pid}`);
  rmSync(socket, { force: true });
  const [r, w] = pipe();
  const { spawn } = builtin<typeof import('node:child_process')>('node:child_process');
  const child = spawn(proxy, ['--fd=3', address, socket, '--filter', ...dbus.talk.map((n) => `--talk=${n}`), ...dbus.own.map((n) => `--own=${n}`)], { stdio: ['ignore', 'ignore', 'inherit', w] });
  closeSync(w);
  child.unref();
  const byte = Buffer.alloc(1);
  let n = 0;
  try {
    n = readSync(r, byte, 0, 1, null);
  } catch {
    n = 0;
  }
  if (n !== 1) {
    closeSync(r);
    throw new BurrowError('E_DBUS', `the D-Bus proxy (${proxy}) did not start for the session bus \`${address}\``);
  }
  return { fd: r, socket };
}

/**
 * --net: the processes of the sandbox's network (network/setup.ts, as `run`'s), and, where the host's resolver
 * is on its loopback (out of reach from there), a resolv.conf naming pasta's forwarder, bound over the one the
 * sandbox sees (when one of its binds shows /etc/resolv.conf).
 */
export function sandboxNetwork(a: SandboxArgs): { processes: Step[]; resolv?: string } {
  const pasta = findHelper('pasta');
  const slirp4netns = findHelper('slirp4netns');
  const mode = parseNetwork(a.net, () => (pasta ? 'pasta' : slirp4netns ? 'slirp4netns' : undefined));
  const paths = resolvePaths(process.env);
  const runtime = ensureRuntimeDir(paths);
  const hostname = a.hostname ?? readFileSync('/proc/sys/kernel/hostname', 'utf8').trim();
  const setup = networkSetup(
    { mode, ports: [], hostname, dns: [], dnsSearch: [], dnsOption: [], addHost: [], noHosts: true, helper: helperPath(), apiSocket: slirpSocketPath(runtime, `sandbox-${process.pid}`), uid: process.getuid?.() ?? 0, ...(pasta ? { pasta } : {}), ...(slirp4netns ? { slirp4netns } : {}) },
    readHostFacts(hostname),
  );
  const shown = a.ops.some((op) => op.kind === 'bind' && ['/', '/etc', '/etc/resolv.conf'].includes(op.dest.replace(/\/+$/, '') || '/'));
  let resolv: string | undefined;
  const hostResolv = (() => {
    try {
      return readFileSync('/etc/resolv.conf', 'utf8');
    } catch {
      return '';
    }
  })();
  if (shown && setup.files.resolv !== undefined && setup.files.resolv !== hostResolv && /^nameserver\s+(127\.|::1)/m.test(hostResolv)) {
    resolv = join(runtime, 'sandbox-resolv.conf');
    writeFileSync(resolv, setup.files.resolv, { mode: 0o644 });
  }
  return { processes: setup.processes, ...(resolv ? { resolv } : {}) };
}
