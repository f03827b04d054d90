/**
 * Dockerfile instructions given to `import --change` (and, later, `commit
 * --change`), applied to an image config as podman and docker do: CMD,
 * ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR. The
 * instruction and its value are separated by a space or `=` (`CMD=/bin/sh`).
 */
import { UsageError } from '../errors.js';
import type { ContainerConfig } from '../oci/image.js';

const INSTRUCTIONS = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'] as const;

/** A JSON array of strings, or undefined when `value` is not one. */
function jsonArray(value: string): string[] | undefined {
  if (!value.trimStart().startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) return undefined;
  return parsed;
}

/** Words split at blanks, with "double" and 'single' quotes and backslash escapes, as a Dockerfile reads them. */
export function splitWords(value: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < value.length) cur += value[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < value.length) {
      cur += value[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new UsageError(`unterminated quote in \`${value}\``);
  if (inWord) words.push(cur);
  return words;
}

/** `K=V K2="V 2"` or the old `K V...` form. */
function pairs(value: string, what: string): [string, string][] {
  const words = splitWords(value);
  if (words.length === 0) throw new UsageError(`${what} needs at least one NAME=VALUE`);
  if (!(words[0] as string).includes('=')) {
    if (words.length < 2) throw new UsageError(`${what} \`${value}\`: needs NAME=VALUE or NAME VALUE`);
    return [[words[0] as string, value.trim().slice((words[0] as string).length).trim()]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new UsageError(`${what} \`${w}\`: needs NAME=VALUE`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** Applies one `--change` instruction to `config` (changed in place). */
export function applyChange(config: ContainerConfig, change: string): void {
  const m = /^\s*([A-Za-z]+)(?:\s+|=)([\s\S]*)$/.exec(change);
  const instruction = m?.[1]?.toUpperCase();
  if (!m || !INSTRUCTIONS.includes(instruction as (typeof INSTRUCTIONS)[number]))
    throw new UsageError(`invalid change \`${change}\`: valid instructions are ${INSTRUCTIONS.join(', ')}`);
  const value = (m[2] as string).trim();
  const what = `--change ${instruction}`;
  switch (instruction) {
    case 'CMD':
    case 'ENTRYPOINT': {
      const argv = jsonArray(value) ?? (value === '' ? [] : ['/bin/sh', '-c', value]);
      if (instruction === 'CMD') config.Cmd = argv;
      else config.Entrypoint = argv;
      break;
    }
    case 'ENV': {
      const env = config.Env ?? [];
      for (const [k, v] of pairs(value, what)) {
        const i = env.findIndex((e) => e.split('=')[0] === k);
        if (i >= 0) env[i] = `${k}=${v}`;
        else env.push(`${k}=${v}`);
      }
      config.Env = env;
      break;
    }
    case 'LABEL': {
      const labels = config.Labels ?? {};
      for (const [k, v] of pairs(value, what)) labels[k] = v;
      config.Labels = labels;
      break;
    }
    case 'EXPOSE': {
      const ports = config.ExposedPorts ?? {};
      const words = splitWords(value);
      if (words.length === 0) throw new UsageError(`${what} needs a port`);
      for (const p of words) {
        const pm = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/(tcp|udp|sctp))?$/i.exec(p);
        if (!pm) throw new UsageError(`${what}: invalid port \`${p}\`: use PORT[/PROTOCOL]`);
        const proto = (pm[3] ?? 'tcp').toLowerCase();
        const from = Number(pm[1]);
        const to = pm[2] !== undefined ? Number(pm[2]) : from;
        if (from < 1 || to > 65535 || to < from) throw new UsageError(`${what}: invalid port \`${p}\``);
        for (let port = from; port <= to; port++) ports[`${port}/${proto}`] = {};
      }
      config.ExposedPorts = ports;
      break;
    }
    case 'VOLUME': {
      const volumes = config.Volumes ?? {};
      const list = jsonArray(value) ?? splitWords(value);
      if (list.length === 0) throw new UsageError(`${what} needs a path`);
      for (const v of list) volumes[v] = {};
      config.Volumes = volumes;
      break;
    }
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL': {
      if (value === '') throw new UsageError(`${what} needs a value`);
      if (instruction === 'USER') config.User = value;
      else if (instruction === 'WORKDIR') config.WorkingDir = value.startsWith('/') ? value : `${config.WorkingDir ?? '/'}/${value}`.replace(/\/+/g, '/');
      else config.StopSignal = value;
      break;
    }
  }
}
