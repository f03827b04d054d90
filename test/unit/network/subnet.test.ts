import { describe, expect, it } from 'vitest';

import { checkAddress, formatIpv4, formatSubnet, freeAddress, freeSubnet, gatewayOf, hostRoutes, ipv4, parseSubnet } from '../../../src/network/subnet.js';

describe('user network subnets', () => {
  it('reads IPv4 addresses and NETWORK/PREFIX subnets, refusing what is not one', () => {
    expect(formatIpv4(ipv4('10.89.3.4') as number)).toBe('10.89.3.4');
    expect(ipv4('256.1.1.1')).toBeUndefined();
    expect(ipv4('10.1.1')).toBeUndefined();
    expect(formatSubnet(parseSubnet('192.168.77.0/24'))).toBe('192.168.77.0/24');
    expect(() => parseSubnet('10.0.0.0/31')).toThrow(/the prefix from 8 to 30/);
    expect(() => parseSubnet('10.0.0.0')).toThrow(/NETWORK\/PREFIX/);
    expect(() => parseSubnet('10.0.0.1/24')).toThrow(/10\.0\.0\.1 is not the network address of a \/24 \(10\.0\.0\.0\/24 is\)/);
  });

  it('chooses the first 10.89.N.0/24 that no network or host route covers', () => {
    expect(formatSubnet(freeSubnet([]))).toBe('10.89.0.0/24');
    expect(formatSubnet(freeSubnet([parseSubnet('10.89.0.0/24'), parseSubnet('10.89.1.0/25')]))).toBe('10.89.2.0/24');
    // A wider route over the first ones.
    expect(formatSubnet(freeSubnet([parseSubnet('10.89.0.0/23')]))).toBe('10.89.2.0/24');
    expect(() => freeSubnet([parseSubnet('10.0.0.0/8')])).toThrow(/no free subnet/);
  });

  it("reads the host's routes from /proc/net/route, not the default one", () => {
    const text = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
      'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
      'br0\t0000590A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
    ].join('\n');
    expect(hostRoutes(text).map(formatSubnet)).toEqual(['192.0.2.0/24', '10.89.0.0/16']);
  });

  it('gives the gateway (the first address by default) and the lowest free address to each container', () => {
    const s = parseSubnet('10.89.5.0/29');
    expect(formatIpv4(gatewayOf(s, undefined))).toBe('10.89.5.1');
    expect(() => gatewayOf(s, '10.89.5.7')).toThrow(/not an address of the subnet/); // the broadcast address
    expect(() => gatewayOf(s, '10.89.6.1')).toThrow(/not an address of the subnet/);
    const gw = gatewayOf(s, '10.89.5.6');
    expect(formatIpv4(freeAddress(s, gw, []) as number)).toBe('10.89.5.1');
    const used = [1, 2, 3, 4, 5].map((n) => ipv4(`10.89.5.${n}`) as number);
    expect(freeAddress(s, gw, used)).toBeUndefined();
    expect(() => checkAddress(s, gw, used, '10.89.5.3')).toThrow(/already in use/);
    expect(() => checkAddress(s, gw, used, '10.89.5.6')).toThrow(/already in use/);
    expect(() => checkAddress(s, gw, used, '10.89.9.3')).toThrow(/not in the network's subnet/);
  });
});
