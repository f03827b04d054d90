/*
 * The host's network as the helpers copy it (src/network/host.ts): the
 * default route read from /proc/net/route and /proc/net/ipv6_route texts
 * given here (the interfaces' addresses come from a mocked
 * os.networkInterfaces), /etc/resolv.conf parsed, and which resolver
 * addresses are on the loopback.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { NetworkInterfaceInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { defaultRoute, hostResolvConf, isLoopback, parseResolvConf } from '../../../src/network/host.js';

const interfaces = vi.hoisted(() => ({ value: {} as Record<string, NetworkInterfaceInfo[]> }));
vi.mock('node:os', async (importOriginal) => ({ ...(await importOriginal<typeof import('node:os')>()), networkInterfaces: () => interfaces.value }));

function v4(address: string): NetworkInterfaceInfo {
  return { family: 'IPv4', address, netmask: '255.255.255.0', mac: '92:d0:c6:0a:29:33', internal: false, cidr: `${address}/24` };
}
function v6(address: string): NetworkInterfaceInfo {
  return { family: 'IPv6', address, netmask: 'ffff:ffff:ffff:ffff::', mac: '92:d0:c6:0a:29:33', internal: false, cidr: `${address}/64`, scopeid: 0 };
}

const HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n';
/** One /proc/net/route line. */
const route = (iface: string, dest: string, gateway: string, metric: number, mask: string): string => `${iface}\t${dest}\t${gateway}\t0003\t0\t0\t${metric}\t${mask}\t0\t0\t0\n`;
/** One /proc/net/ipv6_route line. */
const route6 = (dest: string, len: string, nexthop: string, iface: string): string => `${dest} ${len} ${'0'.repeat(32)} 00 ${nexthop} 00000400 00000001 00000000 00000003 ${iface.padStart(8)}\n`;
const ZERO6 = '0'.repeat(32);

/** eth0 by 192.168.1.1 (metric 100), wlan0 by 10.0.0.254 (metric 600), and eth0's own network. */
const ROUTES = `${HEADER}${route('wlan0', '00000000', 'FE00000A', 600, '00000000')}${route('eth0', '0001A8C0', '00000000', 100, '00FFFFFF')}${route('eth0', '00000000', '0101A8C0', 100, '00000000')}`;

/** The host's interfaces: eth0's first addresses are link-local IPv6, then IPv4, then global IPv6. */
const HOST_INTERFACES = {
  lo: [v4('127.0.0.1'), v6('::1')],
  eth0: [v6('fe80::90d0:c6ff:fe0a:2933'), v4('192.168.1.20'), v6('2001:db8::20'), v4('192.168.1.21')],
  wlan0: [v4('10.0.0.7')],
};

describe('defaultRoute', () => {
  beforeAll(() => {
    interfaces.value = HOST_INTERFACES;
  });

  it("takes the default route of lowest metric, its gateway in dotted form and its interface's first IPv4 address", () => {
    expect(defaultRoute(ROUTES, '')).toStrictEqual({ iface: 'eth0', gateway: '192.168.1.1', address: '192.168.1.20', address6: undefined, gateway6: undefined });
  });

  it('takes the one default route there is, whatever its metric', () => {
    expect(defaultRoute(`${HEADER}${route('wlan0', '00000000', 'FE00000A', 600, '00000000')}`, '')).toStrictEqual({
      iface: 'wlan0',
      gateway: '10.0.0.254',
      address: '10.0.0.7',
      address6: undefined,
      gateway6: undefined,
    });
  });

  it('gives no address for an interface without one', () => {
    expect(defaultRoute(`${HEADER}${route('tun0', '00000000', '0100000A', 0, '00000000')}`, '')).toStrictEqual({
      iface: 'tun0',
      gateway: '10.0.0.1',
      address: undefined,
      address6: undefined,
      gateway6: undefined,
    });
  });

  it('takes the IPv6 default gateway, compressed, and then the first global IPv6 address of the interface', () => {
    const ipv6 = [
      route6(ZERO6, '00', ZERO6, 'lo'),
      route6('20010db8000000000000000000000000', '40', ZERO6, 'eth0'),
      route6(ZERO6, '00', 'fe800000000000000000000000000001', 'eth0'),
      route6(ZERO6, '00', 'fe800000000000000000000000000002', 'eth0'),
    ].join('');
    expect(defaultRoute(ROUTES, ipv6)).toStrictEqual({ iface: 'eth0', gateway: '192.168.1.1', address: '192.168.1.20', address6: '2001:db8::20', gateway6: 'fe80::1' });
  });

  it.each([
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
    ['fe800000000000000000000000000000', 'fe80::'],
    ['20010db8000100020003000400050006', '2001:db8:1:2:3:4:5:6'],
  ])('writes the IPv6 gateway %s as %s', (hex, address) => {
    expect(defaultRoute(ROUTES, route6(ZERO6, '00', hex, 'eth0'))?.gateway6).toBe(address);
  });

  it('gives no IPv6 address without an IPv6 default route, and none when the interface has only a link-local one', () => {
    expect(defaultRoute(ROUTES, route6('20010db8000000000000000000000000', '40', 'fe800000000000000000000000000001', 'eth0'))?.gateway6).toBeUndefined();
    interfaces.value = { eth0: [v4('192.168.1.20'), v6('fe80::1234')] };
    try {
      expect(defaultRoute(ROUTES, route6(ZERO6, '00', 'fe800000000000000000000000000001', 'eth0'))).toStrictEqual({
        iface: 'eth0',
        gateway: '192.168.1.1',
        address: '192.168.1.20',
        address6: undefined,
        gateway6: 'fe80::1',
      });
    } finally {
      interfaces.value = HOST_INTERFACES;
    }
  });

  it('gives undefined without a default IPv4 route, even with an IPv6 one', () => {
    const ipv6 = route6(ZERO6, '00', 'fe800000000000000000000000000001', 'eth0');
    expect(defaultRoute('', ipv6)).toBeUndefined();
    expect(defaultRoute(HEADER, ipv6)).toBeUndefined();
    expect(defaultRoute(`${HEADER}${route('eth0', '0001A8C0', '00000000', 100, '00FFFFFF')}`, ipv6)).toBeUndefined();
    // 0.0.0.0/1 is not the default route
    expect(defaultRoute(`${HEADER}${route('tun0', '00000000', '0100000A', 0, '00000080')}`, ipv6)).toBeUndefined();
  });

  it('takes the first line as the header, and skips short and empty lines', () => {
    expect(defaultRoute(`${route('eth0', '00000000', '0101A8C0', 100, '00000000')}eth0 00000000 0101A8C0\n\n`, '')).toBeUndefined();
  });
});

describe('parseResolvConf', () => {
  it('reads the nameservers in order, the last search or domain line, and every option, skipping comments', () => {
    const text = [
      '# Generated by NetworkManager',
      'nameserver 192.168.1.1',
      '  nameserver\tfd00::53   # the router',
      'nameserver',
      '; nameserver 9.9.9.9',
      'domain old.example',
      'search lan example.com',
      'options edns0 trust-ad',
      'options ndots:2 ; more',
      'sortlist 130.155.160.0/255.255.240.0',
      '',
    ].join('\n');
    expect(parseResolvConf(text)).toStrictEqual({ nameservers: ['192.168.1.1', 'fd00::53'], search: ['lan', 'example.com'], options: ['edns0', 'trust-ad', 'ndots:2'] });
  });

  it('lets a later domain line replace a search line', () => {
    expect(parseResolvConf('search a.example b.example\ndomain c.example\n').search).toStrictEqual(['c.example']);
  });

  it('reads CRLF lines and a last line without a newline', () => {
    expect(parseResolvConf('nameserver 1.1.1.1\r\nsearch lan\r\nnameserver 8.8.8.8')).toStrictEqual({ nameservers: ['1.1.1.1', '8.8.8.8'], search: ['lan'], options: [] });
  });

  it('reads an empty file as no resolvers', () => {
    expect(parseResolvConf('')).toStrictEqual({ nameservers: [], search: [], options: [] });
  });
});

describe('hostResolvConf', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'burrow-host-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file given, and a missing one as no resolvers', () => {
    writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.53\noptions edns0\nsearch lan\n');
    expect(hostResolvConf(join(dir, 'resolv.conf'))).toStrictEqual({ nameservers: ['127.0.0.53'], search: ['lan'], options: ['edns0'] });
    expect(hostResolvConf(join(dir, 'missing.conf'))).toStrictEqual({ nameservers: [], search: [], options: [] });
  });
});

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.0.0.53', '127.255.255.254', '::1'])('calls %s a loopback address', (address) => {
    expect(isLoopback(address)).toBe(true);
  });

  it.each(['192.168.1.1', '1.127.0.0', '128.0.0.1', '::', 'fd00::1', '10.0.2.3'])('calls %s not a loopback address', (address) => {
    expect(isLoopback(address)).toBe(false);
  });
});
