/*
 * A container's network, decided (src/network/setup.ts) from its mode and
 * options and from host facts made up here: the argv of pasta and
 * slirp4netns (and of the slirp-api process that adds slirp4netns's ports),
 * the contents of /etc/hosts, /etc/resolv.conf and /etc/hostname, the
 * address and gateway inspect shows, and the refusals; with --add-host,
 * --dns, --mac-address and the slirp4netns port requests checked on their own.
 */
import { describe, expect, it } from 'vitest';

import { UsageError } from '../../../src/errors.js';
import type { HostRoute } from '../../../src/network/host.js';
import type { NetworkMode, SlirpOptions } from '../../../src/network/mode.js';
import type { PortMapping } from '../../../src/network/ports.js';
import { checkDns, checkMac, type HostFacts, NETWORK_TIMEOUT_MS, networkSetup, type NetworkRequest, parseAddHost, slirpForwards } from '../../../src/network/setup.js';
import { caught } from '../../helpers/errors.js';

const LOCALHOST = '127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n';
const INTERNAL = 'host.containers.internal host.docker.internal';
const MAC = '92:d0:c6:0a:29:33';

const ROUTE: HostRoute = { iface: 'eth0', gateway: '192.168.1.1', address: '192.168.1.20', address6: undefined, gateway6: undefined };
const ROUTE6: HostRoute = { iface: 'eth0', gateway: '192.168.1.1', address: '192.168.1.20', address6: '2001:db8::20', gateway6: 'fe80::1' };

/** A host with a resolver on its LAN, an IPv6 one, a search domain and an option. */
function facts(over: Partial<HostFacts> = {}): HostFacts {
  return {
    route: ROUTE,
    resolv: { nameservers: ['192.168.1.1', 'fd00::53'], search: ['lan'], options: ['edns0'] },
    hosts: '127.0.0.1\tlocalhost\n192.168.1.20\tmyhost\n',
    hostname: 'myhost',
    ...over,
  };
}

/** facts() with systemd-resolved's stub as the host's resolver. */
const stubFacts = (over: Partial<HostFacts> = {}): HostFacts => facts({ resolv: { nameservers: ['127.0.0.53'], search: ['lan'], options: ['edns0', 'trust-ad'] }, ...over });

const SLIRP: SlirpOptions = { allowHostLoopback: false, cidr: '10.0.2.0/24', enableIPv6: false, mtu: 65520 };
const PASTA: NetworkMode = { kind: 'pasta', options: [] };

function request(mode: NetworkMode, over: Partial<NetworkRequest> = {}): NetworkRequest {
  return {
    mode,
    ports: [],
    pasta: '/usr/bin/pasta',
    slirp4netns: '/usr/bin/slirp4netns',
    helper: '/opt/burrow/burrow-helper',
    apiSocket: '/run/burrow/c1/slirp.sock',
    hostname: 'c0ffee123456',
    name: 'web',
    dns: [],
    dnsSearch: [],
    dnsOption: [],
    addHost: [],
    noHosts: false,
    ...over,
  };
}

function port(m: Partial<PortMapping> & { hostPort: number; containerPort: number }): PortMapping {
  return { hostIp: '', range: 1, protocol: 'tcp', ...m };
}

/** A ready process of the monitor with this argv. */
const ready = (argv: string[]) => ({ kind: 'process', mode: 'ready', timeoutMs: NETWORK_TIMEOUT_MS, argv });

const PASTA_HEAD = ['/usr/bin/pasta', '--config-net', '--quiet', '--foreground', '--pid', '/proc/self/fd/3'];

describe('networkSetup with pasta', () => {
  it("copies the host's address and gateway, runs pasta with no ports, and points host.containers.internal at the gateway", () => {
    expect(networkSetup(request(PASTA), facts())).toStrictEqual({
      ownNamespace: true,
      processes: [ready([...PASTA_HEAD, '-t', 'none', '-u', 'none', '-T', 'none', '-U', 'none', '--mtu', '1500', '{pid}'])],
      files: {
        hostname: 'c0ffee123456\n',
        hosts: `${LOCALHOST}192.168.1.20\tc0ffee123456 web\n192.168.1.1\t${INTERNAL}\n`,
        resolv: 'search lan\nnameserver 192.168.1.1\noptions edns0\n',
      },
      address: '192.168.1.20',
      gateway: '192.168.1.1',
    });
  });

  it('names the namespaces by the fds the helper passes ({netns}, {userns}) when the container starts in another\'s (a shared pid namespace)', () => {
    expect(networkSetup(request(PASTA, { namespacesByFd: true }), facts()).processes).toStrictEqual([
      ready([...PASTA_HEAD, '-t', 'none', '-u', 'none', '-T', 'none', '-U', 'none', '--mtu', '1500', '--userns', '{userns}', '--netns', '{netns}']),
    ]);
  });

  it('gives pasta one -t or -u per mapping, ranges as START-END and an address as ADDR/', () => {
    const ports = [
      port({ hostPort: 8080, containerPort: 80 }),
      port({ hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, protocol: 'udp' }),
      port({ hostPort: 8000, containerPort: 90, range: 3 }),
      port({ hostIp: '::1', hostPort: 9090, containerPort: 90 }),
      port({ hostPort: 6000, containerPort: 7000, range: 2, protocol: 'udp' }),
    ];
    const setup = networkSetup(request(PASTA, { ports }), facts());
    expect(setup.processes).toStrictEqual([
      ready([...PASTA_HEAD, '-t', '8080:80', '-t', '8000-8002:90-92', '-t', '::1/9090:90', '-u', '127.0.0.1/5353:53', '-u', '6000-6001:7000-7001', '-T', 'none', '-U', 'none', '--mtu', '1500', '{pid}']),
    ]);
  });

  it('writes -t none when only udp ports are published, and -u none when only tcp ones are', () => {
    expect(networkSetup(request(PASTA, { ports: [port({ hostPort: 53, containerPort: 53, protocol: 'udp' })] }), facts()).processes).toStrictEqual([
      ready([...PASTA_HEAD, '-t', 'none', '-u', '53:53', '-T', 'none', '-U', 'none', '--mtu', '1500', '{pid}']),
    ]);
    expect(networkSetup(request(PASTA, { ports: [port({ hostPort: 80, containerPort: 80 })] }), facts()).processes).toStrictEqual([
      ready([...PASTA_HEAD, '-t', '80:80', '-u', 'none', '-T', 'none', '-U', 'none', '--mtu', '1500', '{pid}']),
    ]);
  });

  it("forwards DNS from 169.254.1.1 when the host's resolver is on its loopback, and the container asks there", () => {
    const setup = networkSetup(request(PASTA), stubFacts());
    expect(setup.processes).toStrictEqual([ready([...PASTA_HEAD, '-t', 'none', '-u', 'none', '-T', 'none', '-U', 'none', '--dns-forward', '169.254.1.1', '--mtu', '1500', '{pid}'])]);
    expect(setup.files.resolv).toBe('search lan\nnameserver 169.254.1.1\noptions edns0 trust-ad\n');
  });

  it('forwards DNS when any of the host resolvers is on its loopback, ::1 included', () => {
    const setup = networkSetup(request(PASTA), facts({ resolv: { nameservers: ['192.168.1.1', '::1'], search: [], options: [] } }));
    expect(setup.processes).toStrictEqual([ready([...PASTA_HEAD, '-t', 'none', '-u', 'none', '-T', 'none', '-U', 'none', '--dns-forward', '169.254.1.1', '--mtu', '1500', '{pid}'])]);
    expect(setup.files.resolv).toBe('nameserver 169.254.1.1\n');
  });

  it('forwards no DNS when --dns names the servers, which replace the host ones', () => {
    const setup = networkSetup(request(PASTA, { dns: ['1.1.1.1', '2606:4700:4700::1111'] }), stubFacts());
    expect(setup.processes).toStrictEqual([ready([...PASTA_HEAD, '-t', 'none', '-u', 'none', '-T', 'none', '-U', 'none', '--mtu', '1500', '{pid}'])]);
    expect(setup.files.resolv).toBe('search lan\nnameserver 1.1.1.1\nnameserver 2606:4700:4700::1111\noptions edns0 trust-ad\n');
  });

  it('forwards no DNS and writes no resolv.conf with --dns none', () => {
    const setup = networkSetup(request(PASTA, { dns: ['none'] }), stubFacts());
    expect(setup.processes).toStrictEqual([ready([...PASTA_HEAD, '-t', 'none', '-u', 'none', '-T', 'none', '-U', 'none', '--mtu', '1500', '{pid}'])]);
    expect(setup.files).toStrictEqual({ hostname: 'c0ffee123456\n', hosts: `${LOCALHOST}192.168.1.20\tc0ffee123456 web\n192.168.1.1\t${INTERNAL}\n` });
    expect('resolv' in setup.files).toBe(false);
  });

  it('keeps the IPv6 resolvers of the host only when it has an IPv6 default route', () => {
    expect(networkSetup(request(PASTA), facts()).files.resolv).toBe('search lan\nnameserver 192.168.1.1\noptions edns0\n');
    expect(networkSetup(request(PASTA), facts({ route: ROUTE6 })).files.resolv).toBe('search lan\nnameserver 192.168.1.1\nnameserver fd00::53\noptions edns0\n');
  });

  it("puts the MAC address, then the user's pasta options, before {pid}, which comes last", () => {
    const setup = networkSetup(request({ kind: 'pasta', options: ['--ipv4-only', '--mtu=1500'] }, { macAddress: MAC }), stubFacts());
    expect(setup.processes).toStrictEqual([
      ready([...PASTA_HEAD, '-t', 'none', '-u', 'none', '-T', 'none', '-U', 'none', '--dns-forward', '169.254.1.1', '--ns-mac-addr', MAC, '--ipv4-only', '--mtu=1500', '{pid}']),
    ]);
  });

  it('writes 127.0.0.1 for the container and gives no address when the host interface has no IPv4 address', () => {
    const setup = networkSetup(request(PASTA), facts({ route: { ...ROUTE, address: undefined } }));
    expect(setup.files.hosts).toBe(`${LOCALHOST}127.0.0.1\tc0ffee123456 web\n192.168.1.1\t${INTERNAL}\n`);
    expect(setup.gateway).toBe('192.168.1.1');
    expect('address' in setup).toBe(false);
  });

  it('says what to install when pasta is missing', () => {
    const err = caught(() => networkSetup(request(PASTA, { pasta: undefined }), facts()));
    expect(err).not.toBeInstanceOf(UsageError);
    expect(err.code).toBe('E_NETWORK');
    expect(err.message).toBe('pasta is not installed (Debian: apt-get install passt): use --network slirp4netns, none or host');
  });

  it('refuses a host without a default route', () => {
    const err = caught(() => networkSetup(request(PASTA), facts({ route: undefined })));
    expect(err).not.toBeInstanceOf(UsageError);
    expect(err.code).toBe('E_NETWORK');
    expect(err.message).toBe('the host has no default route for pasta to copy: use --network none or host');
  });
});

describe('networkSetup with slirp4netns', () => {
  const SLIRP_ARGV = ['/usr/bin/slirp4netns', '--configure', '--mtu=65520', '--ready-fd=3', '--cidr=10.0.2.0/24', '--disable-host-loopback'];

  it('names the namespaces by path, the fds the helper passes, when the container starts in another\'s', () => {
    const slirp = { kind: 'slirp4netns', options: SLIRP } as const;
    expect(networkSetup(request(slirp, { namespacesByFd: true }), facts()).processes).toStrictEqual([
      ready([...SLIRP_ARGV, '--netns-type=path', '--userns-path', '{userns}', '{netns}', 'tap0']),
    ]);
  });

  it("gives the container .100 of its range, .2 as gateway and .3 as resolver, and points host.containers.internal at the host's address", () => {
    expect(networkSetup(request({ kind: 'slirp4netns', options: SLIRP }), stubFacts())).toStrictEqual({
      ownNamespace: true,
      processes: [ready([...SLIRP_ARGV, '{pid}', 'tap0'])],
      files: {
        hostname: 'c0ffee123456\n',
        hosts: `${LOCALHOST}10.0.2.100\tc0ffee123456 web\n192.168.1.20\t${INTERNAL}\n`,
        resolv: 'search lan\nnameserver 10.0.2.3\noptions edns0 trust-ad\n',
      },
      address: '10.0.2.100',
      gateway: '10.0.2.2',
    });
  });

  it('opens the API socket and adds each published port through burrow-helper slirp-api, a second ready process', () => {
    const ports = [port({ hostPort: 8080, containerPort: 80 }), port({ hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, protocol: 'udp' }), port({ hostPort: 8000, containerPort: 90, range: 2 })];
    const setup = networkSetup(request({ kind: 'slirp4netns', options: SLIRP }, { ports }), facts());
    expect(setup.processes).toStrictEqual([
      ready([...SLIRP_ARGV, '--api-socket=/run/burrow/c1/slirp.sock', '{pid}', 'tap0']),
      ready([
        '/opt/burrow/burrow-helper',
        'slirp-api',
        '/run/burrow/c1/slirp.sock',
        '{"execute":"add_hostfwd","arguments":{"proto":"tcp","host_addr":"0.0.0.0","host_port":8080,"guest_port":80}}',
        '{"execute":"add_hostfwd","arguments":{"proto":"udp","host_addr":"127.0.0.1","host_port":5353,"guest_port":53}}',
        '{"execute":"add_hostfwd","arguments":{"proto":"tcp","host_addr":"0.0.0.0","host_port":8000,"guest_port":90}}',
        '{"execute":"add_hostfwd","arguments":{"proto":"tcp","host_addr":"0.0.0.0","host_port":8001,"guest_port":91}}',
      ]),
    ]);
  });

  it('passes every option on, gives the addresses of another range, and with allow_host_loopback points host.containers.internal at the gateway', () => {
    const options: SlirpOptions = { allowHostLoopback: true, cidr: '10.5.0.0/16', enableIPv6: true, mtu: 1500, outboundAddr: 'eth0', outboundAddr6: 'fd00::1' };
    const setup = networkSetup(request({ kind: 'slirp4netns', options }, { macAddress: MAC }), facts());
    expect(setup.processes).toStrictEqual([
      ready([
        '/usr/bin/slirp4netns',
        '--configure',
        '--mtu=1500',
        '--ready-fd=3',
        '--cidr=10.5.0.0/16',
        '--enable-ipv6',
        '--outbound-addr=eth0',
        '--outbound-addr6=fd00::1',
        `--macaddress=${MAC}`,
        '{pid}',
        'tap0',
      ]),
    ]);
    expect(setup.address).toBe('10.5.0.100');
    expect(setup.gateway).toBe('10.5.0.2');
    expect(setup.files.hosts).toBe(`${LOCALHOST}10.5.0.100\tc0ffee123456 web\n10.5.0.2\t${INTERNAL}\n`);
    expect(setup.files.resolv).toBe('search lan\nnameserver 10.5.0.3\noptions edns0\n');
  });

  it('counts .100, .2 and .3 from the start of a range that does not end on a byte', () => {
    const setup = networkSetup(request({ kind: 'slirp4netns', options: { ...SLIRP, cidr: '10.0.135.128/25' } }), facts());
    expect([setup.address, setup.gateway, setup.files.resolv]).toStrictEqual(['10.0.135.228', '10.0.135.130', 'search lan\nnameserver 10.0.135.131\noptions edns0\n']);
  });

  it('says what to install when slirp4netns is missing', () => {
    const err = caught(() => networkSetup(request({ kind: 'slirp4netns', options: SLIRP }, { slirp4netns: undefined }), facts()));
    expect(err).not.toBeInstanceOf(UsageError);
    expect(err.code).toBe('E_NETWORK');
    expect(err.message).toBe('slirp4netns is not installed (Debian: apt-get install slirp4netns): use --network pasta, none or host');
  });
});

describe('networkSetup with --network host and none', () => {
  it("keeps the host's namespace, starts nothing, and writes the host's hosts file and resolvers, loopback ones included", () => {
    expect(networkSetup(request({ kind: 'host' }, { pasta: undefined, slirp4netns: undefined }), stubFacts())).toStrictEqual({
      ownNamespace: false,
      processes: [],
      files: {
        hostname: 'c0ffee123456\n',
        hosts: `127.0.0.1\tlocalhost\n192.168.1.20\tmyhost\n127.0.0.1\tc0ffee123456 web\n192.168.1.20\t${INTERNAL}\n`,
        resolv: 'search lan\nnameserver 127.0.0.53\noptions edns0 trust-ad\n',
      },
    });
  });

  it("ends the host's hosts file with a newline before adding to it, and adds to an empty one", () => {
    expect(networkSetup(request({ kind: 'host' }), facts({ hosts: '127.0.0.1 localhost' })).files.hosts).toBe(
      `127.0.0.1 localhost\n127.0.0.1\tc0ffee123456 web\n192.168.1.20\t${INTERNAL}\n`,
    );
    expect(networkSetup(request({ kind: 'host' }), facts({ hosts: '' })).files.hosts).toBe(`127.0.0.1\tc0ffee123456 web\n192.168.1.20\t${INTERNAL}\n`);
  });

  it('gives none a namespace of its own with no process, no host.containers.internal, and the resolvers not on the loopback', () => {
    const resolv = { nameservers: ['127.0.0.53', '192.168.1.1', '::1'], search: ['lan'], options: [] };
    expect(networkSetup(request({ kind: 'none' }), facts({ resolv }))).toStrictEqual({
      ownNamespace: true,
      processes: [],
      files: { hostname: 'c0ffee123456\n', hosts: `${LOCALHOST}127.0.0.1\tc0ffee123456 web\n`, resolv: 'search lan\nnameserver 192.168.1.1\n' },
    });
  });

  it.each([
    ['none', 'ports cannot be published with --network none: the container has no network'],
    ['host', "ports cannot be published with --network host: the container's servers are on the host's ports already"],
  ] as const)('refuses published ports with --network %s', (kind, message) => {
    const err = caught(() => networkSetup(request({ kind }, { ports: [port({ hostPort: 8080, containerPort: 80 })] }), facts()));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(message);
  });

  it.each(['none', 'host'] as const)('refuses --mac-address with --network %s', (kind) => {
    const err = caught(() => networkSetup(request({ kind }, { macAddress: MAC }), facts()));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(`--mac-address needs a network of the container's own (pasta or slirp4netns), not --network ${kind}`);
  });
});

describe('networkSetup: the name files', () => {
  it('adds the --add-host lines after localhost, host-gateway as the host address, before the container line', () => {
    const setup = networkSetup(request(PASTA, { addHost: ['db:10.0.0.5', 'gw:host-gateway', 'v6=[fd00::5]'] }), facts());
    expect(setup.files.hosts).toBe(`${LOCALHOST}10.0.0.5\tdb\n192.168.1.20\tgw\nfd00::5\tv6\n192.168.1.20\tc0ffee123456 web\n192.168.1.1\t${INTERNAL}\n`);
  });

  it('names the container once when its name is its hostname, or when it has no name', () => {
    expect(networkSetup(request(PASTA, { name: 'c0ffee123456' }), facts()).files.hosts).toBe(`${LOCALHOST}192.168.1.20\tc0ffee123456\n192.168.1.1\t${INTERNAL}\n`);
    expect(networkSetup(request(PASTA, { name: undefined }), facts()).files.hosts).toBe(`${LOCALHOST}192.168.1.20\tc0ffee123456\n192.168.1.1\t${INTERNAL}\n`);
  });

  it('makes no hosts file with --no-hosts, and still checks --add-host', () => {
    const setup = networkSetup(request(PASTA, { noHosts: true, addHost: ['db:10.0.0.5'] }), facts());
    expect(setup.files).toStrictEqual({ hostname: 'c0ffee123456\n', resolv: 'search lan\nnameserver 192.168.1.1\noptions edns0\n' });
    expect('hosts' in setup.files).toBe(false);
    expect(caught(() => networkSetup(request(PASTA, { noHosts: true, addHost: ['db:nowhere'] }), facts())).message).toBe('invalid --add-host `db:nowhere`: `nowhere` is not an IP address');
  });

  it('replaces the search domains with --dns-search, where . means none', () => {
    const mode: NetworkMode = { kind: 'slirp4netns', options: SLIRP };
    expect(networkSetup(request(mode, { dnsSearch: ['example.com', 'example.org'] }), facts()).files.resolv).toBe('search example.com example.org\nnameserver 10.0.2.3\noptions edns0\n');
    expect(networkSetup(request(mode, { dnsSearch: ['.'] }), facts()).files.resolv).toBe('nameserver 10.0.2.3\noptions edns0\n');
    expect(networkSetup(request(mode, { dnsSearch: ['.', 'example.com'] }), facts()).files.resolv).toBe('search example.com\nnameserver 10.0.2.3\noptions edns0\n');
  });

  it("appends --dns-option to the host's options, and writes them alone when the host has none", () => {
    const mode: NetworkMode = { kind: 'slirp4netns', options: SLIRP };
    expect(networkSetup(request(mode, { dnsOption: ['ndots:2', 'timeout:1'] }), facts()).files.resolv).toBe('search lan\nnameserver 10.0.2.3\noptions edns0 ndots:2 timeout:1\n');
    const bare = facts({ resolv: { nameservers: [], search: [], options: [] } });
    expect(networkSetup(request(mode, { dnsOption: ['ndots:2'] }), bare).files.resolv).toBe('nameserver 10.0.2.3\noptions ndots:2\n');
    expect(networkSetup(request(mode), bare).files.resolv).toBe('nameserver 10.0.2.3\n');
  });

  it('uses --dns servers in every mode, instead of the mode own', () => {
    expect(networkSetup(request({ kind: 'slirp4netns', options: SLIRP }, { dns: ['9.9.9.9'] }), facts()).files.resolv).toBe('search lan\nnameserver 9.9.9.9\noptions edns0\n');
    expect(networkSetup(request({ kind: 'host' }, { dns: ['9.9.9.9'] }), stubFacts()).files.resolv).toBe('search lan\nnameserver 9.9.9.9\noptions edns0 trust-ad\n');
  });
});

describe('networkSetup: refusals', () => {
  it('refuses SCTP ports, which neither pasta nor slirp4netns forwards', () => {
    const err = caught(() => networkSetup(request(PASTA, { ports: [port({ hostPort: 9, containerPort: 9, protocol: 'sctp' })] }), facts()));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('publishing SCTP ports is not supported rootless: pasta and slirp4netns forward TCP and UDP only');
  });

  it.each([
    [{ kind: 'container', ref: 'web' }, 'network mode `container:` is not supported yet: use private, pasta, slirp4netns, none or host'],
    [{ kind: 'ns', path: '/run/netns/x' }, 'network mode `ns:` is not supported yet: use private, pasta, slirp4netns, none or host'],
  ] as [NetworkMode, string][])('refuses %o as not supported yet', (mode, message) => {
    const err = caught(() => networkSetup(request(mode), facts()));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(message);
  });

  it('checks --dns, --mac-address and --add-host before the mode', () => {
    expect(caught(() => networkSetup(request(PASTA, { dns: ['dns.example'] }), facts())).message).toBe('invalid --dns `dns.example`: not an IP address');
    expect(caught(() => networkSetup(request(PASTA, { macAddress: '93:d0:c6:0a:29:33' }), facts())).message).toBe('invalid MAC address `93:d0:c6:0a:29:33`: a multicast address');
    expect(caught(() => networkSetup(request(PASTA, { addHost: ['db'] }), facts())).message).toBe('invalid --add-host `db`: use HOST:IP');
  });
});

describe('networkSetup: what would write other lines into resolv.conf', () => {
  it('refuses a --dns-search or --dns-option with a space, a newline, a comment character or nothing', () => {
    expect(caught(() => networkSetup(request(PASTA, { dnsSearch: ['example.test\nnameserver 6.6.6.6'] }), facts())).message).toBe(
      'invalid --dns-search `example.test?nameserver 6.6.6.6`: one word, without spaces, control characters, # or ;',
    );
    for (const bad of ['ndots:2 rotate', '#x', ''])
      expect(caught(() => networkSetup(request(PASTA, { dnsOption: [bad] }), facts())).message).toMatch(/^invalid --dns-option `.*`: one word/);
    expect(networkSetup(request(PASTA, { dnsSearch: ['a.test', 'b.test'], dnsOption: ['ndots:2'] }), facts()).files.resolv).toContain('search a.test b.test\n');
  });
});

describe('networkSetup as root', () => {
  it('tells pasta to stay root (it would become nobody, who cannot open the container\'s namespaces), and only then', () => {
    const argv = (uid: number) => (networkSetup(request(PASTA, { uid }), facts()).processes[0] as { argv: string[] }).argv;
    expect(argv(0).slice(6, 8)).toEqual(['--runas', '0']);
    expect(argv(1000)).not.toContain('--runas');
  });
});

describe('networkSetup without a host address', () => {
  it('names no host.containers.internal when the host has no address to name, and refuses host-gateway', () => {
    const noRoute = facts({ route: undefined });
    const none = networkSetup(request({ kind: 'none' }), noRoute);
    expect(none.files.hosts).not.toContain('host.containers.internal');
    const slirp = networkSetup(request({ kind: 'slirp4netns', options: SLIRP }), noRoute);
    expect(slirp.files.hosts).not.toContain('host.containers.internal');
    expect(caught(() => networkSetup(request({ kind: 'none' }, { addHost: ['gw:host-gateway'] }), noRoute)).message).toBe(
      '--add-host `gw:host-gateway`: the host has no address to name (no default route)',
    );
  });
});

describe('parseAddHost', () => {
  it('takes HOST:IP and HOST=IP, IPv4 or IPv6, bracketed or not', () => {
    expect(parseAddHost('db:10.0.0.5', '192.168.1.20')).toStrictEqual({ name: 'db', ip: '10.0.0.5' });
    expect(parseAddHost('db.example.com=10.0.0.5', '192.168.1.20')).toStrictEqual({ name: 'db.example.com', ip: '10.0.0.5' });
    expect(parseAddHost('v6:[fd00::5]', '192.168.1.20')).toStrictEqual({ name: 'v6', ip: 'fd00::5' });
    expect(parseAddHost('v6:::1', '192.168.1.20')).toStrictEqual({ name: 'v6', ip: '::1' });
    expect(parseAddHost('my_host-1:fd00::5', '192.168.1.20')).toStrictEqual({ name: 'my_host-1', ip: 'fd00::5' });
  });

  it('takes host-gateway as the address it is given', () => {
    expect(parseAddHost('gw:host-gateway', '192.168.1.20')).toStrictEqual({ name: 'gw', ip: '192.168.1.20' });
    expect(parseAddHost('gw=host-gateway', '10.0.2.2')).toStrictEqual({ name: 'gw', ip: '10.0.2.2' });
  });

  it.each([
    ['db', 'invalid --add-host `db`: use HOST:IP'],
    [':10.0.0.5', 'invalid --add-host `:10.0.0.5`: use HOST:IP'],
    ['=10.0.0.5', 'invalid --add-host `=10.0.0.5`: use HOST:IP'],
    ['', 'invalid --add-host ``: use HOST:IP'],
    ['my host:10.0.0.5', 'invalid --add-host `my host:10.0.0.5`: `my host` is not a host name'],
    ['db/x:10.0.0.5', 'invalid --add-host `db/x:10.0.0.5`: `db/x` is not a host name'],
    ['db:', 'invalid --add-host `db:`: `` is not an IP address'],
    ['db:nowhere', 'invalid --add-host `db:nowhere`: `nowhere` is not an IP address'],
    ['db:10.0.0.256', 'invalid --add-host `db:10.0.0.256`: `10.0.0.256` is not an IP address'],
    ['db:10.0.0', 'invalid --add-host `db:10.0.0`: `10.0.0` is not an IP address'],
    ['db:1::2::3', 'invalid --add-host `db:1::2::3`: `1::2::3` is not an IP address'],
  ])('refuses %j as a usage error', (spec, message) => {
    const err = caught(() => parseAddHost(spec, '192.168.1.20'));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(message);
  });
});

describe('checkDns', () => {
  it('takes IPv4 and IPv6 servers, none alone, and no servers', () => {
    expect(() => checkDns(['1.1.1.1', '2606:4700:4700::1111', '::1'])).not.toThrow();
    expect(() => checkDns(['none'])).not.toThrow();
    expect(() => checkDns([])).not.toThrow();
  });

  it.each([
    [['dns.example'], 'invalid --dns `dns.example`: not an IP address'],
    [['1.1.1.1', '1.1.1'], 'invalid --dns `1.1.1`: not an IP address'],
    [['none', '1.1.1.1'], '--dns=none cannot be given with other servers'],
    [['1.1.1.1', 'none'], '--dns=none cannot be given with other servers'],
  ])('refuses %j as a usage error', (servers, message) => {
    const err = caught(() => checkDns(servers));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(message);
  });
});

describe('checkMac', () => {
  it('takes six hex bytes with colons, in either case', () => {
    expect(() => checkMac(MAC)).not.toThrow();
    expect(() => checkMac('02:AB:cd:EF:00:ff')).not.toThrow();
  });

  it.each([
    ['92:d0:c6:0a:29', 'invalid MAC address `92:d0:c6:0a:29`: six hex bytes, as 92:d0:c6:0a:29:33'],
    ['92:d0:c6:0a:29:33:44', 'invalid MAC address `92:d0:c6:0a:29:33:44`: six hex bytes, as 92:d0:c6:0a:29:33'],
    ['92-d0-c6-0a-29-33', 'invalid MAC address `92-d0-c6-0a-29-33`: six hex bytes, as 92:d0:c6:0a:29:33'],
    ['92:d0:c6:0a:29:3g', 'invalid MAC address `92:d0:c6:0a:29:3g`: six hex bytes, as 92:d0:c6:0a:29:33'],
    ['92d0c60a2933', 'invalid MAC address `92d0c60a2933`: six hex bytes, as 92:d0:c6:0a:29:33'],
    ['', 'invalid MAC address ``: six hex bytes, as 92:d0:c6:0a:29:33'],
    ['93:d0:c6:0a:29:33', 'invalid MAC address `93:d0:c6:0a:29:33`: a multicast address'],
    ['01:00:5e:00:00:01', 'invalid MAC address `01:00:5e:00:00:01`: a multicast address'],
    ['ff:ff:ff:ff:ff:ff', 'invalid MAC address `ff:ff:ff:ff:ff:ff`: a multicast address'],
  ])('refuses %j as a usage error', (mac, message) => {
    const err = caught(() => checkMac(mac));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(message);
  });
});

describe('slirpForwards', () => {
  it('gives one add_hostfwd request per host port, every address as 0.0.0.0', () => {
    expect(slirpForwards([port({ hostPort: 8080, containerPort: 80 }), port({ hostIp: '127.0.0.1', hostPort: 6000, containerPort: 7000, range: 2, protocol: 'udp' })])).toStrictEqual([
      '{"execute":"add_hostfwd","arguments":{"proto":"tcp","host_addr":"0.0.0.0","host_port":8080,"guest_port":80}}',
      '{"execute":"add_hostfwd","arguments":{"proto":"udp","host_addr":"127.0.0.1","host_port":6000,"guest_port":7000}}',
      '{"execute":"add_hostfwd","arguments":{"proto":"udp","host_addr":"127.0.0.1","host_port":6001,"guest_port":7001}}',
    ]);
  });

  it('gives none for no ports', () => {
    expect(slirpForwards([])).toStrictEqual([]);
  });
});
