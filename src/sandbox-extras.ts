/**
 * (An entry's, as src/sandbox.ts.) What `burrow sandbox` needs only for some of its lines (--profile, --net):
 * kept out of dist/sandbox.cjs (TOML, the network's setup), loaded from the
 * whole CLI's bundle when such a line comes (bin/burrow.cjs passes it in).
 */
import { readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { helperPath, packageRoot } from './config/install.js';
import { resolvePaths } from './config/paths.js';
import { findHelper, parseNetwork } from './network/mode.js';
import { networkSetup, readHostFacts, slirpSocketPath } from './network/setup.js';
import { ensureRuntimeDir } from './system/launch.js';
import type { Step } from './system/plan.js';
import type { SandboxArgs } from './sandbox/args.js';
import { findProfile, profileArgs, profileDirs, readProfile } from './sandbox/profile.js';

/** The profile's options (and its warnings said), then `rest`: the command line the sandbox runs. */
export function withProfile(name: string | undefined, rest: string[]): string[] {
  if (name === undefined) return rest;
  const paths = resolvePaths(process.env);
  const profile = readProfile(findProfile(name, profileDirs(paths.config, packageRoot)));
  const { args, warnings } = profileArgs(profile, { env: process.env, cwd: process.cwd(), uid: process.getuid?.() ?? 0, dataDir: paths.data });
  for (const w of warnings) writeSync(2, `Warning: sandbox profile ${profile.name}: ${w}\n`);
  return [...args, ...rest];
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
