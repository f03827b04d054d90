/**
 * seccomp for containers and sandboxes: a profile (podman's default, or the
 * user's OCI/docker JSON) resolved for a capability set and compiled into the
 * BPF program the plan's `seccomp` step installs.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { BurrowError, errnoCode } from '../../errors.js';
import { DEFAULT_CAPABILITIES } from '../capabilities.js';
import { builtin } from '../../lazy.js';
import { MAX_INSTRUCTIONS } from './bpf.js';
import { compileFilter } from './compile.js';
import { DEFAULT_PROFILE, FAKEROOT_RULES } from './default-profile.js';
import { checkProfile, resolveProfile, type SeccompHost, type SeccompProfile } from './profile.js';

export type { SeccompProfile } from './profile.js';
export { checkProfile } from './profile.js';
export { DEFAULT_PROFILE, FAKEROOT_RULES } from './default-profile.js';

/** A compiled filter: the BPF program the plan's `seccomp` step installs, and seccomp(2)'s flags. */
export interface SeccompFilter {
  program: Buffer;
  flags: number;
}

/** A profile file larger than this is refused (podman's default is 16 KiB). */
const MAX_PROFILE_SIZE = 4 << 20;

/** The host as seccomp sees it; undefined where burrow has no system call table. */
export function seccompHost(): SeccompHost | undefined {
  const arch = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : undefined;
  if (!arch) return undefined;
  return { arch, kernel: () => builtin<typeof import('node:os')>('node:os').release() };
}

/** Reads and checks a profile file (--security-opt seccomp=PATH). */
export function readProfile(path: string): SeccompProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = errnoCode(err);
    throw new BurrowError('E_SECCOMP', `seccomp profile \`${path}\`: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message}`);
  }
  return parseProfile(text, `\`${path}\``);
}

/** Checks a profile's text; `where` names it in messages. */
export function parseProfile(text: string, where: string): SeccompProfile {
  if (text.length > MAX_PROFILE_SIZE) throw new BurrowError('E_SECCOMP', `seccomp profile ${where}: larger than ${MAX_PROFILE_SIZE >> 20} MiB`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BurrowError('E_SECCOMP', `seccomp profile ${where}: not JSON (${(err as Error).message})`);
  }
  return checkProfile(json, where);
}

/** The program for a container with capabilities `caps` (names without CAP_), and the seccomp(2) flags. */
export function seccompProgram(profile: SeccompProfile, caps: ReadonlySet<string>, host = seccompHost()): SeccompFilter {
  if (!host) throw new BurrowError('E_SECCOMP', `seccomp: no system call table for this architecture (${process.arch}); run with --security-opt seccomp=unconfined`);
  const filter = resolveProfile(profile, caps, host);
  const program = compileFilter(filter);
  if (program.length / 8 > MAX_INSTRUCTIONS)
    throw new BurrowError('E_SECCOMP', `seccomp profile: compiles to ${program.length / 8} instructions, more than the kernel's ${MAX_INSTRUCTIONS}`);
  return { program, flags: filter.flags };
}

/**
 * The default program for the default capabilities, compiled by the build
 * (scripts/build.mjs), and its fakeroot variant (every container of a user
 * without subordinate ids); null where there is none.
 */
declare const BURROW_SECCOMP_DEFAULT: { arch: string; caps: string; program: string; fakeroot?: string; id?: string } | null | undefined;

/** The capabilities that change the default program: those its rules include or exclude by. */
let defaultCaps: Set<string> | undefined;
function capsKey(caps: ReadonlySet<string>): string {
  defaultCaps ??= new Set(DEFAULT_PROFILE.syscalls?.flatMap((r) => [...(r.includes?.caps ?? []), ...(r.excludes?.caps ?? [])].map((c) => c.replace(/^CAP_/, ''))));
  return [...caps].filter((c) => defaultCaps?.has(c)).sort().join(',');
}

/** What the build embeds: the default program for podman's default capabilities on this host. */
export function precompiledDefault(): { arch: string; caps: string; program: string; fakeroot: string } | null {
  const host = seccompHost();
  if (!host) return null;
  const caps = new Set(DEFAULT_CAPABILITIES);
  return {
    arch: host.arch,
    caps: capsKey(caps),
    program: seccompProgram(DEFAULT_PROFILE, caps, host).program.toString('hex'),
    fakeroot: seccompProgram(withFakeroot(DEFAULT_PROFILE), caps, host).program.toString('hex'),
  };
}

/** A profile with the fakeroot rules first (only the user's own id mapped). */
export function withFakeroot(profile: SeccompProfile): SeccompProfile {
  return { ...profile, syscalls: [...(FAKEROOT_RULES ?? []), ...(profile.syscalls ?? [])] };
}

/**
 * The default profile's program for a container with capabilities `caps`:
 * the build's when it is the same; else compiled (about 3 to 6 ms of a
 * start), and with `cacheDir` (the runtime directory's, private and gone at
 * logout) kept there under a name made of the build's id, the architecture,
 * the kernel's release, the variant and the capabilities the profile names,
 * so that the next start with the same capabilities reads it instead.
 */
export function defaultProgram(caps: ReadonlySet<string>, fakeroot = false, cacheDir?: string): SeccompFilter {
  const built = typeof BURROW_SECCOMP_DEFAULT === 'undefined' ? null : BURROW_SECCOMP_DEFAULT;
  const key = capsKey(caps);
  const host = seccompHost();
  const same = built !== null && built.arch === host?.arch && built.caps === key;
  const hex = same ? (fakeroot ? built.fakeroot : built.program) : undefined;
  if (hex !== undefined) return { program: Buffer.from(hex, 'hex'), flags: 0 };
  const compile = (): SeccompFilter => seccompProgram(fakeroot ? withFakeroot(DEFAULT_PROFILE) : DEFAULT_PROFILE, caps, host);
  if (cacheDir === undefined || !built?.id || host === undefined) return compile();
  // (the kernel's release too: a profile's minKernel rules depend on it, and /tmp may outlive a reboot)
  const kernel = host.kernel().replace(/[^A-Za-z0-9._-]/g, '_');
  const file = join(cacheDir, `seccomp-${built.id}-${host.arch}-${kernel}-${fakeroot ? 'fakeroot' : 'default'}-${key.replace(/,/g, '.') || 'none'}.bpf`);
  try {
    const program = readFileSync(file);
    if (program.length > 0 && program.length % 8 === 0 && program.length <= MAX_INSTRUCTIONS * 8) return { program, flags: 0 };
  } catch {
    // not kept yet
  }
  const filter = compile();
  try {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, filter.program, { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // a runtime directory that cannot be written: compiled at each start, as before
  }
  return filter;
}
