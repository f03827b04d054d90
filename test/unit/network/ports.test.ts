/*
 * Published ports (src/network/ports.ts): -p and --expose as podman reads
 * them, ranges and protocols included, the bad specs refused as usage errors
 * naming them; host ports taken twice; and how ps, port and inspect show the
 * mappings.
 */
import { describe, expect, it } from 'vitest';

import { checkOverlaps, formatPorts, inspectPorts, parseExpose, parsePublish, portLines, type PortMapping } from '../../../src/network/ports.js';
import { usageError } from '../../helpers/errors.js';

/** A mapping, tcp on every address with one port unless told. */
function mapping(m: Partial<PortMapping> & { containerPort: number }): PortMapping {
  return { hostIp: '', hostPort: 0, range: 1, protocol: 'tcp', ...m };
}

describe('parsePublish', () => {
  it('takes HOSTPORT:PORT as tcp on every address', () => {
    expect(parsePublish('8080:80')).toEqual([{ hostIp: '', hostPort: 8080, containerPort: 80, range: 1, protocol: 'tcp' }]);
  });

  it('takes a bare PORT with the host port left to choose (0)', () => {
    expect(parsePublish('80')).toEqual([{ hostIp: '', hostPort: 0, containerPort: 80, range: 1, protocol: 'tcp' }]);
    expect(parsePublish(':80')).toEqual([{ hostIp: '', hostPort: 0, containerPort: 80, range: 1, protocol: 'tcp' }]);
  });

  it('takes HOSTIP:HOSTPORT:PORT/PROTO', () => {
    expect(parsePublish('127.0.0.1:8080:80/udp')).toEqual([{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, range: 1, protocol: 'udp' }]);
  });

  it('takes HOSTIP::PORT with the host port left to choose', () => {
    expect(parsePublish('127.0.0.1::80')).toEqual([{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, range: 1, protocol: 'tcp' }]);
  });

  it('takes an IPv6 address in brackets, with or without a host port', () => {
    expect(parsePublish('[::1]:8080:80')).toEqual([{ hostIp: '::1', hostPort: 8080, containerPort: 80, range: 1, protocol: 'tcp' }]);
    expect(parsePublish('[fd00::1]::80/udp')).toEqual([{ hostIp: 'fd00::1', hostPort: 0, containerPort: 80, range: 1, protocol: 'udp' }]);
    expect(parsePublish('[::1]:80')).toEqual([{ hostIp: '::1', hostPort: 0, containerPort: 80, range: 1, protocol: 'tcp' }]);
  });

  it('takes ranges of the same size on both sides as one mapping', () => {
    expect(parsePublish('8000-8002:80-82')).toEqual([{ hostIp: '', hostPort: 8000, containerPort: 80, range: 3, protocol: 'tcp' }]);
  });

  it('takes a container range alone, its host ports left to choose', () => {
    expect(parsePublish('80-82')).toEqual([{ hostIp: '', hostPort: 0, containerPort: 80, range: 3, protocol: 'tcp' }]);
  });

  it('gives one mapping per protocol of a list, each once', () => {
    expect(parsePublish('80/tcp,udp')).toEqual([
      { hostIp: '', hostPort: 0, containerPort: 80, range: 1, protocol: 'tcp' },
      { hostIp: '', hostPort: 0, containerPort: 80, range: 1, protocol: 'udp' },
    ]);
    expect(parsePublish('53:53/udp,udp')).toEqual([{ hostIp: '', hostPort: 53, containerPort: 53, range: 1, protocol: 'udp' }]);
  });

  it('takes sctp (networkSetup refuses it later) and the ports 1 and 65535', () => {
    expect(parsePublish('1:65535/sctp')).toEqual([{ hostIp: '', hostPort: 1, containerPort: 65535, range: 1, protocol: 'sctp' }]);
    expect(parsePublish('65535-65535:1-1')).toEqual([{ hostIp: '', hostPort: 65535, containerPort: 1, range: 1, protocol: 'tcp' }]);
  });

  it.each([
    ['', 'invalid publish spec ``: no container port'],
    [':', 'invalid publish spec `:`: no container port'],
    ['8080:', 'invalid publish spec `8080:`: no container port'],
    ['a:80', 'invalid port `a` in `a:80`: the host port must be a number from 1 to 65535'],
    ['0:80', 'invalid port `0` in `0:80`: the host port must be from 1 to 65535'],
    ['80:0', 'invalid port `0` in `80:0`: the container port must be from 1 to 65535'],
    ['65536', 'invalid port `65536` in `65536`: the container port must be from 1 to 65535'],
    ['123456', 'invalid port `123456` in `123456`: the container port must be a number from 1 to 65535'],
    ['1.2.3:80:80', 'invalid IP address `1.2.3` in `1.2.3:80:80`'],
    ['1.2.3.256:80:80', 'invalid IP address `1.2.3.256` in `1.2.3.256:80:80`'],
    ['localhost:80:80', 'invalid IP address `localhost` in `localhost:80:80`'],
    ['[::1]80', 'invalid publish spec `[::1]80`: an IPv6 address is written [ADDRESS]:HOSTPORT:PORT'],
    ['[::1:80:80', 'invalid publish spec `[::1:80:80`: an IPv6 address is written [ADDRESS]:HOSTPORT:PORT'],
    ['[1.2.3.4]:80:80', 'invalid IP address `1.2.3.4` in `[1.2.3.4]:80:80`'],
    ['[::1]:1:2:3', 'invalid publish spec `[::1]:1:2:3`: use [HOSTIP:][HOSTPORT:]PORT[/PROTOCOL]'],
    ['1.2.3.4:1:2:3', 'invalid publish spec `1.2.3.4:1:2:3`: use [HOSTIP:][HOSTPORT:]PORT[/PROTOCOL]'],
    ['::1:80:80', 'invalid publish spec `::1:80:80`: use [HOSTIP:][HOSTPORT:]PORT[/PROTOCOL]'],
    ['80-81:90-92', 'invalid publish spec `80-81:90-92`: the host range has 2 ports and the container range 3'],
    ['80-82:90', 'invalid publish spec `80-82:90`: the host range has 3 ports and the container range 1'],
    ['8080:80-82', 'invalid publish spec `8080:80-82`: a container range needs a host range of the same size, or none'],
    ['82-80', 'invalid port range `82-80` in `82-80`: its end is below its start'],
    ['80-', 'invalid port `` in `80-`: the container port must be a number from 1 to 65535'],
    ['65535-65536', 'invalid port `65536` in `65535-65536`: the container port must be from 1 to 65535'],
    ['80/icmp', 'invalid protocol `icmp` in `80/icmp`: use tcp, udp or sctp'],
    ['80/TCP', 'invalid protocol `TCP` in `80/TCP`: use tcp, udp or sctp'],
    ['80/', 'invalid protocol `` in `80/`: use tcp, udp or sctp'],
    ['80/tcp,', 'invalid protocol `` in `80/tcp,`: use tcp, udp or sctp'],
  ])('refuses %j as a usage error naming it', (spec, message) => {
    expect(usageError(() => parsePublish(spec)).message).toBe(message);
  });
});

describe('parseExpose', () => {
  it('takes PORT as tcp, PORT/PROTO, and START-END', () => {
    expect(parseExpose('80')).toEqual([{ port: 80, range: 1, protocol: 'tcp' }]);
    expect(parseExpose('53/udp')).toEqual([{ port: 53, range: 1, protocol: 'udp' }]);
    expect(parseExpose('8000-8009/tcp')).toEqual([{ port: 8000, range: 10, protocol: 'tcp' }]);
  });

  it('gives one entry per protocol of a list', () => {
    expect(parseExpose('53/tcp,udp')).toEqual([
      { port: 53, range: 1, protocol: 'tcp' },
      { port: 53, range: 1, protocol: 'udp' },
    ]);
  });

  it.each([
    ['', 'invalid port `` in ``: the port must be a number from 1 to 65535'],
    ['http', 'invalid port `http` in `http`: the port must be a number from 1 to 65535'],
    ['0', 'invalid port `0` in `0`: the port must be from 1 to 65535'],
    ['8080:80', 'invalid port `8080:80` in `8080:80`: the port must be a number from 1 to 65535'],
    ['90-80', 'invalid port range `90-80` in `90-80`: its end is below its start'],
    ['80/icmp', 'invalid protocol `icmp` in `80/icmp`: use tcp, udp or sctp'],
  ])('refuses %j as a usage error naming it', (spec, message) => {
    expect(usageError(() => parseExpose(spec)).message).toBe(message);
  });
});

describe('checkOverlaps', () => {
  it('lets ports be published once each, and leaves the ports still to choose (0) alone', () => {
    expect(() =>
      checkOverlaps([
        mapping({ hostPort: 8080, containerPort: 80 }),
        mapping({ hostPort: 8081, containerPort: 80 }),
        mapping({ hostPort: 8000, containerPort: 80, range: 3 }),
        mapping({ hostPort: 8003, containerPort: 83 }),
        mapping({ hostPort: 0, containerPort: 90 }),
        mapping({ hostPort: 0, containerPort: 90 }),
      ]),
    ).not.toThrow();
  });

  it('lets one host port be published for tcp and for udp', () => {
    expect(() => checkOverlaps([mapping({ hostPort: 53, containerPort: 53 }), mapping({ hostPort: 53, containerPort: 53, protocol: 'udp' })])).not.toThrow();
  });

  it('lets one host port be published on two different addresses', () => {
    expect(() => checkOverlaps([mapping({ hostIp: '127.0.0.1', hostPort: 80, containerPort: 80 }), mapping({ hostIp: '127.0.0.2', hostPort: 80, containerPort: 81 })])).not.toThrow();
  });

  it('sees a duplicate past another address in between, and 0.0.0.0 as every address', () => {
    const twice = (...ips: string[]) => usageError(() => checkOverlaps(ips.map((hostIp, i) => mapping({ hostIp, hostPort: 80, containerPort: i + 1 })))).message;
    expect(twice('1.1.1.1', '2.2.2.2', '1.1.1.1')).toBe('host port 80/tcp is published twice');
    expect(twice('0.0.0.0', '127.0.0.1')).toBe('host port 80/tcp is published twice');
    expect(twice('127.0.0.1', '')).toBe('host port 80/tcp is published twice');
  });

  it('refuses one host port twice on every address, naming port and protocol', () => {
    expect(usageError(() => checkOverlaps([mapping({ hostPort: 8080, containerPort: 80 }), mapping({ hostPort: 8080, containerPort: 81 })])).message).toBe(
      'host port 8080/tcp is published twice',
    );
  });

  it('refuses one host port on an address and on every address, in either order', () => {
    const one = mapping({ hostIp: '127.0.0.1', hostPort: 53, containerPort: 53, protocol: 'udp' });
    const every = mapping({ hostPort: 53, containerPort: 54, protocol: 'udp' });
    expect(usageError(() => checkOverlaps([one, every])).message).toBe('host port 53/udp is published twice');
    expect(usageError(() => checkOverlaps([every, one])).message).toBe('host port 53/udp is published twice');
  });

  it('refuses one host port twice on the same address', () => {
    const a = mapping({ hostIp: '::1', hostPort: 443, containerPort: 443 });
    expect(usageError(() => checkOverlaps([a, { ...a, containerPort: 8443 }])).message).toBe('host port 443/tcp is published twice');
  });

  it('finds the port two ranges share', () => {
    expect(usageError(() => checkOverlaps([mapping({ hostPort: 8000, containerPort: 80, range: 3 }), mapping({ hostPort: 8002, containerPort: 90, range: 2 })])).message).toBe(
      'host port 8002/tcp is published twice',
    );
  });
});

describe('formatPorts', () => {
  it('shows each mapping as podman ps does, every address as 0.0.0.0, joined with commas', () => {
    expect(formatPorts([mapping({ hostPort: 8080, containerPort: 80 }), mapping({ hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, protocol: 'udp' })])).toBe(
      '0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp',
    );
  });

  it('writes ranges as START-END on both sides and an IPv6 address in brackets', () => {
    expect(formatPorts([mapping({ hostIp: '::1', hostPort: 8000, containerPort: 80, range: 3 })])).toBe('[::1]:8000-8002->80-82/tcp');
  });

  it('shows no ports as the empty string', () => {
    expect(formatPorts([])).toBe('');
  });
});

describe('portLines', () => {
  const ports = [
    mapping({ hostPort: 8000, containerPort: 80, range: 2 }),
    mapping({ hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, protocol: 'udp' }),
    mapping({ hostPort: 5354, containerPort: 53 }),
  ];

  it('gives one line per container port, ranges unrolled', () => {
    expect(portLines(ports)).toEqual(['80/tcp -> 0.0.0.0:8000', '81/tcp -> 0.0.0.0:8001', '53/udp -> 127.0.0.1:5353', '53/tcp -> 0.0.0.0:5354']);
    expect(portLines([mapping({ hostIp: '::1', hostPort: 8080, containerPort: 80 })])).toEqual(['80/tcp -> [::1]:8080']);
  });

  it('gives only the host addresses of the port asked for, of any protocol when none is given', () => {
    expect(portLines(ports, { port: 81, protocol: 'tcp' })).toEqual(['0.0.0.0:8001']);
    expect(portLines(ports, { port: 53, protocol: 'udp' })).toEqual(['127.0.0.1:5353']);
    expect(portLines(ports, { port: 53, protocol: undefined })).toEqual(['127.0.0.1:5353', '0.0.0.0:5354']);
    expect(portLines(ports, { port: 81, protocol: 'udp' })).toEqual([]);
    expect(portLines(ports, { port: 82, protocol: undefined })).toEqual([]);
  });
});

describe('inspectPorts', () => {
  it('lists the published ports by container port, ranges unrolled, host ports as strings', () => {
    expect(inspectPorts([mapping({ hostPort: 8000, containerPort: 80, range: 2 }), mapping({ hostIp: '127.0.0.1', hostPort: 9000, containerPort: 80 })], [])).toEqual({
      '80/tcp': [
        { HostIp: '', HostPort: '8000' },
        { HostIp: '127.0.0.1', HostPort: '9000' },
      ],
      '81/tcp': [{ HostIp: '', HostPort: '8001' }],
    });
  });

  it('lists the exposed ports that are not published as null', () => {
    expect(inspectPorts([mapping({ hostPort: 5353, containerPort: 53, protocol: 'udp' })], ['53/tcp,udp', '8000-8001'])).toEqual({
      '53/tcp': null,
      '53/udp': [{ HostIp: '', HostPort: '5353' }],
      '8000/tcp': null,
      '8001/tcp': null,
    });
  });

  it('is empty with nothing published or exposed', () => {
    expect(inspectPorts([], [])).toEqual({});
  });
});
