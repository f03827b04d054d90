/**
 * Sandbox profiles: TOML files saying what a kind of program may see and
 * reach (host paths read-only or read-write, a private or persistent home,
 * the network, desktop access by name, Landlock rules), turned into bwrap's
 * command line, so that `--print` can show it and explicit options can add
 * to it. The user's profiles are in $XDG_CONFIG_HOME/burrow/sandbox/NAME.toml;
 * burrow ships some in profiles/sandbox/ (a user's of the same name wins).
 *
 *   description = "..."
 *   [filesystem]  read-only = [PATH...]  read-write = [PATH...]  tmpfs = [PATH...]
 *                 home = "private" | "persistent" | "host"
 *   [network]     enabled = BOOL
 *   [desktop]     wayland x11 pipewire pulseaudio gpu portal = BOOL
 *                 dbus-talk = [NAME...]  dbus-own = [NAME...]   (xdg-dbus-proxy)
 *   [landlock]    read-only read-exec read-write = [PATH...]
 *                 bind-tcp connect-tcp = [PORT...]  scope = BOOL
 *
 * A PATH may start with `~/` (your home) or be `.` (the working directory).
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

import { readTomlFile } from '../config/toml.js';
import { BurrowError } from '../errors.js';
import { byCodeUnits } from '../order.js';

export interface Profile {
  name: string;
  file: string;
  shipped: boolean;
  description: string;
  readOnly: string[];
  readWrite: string[];
  tmpfs: string[];
  home: 'private' | 'persistent' | 'host';
  network: boolean;
  desktop: { wayland: boolean; x11: boolean; pipewire: boolean; pulseaudio: boolean; gpu: boolean; portal: boolean; dbusTalk: string[]; dbusOwn: string[] };
  landlock: { readOnly: string[]; readExec: string[]; readWrite: string[]; bindTcp: number[]; connectTcp: number[]; scope: boolean };
}

/** The directories profiles are read from: the user's first. */
export function profileDirs(configDir: string, packageRoot: string): { dir: string; shipped: boolean }[] {
  return [
    { dir: join(configDir, 'sandbox'), shipped: false },
    { dir: join(packageRoot, 'profiles', 'sandbox'), shipped: true },
  ];
}

/** A directory's names, none when it cannot be read. */
const readdirOr = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Every profile there is, by name (a user's hides a shipped one of the same name). */
export function listProfiles(dirs: { dir: string; shipped: boolean }[]): { name: string; file: string; shipped: boolean }[] {
  const seen = new Map<string, { name: string; file: string; shipped: boolean }>();
  for (const { dir, shipped } of dirs) {
    for (const f of readdirOr(dir).filter((n) => n.endsWith('.toml')).sort()) {
      const name = f.slice(0, -5);
      if (NAME.test(name) && !seen.has(name)) seen.set(name, { name, file: join(dir, f), shipped });
    }
  }
  return [...seen.values()].sort((a, b) => byCodeUnits(a.name, b.name));
}

/** A profile by name (or by the path of its file: one with a `/` or ending in .toml). */
export function findProfile(nameOrFile: string, dirs: { dir: string; shipped: boolean }[]): { name: string; file: string; shipped: boolean } {
  if (nameOrFile.includes('/') || nameOrFile.endsWith('.toml')) return { name: basename(nameOrFile).replace(/\.toml$/, ''), file: resolve(nameOrFile), shipped: false };
  if (!NAME.test(nameOrFile)) throw new BurrowError('E_PROFILE', `sandbox profile \`${nameOrFile}\`: not a profile name (letters, digits, _ . -)`);
  const found = listProfiles(dirs).find((p) => p.name === nameOrFile);
  if (!found) throw new BurrowError('E_PROFILE', `sandbox profile \`${nameOrFile}\`: no such profile (in ${dirs.map((d) => d.dir).join(' or ')})`, { hint: 'list them with `burrow sandbox profile ls`' });
  return found;
}

const KEYS: Record<string, Record<string, 'strings' | 'bool' | 'ports' | 'home'>> = {
  filesystem: { 'read-only': 'strings', 'read-write': 'strings', tmpfs: 'strings', home: 'home' },
  network: { enabled: 'bool' },
  desktop: { wayland: 'bool', x11: 'bool', pipewire: 'bool', pulseaudio: 'bool', gpu: 'bool', portal: 'bool', 'dbus-talk': 'strings', 'dbus-own': 'strings' },
  landlock: { 'read-only': 'strings', 'read-exec': 'strings', 'read-write': 'strings', 'bind-tcp': 'ports', 'connect-tcp': 'ports', scope: 'bool' },
};

/** Reads and checks a profile: malformed TOML, an unknown key or a value of the wrong kind is one error naming the file and the key. */
export function readProfile(found: { name: string; file: string; shipped: boolean }): Profile {
  const data = readTomlFile(found.file, 'E_PROFILE', 'the sandbox profile');
  if (data === undefined) throw new BurrowError('E_PROFILE', `sandbox profile \`${found.file}\`: no such file`);
  const bad = (key: string, why: string): never => {
    throw new BurrowError('E_PROFILE', `${found.file}: ${key}: ${why}`);
  };
  const value = (table: string, key: string): unknown => {
    const t = data[table] as Record<string, unknown> | undefined;
    const v = t?.[key];
    if (v === undefined) return undefined;
    const kind = KEYS[table]?.[key];
    if (kind === 'strings' && !(Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== ''))) bad(`${table}.${key}`, 'must be a list of paths (strings)');
    if (kind === 'bool' && typeof v !== 'boolean') bad(`${table}.${key}`, 'must be true or false');
    if (kind === 'ports' && !(Array.isArray(v) && v.every((x) => Number.isInteger(Number(x)) && Number(x) >= 0 && Number(x) <= 65535))) bad(`${table}.${key}`, 'must be a list of TCP ports (0 to 65535)');
    if (kind === 'home' && !['private', 'persistent', 'host'].includes(v as string)) bad(`${table}.${key}`, 'must be "private", "persistent" or "host"');
    return v;
  };
  for (const [key, v] of Object.entries(data)) {
    if (key === 'description') {
      if (typeof v !== 'string') bad('description', 'must be a string');
      continue;
    }
    const keys = KEYS[key];
    if (!keys) bad(key, `unknown key (known: description, ${Object.keys(KEYS).map((k) => `[${k}]`).join(', ')})`);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(key, 'must be a table');
    for (const k of Object.keys(v as object)) if (!(keys as object)[k as never]) bad(`${key}.${k}`, `unknown key (known: ${Object.keys(keys as object).join(', ')})`);
  }
  const strings = (t: string, k: string): string[] => (value(t, k) as string[] | undefined) ?? [];
  const bool = (t: string, k: string, d: boolean): boolean => (value(t, k) as boolean | undefined) ?? d;
  const ports = (t: string, k: string): number[] => ((value(t, k) as unknown[] | undefined) ?? []).map(Number);
  return {
    name: found.name,
    file: found.file,
    shipped: found.shipped,
    description: (data.description as string | undefined) ?? '',
    readOnly: strings('filesystem', 'read-only'),
    readWrite: strings('filesystem', 'read-write'),
    tmpfs: strings('filesystem', 'tmpfs'),
    home: (value('filesystem', 'home') as Profile['home'] | undefined) ?? 'private',
    network: bool('network', 'enabled', false),
    desktop: {
      wayland: bool('desktop', 'wayland', false),
      x11: bool('desktop', 'x11', false),
      pipewire: bool('desktop', 'pipewire', false),
      pulseaudio: bool('desktop', 'pulseaudio', false),
      gpu: bool('desktop', 'gpu', false),
      portal: bool('desktop', 'portal', false),
      dbusTalk: strings('desktop', 'dbus-talk'),
      dbusOwn: strings('desktop', 'dbus-own'),
    },
    landlock: {
      readOnly: strings('landlock', 'read-only'),
      readExec: strings('landlock', 'read-exec'),
      readWrite: strings('landlock', 'read-write'),
      bindTcp: ports('landlock', 'bind-tcp'),
      connectTcp: ports('landlock', 'connect-tcp'),
      scope: bool('landlock', 'scope', false),
    },
  };
}

/** What a profile needs of the host to become a command line. */
export interface ProfileHost {
  env: NodeJS.ProcessEnv;
  cwd: string;
  uid: number;
  /** burrow's data directory: a persistent home lives under it */
  dataDir: string;
}

/** The system's directories every profile sees read-only (a merged /usr's links as links). */
const SYSTEM = ['/usr', '/etc', '/opt', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * The profile as bwrap's options (before the user's own, which come after
 * and so win), with the warnings of what it asks for and cannot have here.
 */
export function profileArgs(p: Profile, h: ProfileHost): { args: string[]; warnings: string[]; dbus?: { talk: string[]; own: string[]; at: string } } {
  const home = h.env.HOME && h.env.HOME.startsWith('/') ? h.env.HOME : `/home/${h.uid}`;
  const expand = (path: string): string => (path === '.' ? h.cwd : path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : resolve(h.cwd, path));
  const args: string[] = ['--unshare-all', ...(p.network ? ['--share-net'] : []), '--die-with-parent', '--new-session'];
  const warnings: string[] = [];
  for (const dir of SYSTEM) {
    let st;
    try {
      st = lstatSync(dir);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else args.push('--ro-bind', dir, dir);
  }
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--tmpfs', '/run');
  const runtime = h.env.XDG_RUNTIME_DIR && h.env.XDG_RUNTIME_DIR.startsWith('/') ? h.env.XDG_RUNTIME_DIR : undefined;
  if (runtime) args.push('--perms', '0700', '--dir', runtime);
  // The home: empty, kept per profile under burrow's data directory, or yours.
  if (p.home === 'private') args.push('--perms', '0700', '--tmpfs', home);
  else if (p.home === 'persistent') {
    const kept = join(h.dataDir, 'sandbox', 'home', p.name);
    mkdirSync(kept, { recursive: true, mode: 0o700 });
    args.push('--bind', kept, home);
  } else args.push('--bind', home, home);
  args.push('--setenv', 'HOME', home);
  for (const path of p.tmpfs) args.push('--tmpfs', expand(path));
  for (const path of p.readOnly) args.push('--ro-bind-try', expand(path), expand(path));
  for (const path of p.readWrite) args.push('--bind-try', expand(path), expand(path));
  // The desktop, by name: each socket bound where the program looks for it, with the variables that name it.
  const d = p.desktop;
  const socket = (path: string | undefined, what: string, env: [string, string][] = [], at = path): void => {
    if (path && existsSync(path)) {
      args.push('--bind', path, at ?? path);
      for (const [k, v] of env) args.push('--setenv', k, v);
    } else warnings.push(`${what}: not found${path ? ` (${path})` : ''}, not given`);
  };
  if (d.wayland) {
    const display = h.env.WAYLAND_DISPLAY || 'wayland-0';
    socket(runtime && (display.startsWith('/') ? display : join(runtime, display)), 'Wayland', [['WAYLAND_DISPLAY', display]]);
  }
  if (d.x11) {
    const display = /^:(\d+)/.exec(h.env.DISPLAY ?? '')?.[1];
    socket(display !== undefined ? `/tmp/.X11-unix/X${display}` : undefined, 'X11', [['DISPLAY', `:${display ?? '0'}`]]);
    const auth = h.env.XAUTHORITY || join(home, '.Xauthority');
    if (existsSync(auth)) args.push('--ro-bind', auth, auth, '--setenv', 'XAUTHORITY', auth);
  }
  if (d.pipewire) socket(runtime && join(runtime, 'pipewire-0'), 'PipeWire');
  if (d.pulseaudio) {
    // The server PULSE_SERVER names when it is a socket (as flatpak reads it), shown where clients look for it.
    const named = /^unix:(\/.+)$/.exec(h.env.PULSE_SERVER ?? '')?.[1];
    const host = named ?? (runtime && join(runtime, 'pulse', 'native'));
    const inside = runtime ? join(runtime, 'pulse', 'native') : host;
    socket(host, 'PulseAudio', [['PULSE_SERVER', `unix:${inside}`]], inside);
  }
  if (d.gpu) {
    // The render nodes, NVIDIA's devices beside them, and the sysfs trees drivers read to find the GPU (read-only).
    const devices = [...(existsSync('/dev/dri') ? ['/dev/dri'] : []), ...readdirOr('/dev').filter((f) => /^nvidia/.test(f)).map((f) => join('/dev', f))];
    if (devices.length > 0) {
      for (const dev of devices) args.push('--dev-bind', dev, dev);
      for (const sys of ['/sys/dev', '/sys/devices', '/sys/class', '/sys/bus']) args.push('--ro-bind-try', sys, sys);
    } else warnings.push('GPU: /dev/dri not found, not given');
  }
  // The portals: their D-Bus names (through the proxy), and the document portal's files, where files chosen
  // in a portal's dialog appear ($XDG_RUNTIME_DIR/doc, a FUSE file system of xdg-document-portal's).
  const talk = d.portal && !d.dbusTalk.includes('org.freedesktop.portal.*') ? [...d.dbusTalk, 'org.freedesktop.portal.*'] : d.dbusTalk;
  if (d.portal) {
    const doc = runtime && join(runtime, 'doc');
    if (doc && existsSync(doc)) args.push('--bind', doc, doc);
    else warnings.push(`portal: the document portal is not running${doc ? ` (${doc})` : ''}: files chosen in a portal's dialog are not reachable`);
  }
  // The session bus through xdg-dbus-proxy (started by the caller, sandbox-extras.ts), at `at` in the sandbox.
  const dbus = talk.length > 0 || d.dbusOwn.length > 0 ? { talk, own: d.dbusOwn, at: join(runtime ?? `/run/user/${h.uid}`, 'bus') } : undefined;
  // Landlock's path rules name paths the sandbox has (the profile binds them at their own place); one the host lacks is left out.
  const l = p.landlock;
  const rule = (option: string, path: string): void => {
    if (existsSync(expand(path))) args.push(option, expand(path));
  };
  for (const path of l.readOnly) rule('--landlock-ro', path);
  for (const path of l.readExec) rule('--landlock-rx', path);
  for (const path of l.readWrite) rule('--landlock-rw', path);
  for (const port of l.bindTcp) args.push('--landlock-bind-tcp', String(port));
  for (const port of l.connectTcp) args.push('--landlock-connect-tcp', String(port));
  if (l.scope) args.push('--landlock-scope');
  return { args, warnings, ...(dbus ? { dbus } : {}) };
}
