/*
 * --network as podman reads it for a rootless container
 * (src/network/mode.ts): the modes, pasta's and slirp4netns's options and
 * their refusals, the default for private, inspect's NetworkMode name, and
 * the look-up of pasta and slirp4netns on a PATH made in a temporary tree.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { UsageError } from '../../../src/errors.js';
import { findHelper, type NetworkCommand, parseNetwork } from '../../../src/network/mode.js';
import { caught } from '../../helpers/errors.js';

const DEFAULT_SLIRP = { allowHostLoopback: false, cidr: '10.0.2.0/24', enableIPv6: false, mtu: 65520 };

/** A default command that must not be asked for. */
const unasked = (): NetworkCommand => {
  throw new Error('the default command was asked for');
};

describe('parseNetwork', () => {
  it('takes private, and no value, as the default command', () => {
    expect(parseNetwork(undefined, () => 'pasta')).toEqual({ kind: 'pasta', options: [] });
    expect(parseNetwork('private', () => 'pasta')).toEqual({ kind: 'pasta', options: [] });
    expect(parseNetwork(undefined, () => 'slirp4netns')).toEqual({ kind: 'slirp4netns', options: DEFAULT_SLIRP });
    expect(parseNetwork('private', () => 'slirp4netns')).toEqual({ kind: 'slirp4netns', options: DEFAULT_SLIRP });
  });

  it('says what to install when neither pasta nor slirp4netns is there', () => {
    const err = caught(() => parseNetwork(undefined, () => undefined));
    expect(err).not.toBeInstanceOf(UsageError);
    expect(err.code).toBe('E_NETWORK');
    expect(err.message).toBe(
      'neither pasta nor slirp4netns is installed: a container needs one of them for its network (Debian: apt-get install passt), or run it with --network none or host',
    );
  });

  it('takes none and host without asking for the default', () => {
    expect(parseNetwork('none', unasked)).toEqual({ kind: 'none' });
    expect(parseNetwork('host', unasked)).toEqual({ kind: 'host' });
  });

  it.each(['none:x', 'host:', 'private:opt'])('refuses options to %s', (value) => {
    const name = value.slice(0, value.indexOf(':'));
    const err = caught(() => parseNetwork(value, () => 'pasta'));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(`network mode \`${name}\` takes no options`);
  });

  it('takes pasta with its options, each one argument, = in them kept', () => {
    expect(parseNetwork('pasta', unasked)).toEqual({ kind: 'pasta', options: [] });
    expect(parseNetwork('pasta:', unasked)).toEqual({ kind: 'pasta', options: [] });
    expect(parseNetwork('pasta:--ipv4-only,--address=10.0.0.5,--mtu=1500', unasked)).toEqual({ kind: 'pasta', options: ['--ipv4-only', '--address=10.0.0.5', '--mtu=1500'] });
  });

  it.each(['--netns', '--netns=/run/x', '--userns', '-f', '--foreground', '-P', '--pid=/tmp/p', '--config-net', '--help', '--version', '-F', '--fd=3', '-1', '--one-off'])(
    "refuses pasta's %s, which burrow sets itself",
    (option) => {
      const err = caught(() => parseNetwork(`pasta:--ipv4-only,${option}`, unasked));
      expect(err).toBeInstanceOf(UsageError);
      expect(err.message).toBe(`pasta option \`${option}\` cannot be used: burrow sets it itself`);
    },
  );

  it('passes a pasta option\'s value as the item after it (podman\'s -a,192.0.2.1), and refuses abbreviated or attached forms of the options burrow sets', () => {
    expect(parseNetwork('pasta:-a,192.0.2.1,--mtu,1400', unasked)).toEqual({ kind: 'pasta', options: ['-a', '192.0.2.1', '--mtu', '1400'] });
    for (const bad of ['--fore', '-P/tmp/x', '--netn=/x', '-f'])
      expect(caught(() => parseNetwork(`pasta:${bad}`, unasked)).message).toBe(`pasta option \`${bad}\` cannot be used: burrow sets it itself`);
  });

  it('refuses a slirp4netns cidr slirp4netns would refuse: host bits set, or a prefix past 25', () => {
    for (const cidr of ['10.0.2.5/24', '10.0.2.0/26', '0.0.0.0/0'])
      expect(caught(() => parseNetwork(`slirp4netns:cidr=${cidr}`, unasked)).message).toBe(`invalid slirp4netns option \`cidr=${cidr}\`: a network address with a prefix from 1 to 25, such as 10.0.2.0/24`);
  });

  it('takes slirp4netns with its defaults, and every option it knows', () => {
    expect(parseNetwork('slirp4netns', unasked)).toEqual({ kind: 'slirp4netns', options: DEFAULT_SLIRP });
    expect(parseNetwork('slirp4netns:', unasked)).toEqual({ kind: 'slirp4netns', options: DEFAULT_SLIRP });
    expect(
      parseNetwork('slirp4netns:allow_host_loopback=true,cidr=10.5.0.0/16,enable_ipv6=true,mtu=1500,outbound_addr=eth0,outbound_addr6=fd00::1,port_handler=slirp4netns', unasked),
    ).toEqual({
      kind: 'slirp4netns',
      options: { allowHostLoopback: true, cidr: '10.5.0.0/16', enableIPv6: true, mtu: 1500, outboundAddr: 'eth0', outboundAddr6: 'fd00::1' },
    });
    expect(parseNetwork('slirp4netns:allow_host_loopback=false,enable_ipv6=false,mtu=68', unasked)).toEqual({ kind: 'slirp4netns', options: { ...DEFAULT_SLIRP, mtu: 68 } });
    expect(parseNetwork('slirp4netns:mtu=65521,cidr=10.0.135.128/25', unasked)).toEqual({ kind: 'slirp4netns', options: { ...DEFAULT_SLIRP, mtu: 65521, cidr: '10.0.135.128/25' } });
  });

  it.each([
    ['allow_host_loopback=yes', 'invalid slirp4netns option `allow_host_loopback=yes`: use true or false'],
    ['allow_host_loopback', 'invalid slirp4netns option `allow_host_loopback=`: use true or false'],
    ['enable_ipv6=1', 'invalid slirp4netns option `enable_ipv6=1`: use true or false'],
    ['cidr=10.0.2.0', 'invalid slirp4netns option `cidr=10.0.2.0`: a network address with a prefix from 1 to 25, such as 10.0.2.0/24'],
    ['cidr=10.0.2.0/31', 'invalid slirp4netns option `cidr=10.0.2.0/31`: a network address with a prefix from 1 to 25, such as 10.0.2.0/24'],
    ['cidr=10.0.256.0/24', 'invalid slirp4netns option `cidr=10.0.256.0/24`: a network address with a prefix from 1 to 25, such as 10.0.2.0/24'],
    ['cidr=fd00::/64', 'invalid slirp4netns option `cidr=fd00::/64`: a network address with a prefix from 1 to 25, such as 10.0.2.0/24'],
    ['outbound_addr=', 'invalid slirp4netns option `outbound_addr=`: give an address or an interface'],
    ['outbound_addr6=', 'invalid slirp4netns option `outbound_addr6=`: give an address or an interface'],
    ['mtu=67', 'invalid slirp4netns option `mtu=67`: from 68 to 65521'],
    ['mtu=65522', 'invalid slirp4netns option `mtu=65522`: from 68 to 65521'],
    ['mtu=big', 'invalid slirp4netns option `mtu=big`: from 68 to 65521'],
    ['port_handler=rootlesskit', "invalid slirp4netns option `port_handler=rootlesskit`: burrow forwards ports with slirp4netns itself (rootlesskit's handler is not used)"],
    ['sandbox=true', 'unknown slirp4netns option `sandbox=true`: use allow_host_loopback, cidr, enable_ipv6, mtu, outbound_addr, outbound_addr6, port_handler'],
  ])('refuses the slirp4netns option %s as a usage error', (option, message) => {
    const err = caught(() => parseNetwork(`slirp4netns:mtu=1500,${option}`, unasked));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(message);
  });

  it('takes container:NAME and ns:PATH', () => {
    expect(parseNetwork('container:web', unasked)).toEqual({ kind: 'container', ref: 'web' });
    expect(parseNetwork('ns:/run/netns/x', unasked)).toEqual({ kind: 'ns', path: '/run/netns/x' });
  });

  it.each([
    ['container', 'network mode `container:` needs a container: container:NAME|ID'],
    ['container:', 'network mode `container:` needs a container: container:NAME|ID'],
    ['ns', 'network mode `ns:` needs the absolute path of a network namespace: ns:PATH'],
    ['ns:', 'network mode `ns:` needs the absolute path of a network namespace: ns:PATH'],
    ['ns:run/netns/x', 'network mode `ns:` needs the absolute path of a network namespace: ns:PATH'],
    ['bridge', 'unknown network mode `bridge`: use private, pasta[:OPTIONS], slirp4netns[:OPTIONS], none, host, container:CTR, ns:PATH, or the name of a network (network ls)'],
    ['', 'unknown network mode ``: use private, pasta[:OPTIONS], slirp4netns[:OPTIONS], none, host, container:CTR, ns:PATH, or the name of a network (network ls)'],
    ['Host', 'unknown network mode `Host`: use private, pasta[:OPTIONS], slirp4netns[:OPTIONS], none, host, container:CTR, ns:PATH, or the name of a network (network ls)'],
  ])('refuses %j as a usage error', (value, message) => {
    const err = caught(() => parseNetwork(value, unasked));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(message);
  });
});

describe('findHelper', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'burrow-mode-'));
    for (const d of ['a', 'b', 'c']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'a', 'pasta'), 'not executable\n');
    chmodSync(join(dir, 'a', 'pasta'), 0o644);
    writeFileSync(join(dir, 'b', 'pasta'), '#!/bin/sh\n');
    chmodSync(join(dir, 'b', 'pasta'), 0o755);
    writeFileSync(join(dir, 'c', 'pasta'), '#!/bin/sh\n');
    chmodSync(join(dir, 'c', 'pasta'), 0o755);
    writeFileSync(join(dir, 'c', 'slirp4netns'), '#!/bin/sh\n');
    chmodSync(join(dir, 'c', 'slirp4netns'), 0o700);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the path of the first executable of that name on PATH, skipping a file that is not executable', () => {
    expect(findHelper('pasta', [join(dir, 'a'), join(dir, 'b'), join(dir, 'c')].join(':'))).toBe(join(dir, 'b', 'pasta'));
    expect(findHelper('pasta', [join(dir, 'c'), join(dir, 'b')].join(':'))).toBe(join(dir, 'c', 'pasta'));
    expect(findHelper('slirp4netns', [join(dir, 'a'), join(dir, 'b'), join(dir, 'c')].join(':'))).toBe(join(dir, 'c', 'slirp4netns'));
  });

  it('gives undefined when no directory of PATH has it', () => {
    expect(findHelper('pasta', join(dir, 'a'))).toBeUndefined();
    expect(findHelper('passt', [join(dir, 'a'), join(dir, 'b'), join(dir, 'missing')].join(':'))).toBeUndefined();
    expect(findHelper('pasta', '')).toBeUndefined();
  });

  it('skips the relative and empty entries of PATH', () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(findHelper('pasta', ['b', '', './c'].join(':'))).toBeUndefined();
      expect(findHelper('pasta', ['b', '', join(dir, 'c')].join(':'))).toBe(join(dir, 'c', 'pasta'));
    } finally {
      process.chdir(cwd);
    }
  });
});
