/**
 * `--network` as podman reads it for a rootless container, and the default
 * mode (burrow.toml's [network] default_rootless_network_cmd, else pasta
 * when installed, else slirp4netns). Pure but for `findHelper`'s PATH look-up.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

import { BurrowError, UsageError } from '../errors.js';

export interface SlirpOptions {
  allowHostLoopback: boolean;
  /** the network's IPv4 range (default 10.0.2.0/24) */
  cidr: string;
  enableIPv6: boolean;
  outboundAddr?: string;
  outboundAddr6?: string;
  mtu: number;
}

export type NetworkMode =
  | { kind: 'none' }
  | { kind: 'host' }
  | { kind: 'pasta'; options: string[] }
  | { kind: 'slirp4netns'; options: SlirpOptions }
  | { kind: 'container'; ref: string }
  | { kind: 'ns'; path: string };

export type NetworkCommand = 'pasta' | 'slirp4netns';

/** pasta's options that burrow itself sets or that would take the namespace elsewhere (long ones, and short ones by letter). */
const PASTA_REFUSED_LONG = ['--netns', '--userns', '--netns-only', '--foreground', '--pid', '--config-net', '--help', '--version', '--fd', '--one-off'];
const PASTA_REFUSED_SHORT = new Set(['f', 'P', 'h', 'F', '1']);

/** Is a pasta argument one burrow refuses? getopt takes unambiguous prefixes of long options, and a short option's value attached. */
function pastaRefused(arg: string): boolean {
  if (arg.startsWith('--')) {
    const name = arg.split('=')[0] as string;
    return name.length > 2 && PASTA_REFUSED_LONG.some((o) => o.startsWith(name));
  }
  return arg.startsWith('-') && arg.length > 1 && PASTA_REFUSED_SHORT.has(arg[1] as string);
}

function slirpOptions(text: string | undefined): SlirpOptions {
  const o: SlirpOptions = { allowHostLoopback: false, cidr: '10.0.2.0/24', enableIPv6: false, mtu: 65520 };
  if (text === undefined || text === '') return o;
  const bool = (key: string, v: string): boolean => {
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw new UsageError(`invalid slirp4netns option \`${key}=${v}\`: use true or false`);
  };
  for (const item of text.split(',')) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? '' : item.slice(eq + 1);
    switch (key) {
      case 'allow_host_loopback':
        o.allowHostLoopback = bool(key, value);
        break;
      case 'enable_ipv6':
        o.enableIPv6 = bool(key, value);
        break;
      case 'cidr': {
        const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
        const prefix = Number(m?.[5]);
        const parts = (m?.slice(1, 5) ?? []).map(Number);
        const addr = ((((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0);
        // slirp4netns's own rule: a network address, prefix 1 to 25 (room for its .100).
        if (!m || parts.some((p) => p > 255) || prefix < 1 || prefix > 25 || (addr & (2 ** (32 - prefix) - 1)) !== 0)
          throw new UsageError(`invalid slirp4netns option \`cidr=${value}\`: a network address with a prefix from 1 to 25, such as 10.0.2.0/24`);
        o.cidr = value;
        break;
      }
      case 'outbound_addr':
        if (value === '') throw new UsageError('invalid slirp4netns option `outbound_addr=`: give an address or an interface');
        o.outboundAddr = value;
        break;
      case 'outbound_addr6':
        if (value === '') throw new UsageError('invalid slirp4netns option `outbound_addr6=`: give an address or an interface');
        o.outboundAddr6 = value;
        break;
      case 'mtu':
        if (!/^\d+$/.test(value) || Number(value) < 68 || Number(value) > 65521) throw new UsageError(`invalid slirp4netns option \`mtu=${value}\`: from 68 to 65521`);
        o.mtu = Number(value);
        break;
      case 'port_handler':
        if (value !== 'slirp4netns')
          throw new UsageError(`invalid slirp4netns option \`port_handler=${value}\`: burrow forwards ports with slirp4netns itself (rootlesskit's handler is not used)`);
        break;
      default:
        throw new UsageError(`unknown slirp4netns option \`${item}\`: use allow_host_loopback, cidr, enable_ipv6, mtu, outbound_addr, outbound_addr6, port_handler`);
    }
  }
  return o;
}

function pastaOptions(text: string | undefined): string[] {
  if (text === undefined || text === '') return [];
  // Each comma-separated item is one argument, as podman passes them: an option, or the value of the one before (-a,10.0.2.5).
  const options = text.split(',');
  for (const o of options) if (pastaRefused(o)) throw new UsageError(`pasta option \`${o}\` cannot be used: burrow sets it itself`);
  return options;
}

/** A --network value; `defaultCommand` for private (and no value). */
export function parseNetwork(value: string | undefined, defaultCommand: () => NetworkCommand | undefined): NetworkMode {
  const v = value ?? 'private';
  const colon = v.indexOf(':');
  const name = colon < 0 ? v : v.slice(0, colon);
  const rest = colon < 0 ? undefined : v.slice(colon + 1);
  const noOptions = (): void => {
    if (rest !== undefined) throw new UsageError(`network mode \`${name}\` takes no options`);
  };
  switch (name) {
    case 'none':
      noOptions();
      return { kind: 'none' };
    case 'host':
      noOptions();
      return { kind: 'host' };
    case 'private': {
      noOptions();
      const cmd = defaultCommand();
      if (cmd === undefined)
        throw new BurrowError('E_NETWORK', 'neither pasta nor slirp4netns is installed: a container needs one of them for its network (Debian: apt-get install passt), or run it with --network none or host');
      return cmd === 'pasta' ? { kind: 'pasta', options: [] } : { kind: 'slirp4netns', options: slirpOptions(undefined) };
    }
    case 'pasta':
      return { kind: 'pasta', options: pastaOptions(rest) };
    case 'slirp4netns':
      return { kind: 'slirp4netns', options: slirpOptions(rest) };
    case 'container':
      if (!rest) throw new UsageError('network mode `container:` needs a container: container:NAME|ID');
      return { kind: 'container', ref: rest };
    case 'ns':
      if (!rest || !rest.startsWith('/')) throw new UsageError('network mode `ns:` needs the absolute path of a network namespace: ns:PATH');
      return { kind: 'ns', path: rest };
    default:
      throw new UsageError(`unknown network mode \`${v}\`: use private, pasta[:OPTIONS], slirp4netns[:OPTIONS], none, host, container:CTR, ns:PATH, or the name of a network (network ls)`);
  }
}

/** An executable NAME on PATH (the helpers run it by this path). */
export function findHelper(name: string, path = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir.startsWith('/')) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}
