/**
 * Rootless networking seen from outside: pasta (the default) and slirp4netns
 * give a container outbound TCP and UDP and a way to the host's loopback
 * (host.containers.internal); -p publishes its ports on the host (TCP and
 * UDP, IPv4 and IPv6, ranges, -P with the image's EXPOSE), and a client on
 * another host (a network namespace `npm test` made, joined by a veth pair)
 * is seen inside with its own address; the name files; `port`, ps's PORTS
 * and inspect's NetworkSettings; the network helper's lifetime (stop, a
 * kill -9 of the container or of its monitor, restarts); and the refusals.
 * After every test no pasta or slirp4netns of this user is left without its
 * container.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { describeContainers, fixtures, requireFeature } from '../helpers/fixtures.js';
import { buildTestImages } from '../helpers/images.js';
import { alive, childrenOf, eventually } from '../helpers/processes.js';
import { freePort, get, networkHelpers, orphans, peerGet } from '../helpers/network.js';
import { defaultRoute } from '../../src/network/host.js';
import { expectOneError, lines } from '../helpers/run-cli.js';
import { loadedStore, newStore, type TestStore, runDetached as detached, waitFor } from '../helpers/store.js';

const PLAIN = 'localhost/plain:latest';
let store: TestStore;
let www: string;

const runDetached = (...args: string[]): Promise<string> => detached(store, ...args);

async function state(name: string, format = '{{.State.Status}}'): Promise<string> {
  return (await store.run(['inspect', '--format', format, name])).stdout.trim();
}

/** One UDP datagram to 127.0.0.1:port and its answer. */
function udpAsk(port: number, text: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error(`no UDP answer from ${host}:${port}`));
    }, 5000);
    s.on('message', (msg) => {
      clearTimeout(timer);
      s.close();
      resolve(msg.toString());
    });
    s.send(text, port, host);
  });
}

/** An HTTP server on the host's loopback that counts its requests. */
async function hostServer(): Promise<{ server: Server; port: number; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    res.end(`host says hi to ${req.socket.remoteAddress}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port, hits: () => hits };
}

async function httpd(name: string, ...args: string[]): Promise<void> {
  await runDetached('--name', name, '-v', `${www}:/www:ro`, ...args, PLAIN, 'httpd', '-f', '-p', '80', '-h', '/www');
}

describeContainers('networking', () => {
  beforeAll(async () => {
    const images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-network'));
    store = await loadedStore('network', images.plainOci);
    www = join(fixtures().dir, 'network-www');
    mkdirSync(join(www, 'cgi-bin'), { recursive: true });
    writeFileSync(join(www, 'index.html'), 'hello from the container\n');
    writeFileSync(join(www, 'cgi-bin', 'ip'), '#!/bin/sh\nprintf \'Content-Type: text/plain\\r\\n\\r\\n%s\\n\' "$REMOTE_ADDR"\n');
    chmodSync(join(www, 'cgi-bin', 'ip'), 0o755);
  });

  afterEach(async () => {
    await store.run(['rm', '-af', '-t', '0']);
    // No network helper outlives its container, whatever the test did to it.
    expect(await eventually(() => orphans().length === 0, 5000), `orphaned network helpers: ${JSON.stringify(orphans())}`).toBe(true);
  });

  afterAll(async () => {
    await store.run(['rm', '-af', '-t', '0']);
  });

  describe('pasta (the default)', () => {
    it('gives the container an interface, a route, the host through host.containers.internal, and its name files', async (ctx) => {
      requireFeature(ctx, 'pasta');
      const host = await hostServer();
      try {
        const r = await store.run(['run', '--rm', '--name', 'out', PLAIN, 'sh', '-c',
          `ip -o -4 addr show scope global | wc -l; ip route | grep -c default; wget -q -O- http://host.containers.internal:${host.port}/; cat /etc/hostname; grep -c host.containers.internal /etc/hosts; grep -w out /etc/hosts | wc -l; grep -c nameserver /etc/resolv.conf`]);
        expect(r.stderr).toBe('');
        const out = lines(r.stdout);
        expect(out[0]).toBe('1'); // one global IPv4 address
        expect(out[1]).toBe('1'); // a default route
        expect(out[2]).toBe('host says hi to 127.0.0.1'); // reached the host's loopback
        expect(out[3]).toMatch(/^[0-9a-f]{12}$/);
        expect(out.slice(4)).toEqual(['1', '1', expect.stringMatching(/^[1-9]$/)]);
        expect(host.hits()).toBe(1);
        expect(await state('out').catch(() => '')).toBe(''); // --rm: gone
      } finally {
        host.server.close();
      }
      // The record keeps the command it got.
      await store.run(['create', '--name', 'rec', PLAIN, 'true']);
      expect(await state('rec', '{{.HostConfig.NetworkMode}}')).toBe('pasta');
    });

    it('-p publishes on the host (IPv4, IPv6, the host\'s own address); ps, port and inspect show it', async (ctx) => {
      requireFeature(ctx, 'pasta');
      const port = await freePort();
      await httpd('web', '-p', `${port}:80`, '-p', '127.0.0.1::81/udp');
      expect(await get(`http://127.0.0.1:${port}/index.html`)).toBe('hello from the container\n');
      expect(await get(`http://[::1]:${port}/index.html`)).toBe('hello from the container\n');
      const ps = await store.run(['ps', '--format', '{{.Ports}}']);
      const chosen = Number(/127\.0\.0\.1:(\d+)->81\/udp/.exec(ps.stdout)?.[1]);
      expect(ps.stdout).toBe(`0.0.0.0:${port}->80/tcp, 127.0.0.1:${chosen}->81/udp\n`);
      expect(chosen).toBeGreaterThan(0);
      expect((await store.run(['port', 'web'])).stdout).toBe(`80/tcp -> 0.0.0.0:${port}\n81/udp -> 127.0.0.1:${chosen}\n`);
      expect((await store.run(['container', 'port', 'web', '80/tcp'])).stdout).toBe(`0.0.0.0:${port}\n`);
      expectOneError(await store.run(['port', 'web', '99']), /^Error: failed to find published port "99" of container web$/);
      const ports = JSON.parse(await state('web', '{{json .NetworkSettings.Ports}}'));
      expect(ports).toEqual({ '80/tcp': [{ HostIp: '', HostPort: String(port) }], '81/udp': [{ HostIp: '127.0.0.1', HostPort: String(chosen) }] });
    });

    it('a client on another host is seen inside with its own address; one on the loopback as 127.0.0.1', async (ctx) => {
      requireFeature(ctx, 'pasta');
      requireFeature(ctx, 'peer');
      const port = await freePort();
      await httpd('seen', '-p', `${port}:80`);
      expect((await peerGet(port, '/cgi-bin/ip')).trim()).toMatch(new RegExp(`^(::ffff:)?\\[?(::ffff:)?${fixtures().peer?.address.replace(/\./g, '\\.')}\\]?$`));
      expect((await get(`http://127.0.0.1:${port}/cgi-bin/ip`)).trim()).toMatch(/127\.0\.0\.1/);
    });

    // From the host's own address: here (Debian 12's pasta and slirp4netns alike) a datagram to a
    // published port from the host's loopback gets no answer, from any other address it does.
    it('a published UDP port answers, and ranges publish port for port', async (ctx) => {
      requireFeature(ctx, 'pasta');
      const hostAddress = defaultRoute()?.address;
      if (hostAddress === undefined) return ctx.skip('this host has no default route');
      const base = await freePort();
      await runDetached('--name', 'udp', '-p', `${base}-${base + 1}:5000-5001/udp`, PLAIN, 'sh', '-c', 'probe udp-echo 5000 & probe udp-echo 5001');
      await waitFor('the echo servers', async () => (await store.run(['logs', 'udp'])).stdout.split('ready').length === 3);
      expect(await udpAsk(base, 'one', hostAddress)).toMatch(/^echo \S+ one$/);
      expect(await udpAsk(base + 1, 'two', hostAddress)).toMatch(/^echo \S+ two$/);
      expect((await store.run(['port', 'udp'])).stdout).toBe(`5000/udp -> 0.0.0.0:${base}\n5001/udp -> 0.0.0.0:${base + 1}\n`);
    });

    it('-P publishes the image\'s EXPOSEd ports and --expose on free host ports', async (ctx) => {
      requireFeature(ctx, 'pasta');
      await store.run(['create', '--name', 'base', PLAIN, 'true']);
      expect((await store.run(['commit', '-q', '--change', 'EXPOSE 80/tcp', 'base', 'localhost/exposed'])).exitCode).toBe(0);
      await runDetached('--name', 'pub', '-P', '--expose', '81', '-v', `${www}:/www:ro`, 'localhost/exposed', 'httpd', '-f', '-p', '80', '-h', '/www');
      const lines80 = lines((await store.run(['port', 'pub'])).stdout);
      expect(lines80).toEqual([expect.stringMatching(/^80\/tcp -> 0\.0\.0\.0:\d+$/), expect.stringMatching(/^81\/tcp -> 0\.0\.0\.0:\d+$/)]);
      const hostPort = Number(/:(\d+)$/.exec(lines80[0] as string)?.[1]);
      expect(await get(`http://127.0.0.1:${hostPort}/index.html`)).toBe('hello from the container\n');
      expect(JSON.parse(await state('pub', '{{json .NetworkSettings.Ports}}'))['81/tcp']).toHaveLength(1);
    });

    it('a published port is free again for the next start at once: stopped and started, run again with the same port', async (ctx) => {
      requireFeature(ctx, 'pasta');
      const port = await freePort();
      await httpd('again80', '-p', `${port}:80`);
      for (let i = 0; i < 3; i++) {
        expect((await store.run(['stop', '-t', '0', 'again80'])).exitCode).toBe(0);
        const r = await store.run(['start', 'again80']);
        expect([r.stderr, r.exitCode]).toEqual(['', 0]);
        await waitFor('the server', async () => (await get(`http://127.0.0.1:${port}/index.html`).catch(() => '')) !== '');
      }
      await store.run(['rm', '-f', '-t', '0', 'again80']);
      const r = await store.run(['run', '--rm', '-p', `${port}:80`, PLAIN, 'true']);
      expect([r.stderr, r.exitCode]).toEqual(['', 0]);
    });

    it('a host port in use is one clear error before the container starts; nothing is left of run --rm', async (ctx) => {
      requireFeature(ctx, 'pasta');
      const busy = createTcpServer();
      await new Promise<void>((r) => busy.listen(0, '0.0.0.0', r));
      const port = (busy.address() as { port: number }).port;
      try {
        const r = await store.run(['run', '--rm', '--name', 'clash', '-p', `${port}:80`, PLAIN, 'true']);
        expectOneError(r, new RegExp(`^Error: cannot publish 0\\.0\\.0\\.0:${port}/tcp: the host port is already in use$`));
        expect(r.exitCode).toBe(125);
        expect((await store.run(['ps', '-aq'])).stdout).toBe('');
      } finally {
        busy.close();
      }
    });

    it("pasta's own refusal is shown with the start's error, and run --rm leaves nothing", async (ctx) => {
      requireFeature(ctx, 'pasta');
      const r = await store.run(['run', '--rm', '--network', 'pasta:--mtu=1', PLAIN, 'true']);
      expect(r.exitCode).toBe(125);
      expect(r.stderr).toMatch(/MTU/);
      expect(r.stderr).toMatch(/^Error: `\/\S*pasta` failed \(exit status 1\): the container's network could not be set up$/m);
      expect((await store.run(['ps', '-aq'])).stdout).toBe('');
    });

    it('the helper ends with the container: on stop, on a kill -9 of the container, on a kill -9 of its monitor', async (ctx) => {
      requireFeature(ctx, 'pasta');
      const helpersOf = (pid: number) => networkHelpers().filter((h) => h.target === pid);
      // The container's first process: the monitor's first child.
      const containerPid = async () => Math.min(...childrenOf(Number(await state('life', '{{.State.ConmonPid}}'))));
      await runDetached('--name', 'life', PLAIN, 'sleep', '300');
      let pid = await containerPid();
      expect(helpersOf(pid)).toHaveLength(1);
      await store.run(['stop', '-t', '0', 'life']);
      // Told to end as the container ends; the kernel takes its device down as it exits (not waited for).
      expect(await eventually(() => helpersOf(pid).length === 0, 2000)).toBe(true);

      await store.run(['start', 'life']);
      pid = await containerPid();
      expect(helpersOf(pid)).toHaveLength(1);
      process.kill(pid, 'SIGKILL');
      expect(await eventually(() => helpersOf(pid).length === 0)).toBe(true);
      await waitFor('the container to be exited', async () => (await state('life')) === 'exited');

      await store.run(['start', 'life']);
      pid = await containerPid();
      const monitor = Number(await state('life', '{{.State.ConmonPid}}'));
      expect(helpersOf(pid)).toHaveLength(1);
      process.kill(monitor, 'SIGKILL');
      expect(await eventually(() => helpersOf(pid).length === 0 && !alive(pid))).toBe(true);
    });

    it('each run of --restart gets a network of its own, and none is left after the last', async (ctx) => {
      requireFeature(ctx, 'pasta');
      const host = await hostServer();
      try {
        await runDetached('--name', 'again', '--restart', 'on-failure:2', PLAIN, 'sh', '-c', `wget -q -O- http://host.containers.internal:${host.port}/ >/dev/null && exit 3`);
        await waitFor('three runs', () => host.hits() === 3, 20_000);
        await waitFor('the last run to end', async () => (await state('again')) === 'exited', 20_000);
        expect(await state('again', '{{.State.ExitCode}}')).toBe('3');
      } finally {
        host.server.close();
      }
    });
  });

  describe('slirp4netns', () => {
    it('reaches the host (its loopback with allow_host_loopback=true), publishes ports, and keeps the client\'s address', async (ctx) => {
      requireFeature(ctx, 'slirp4netns');
      const host = await hostServer();
      try {
        const r = await store.run(['run', '--rm', '--network', 'slirp4netns:allow_host_loopback=true', PLAIN, 'sh', '-c',
          `ip -o -4 addr show tap0 | grep -o '10.0.2.100/24'; wget -q -O- http://host.containers.internal:${host.port}/; cat /etc/resolv.conf`]);
        expect(r.stderr).toBe('');
        expect(lines(r.stdout)).toEqual(['10.0.2.100/24', expect.stringMatching(/^host says hi to /), 'nameserver 10.0.2.3']);
        const cidr = await store.run(['run', '--rm', '--network', 'slirp4netns:cidr=10.9.0.0/24', PLAIN, 'sh', '-c', "ip -o -4 addr show tap0 | grep -o '10.9.0.100/24'; grep host.containers /etc/hosts"]);
        expect(lines(cidr.stdout)[0]).toBe('10.9.0.100/24');
      } finally {
        host.server.close();
      }
      const port = await freePort();
      await httpd('sweb', '--network', 'slirp4netns', '-p', `${port}:80`);
      expect(await get(`http://127.0.0.1:${port}/index.html`)).toBe('hello from the container\n');
      if (fixtures().peer) expect((await peerGet(port, '/cgi-bin/ip')).trim()).toContain(fixtures().peer?.address);
      // Stopped and started at once, it publishes again; removed (and after a --rm one), slirp4netns's API socket goes too.
      expect((await store.run(['stop', '-t', '0', 'sweb'])).exitCode).toBe(0);
      expect((await store.run(['start', 'sweb'])).exitCode).toBe(0);
      await waitFor('the server', async () => (await get(`http://127.0.0.1:${port}/index.html`).catch(() => '')) !== '');
      await store.run(['rm', '-f', '-t', '0', 'sweb']);
      expect((await store.run(['run', '--rm', '--network', 'slirp4netns', '-p', `${port}:80`, PLAIN, 'true'])).exitCode).toBe(0);
      expect(await eventually(() => readdirSync(store.runtime).every((f) => !f.startsWith('slirp-')))).toBe(true);
    });

    it('burrow.toml makes it the default', async (ctx) => {
      requireFeature(ctx, 'slirp4netns');
      const config = join(fixtures().dir, 'network-config');
      mkdirSync(join(config, 'burrow'), { recursive: true });
      writeFileSync(join(config, 'burrow', 'burrow.toml'), '[network]\ndefault_rootless_network_cmd = "slirp4netns"\n');
      const r = await store.run(['run', '--rm', PLAIN, 'cat', '/etc/resolv.conf'], { env: { XDG_CONFIG_HOME: config } });
      expect(r.stdout).toBe('nameserver 10.0.2.3\n');
      writeFileSync(join(config, 'burrow', 'burrow.toml'), '[network]\ndefault_rootless_network_cmd = "bridge"\n');
      expectOneError(await store.run(['run', '--rm', PLAIN, 'true'], { env: { XDG_CONFIG_HOME: config } }), /^Error: .*burrow\.toml: network\.default_rootless_network_cmd must be "pasta" or "slirp4netns"$/);
    });
  });

  describe('other modes and the name files', () => {
    it('--network none has only lo; --network host has the host\'s interfaces, name and resolvers', async () => {
      const none = await store.run(['run', '--rm', '--network', 'none', PLAIN, 'sh', '-c', 'ls /sys/class/net']);
      expect(none.stdout).toBe('lo\n');
      const host = await store.run(['run', '--rm', '--network', 'host', PLAIN, 'sh', '-c', 'ls /sys/class/net | wc -l; cat /etc/hostname; grep nameserver /etc/resolv.conf; grep -c host.containers.internal /etc/hosts']);
      const out = lines(host.stdout);
      expect(Number(out[0])).toBe(readdirSync('/sys/class/net').length);
      expect(out[1]).toBe(readFileSync('/proc/sys/kernel/hostname', 'utf8').trim());
      const hostServers = readFileSync('/etc/resolv.conf', 'utf8').split('\n').filter((l) => /^nameserver\s/.test(l)).map((l) => l.replace(/\s+/g, ' ').trim());
      expect(out.slice(2, 2 + hostServers.length).map((l) => l.replace(/\s+/g, ' '))).toEqual(hostServers);
      expect(out.at(-1)).toBe('1');
    });

    it('--dns, --dns-search, --dns-option, --add-host and --hostname are in the files; --dns none and --no-hosts keep the image\'s', async () => {
      const r = await store.run(['run', '--rm', '--network', 'none', '--hostname', 'box', '--dns', '192.0.2.53', '--dns', '2001:db8::53', '--dns-search', 'example.test', '--dns-option', 'ndots:3', '--add-host', 'db:192.0.2.7', '--add-host', 'v6:[2001:db8::7]', PLAIN, 'cat', '/etc/resolv.conf', '/etc/hosts', '/etc/hostname']);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('search example.test\nnameserver 192.0.2.53\nnameserver 2001:db8::53\n');
      expect(r.stdout).toMatch(/^options .*ndots:3$/m);
      expect(r.stdout).toMatch(/^192\.0\.2\.7\tdb\n2001:db8::7\tv6\n127\.0\.0\.1\tbox [a-z]+_[a-z]+\n/m);
      expect(r.stdout.endsWith('box\n')).toBe(true);
      // The image's own files, where the user asks for them.
      const own = await store.run(['run', '--rm', '--network', 'none', '--dns', 'none', '--no-hosts', PLAIN, 'sh', '-c', 'ls /etc/resolv.conf /etc/hosts 2>&1 | grep -c "No such file"']);
      expect(own.stdout).toBe('2\n');
      // A volume over /etc/hosts wins over the generated file.
      const mine = join(fixtures().dir, 'network-hosts');
      writeFileSync(mine, '10.1.2.3 mine\n');
      expect((await store.run(['run', '--rm', '--network', 'none', '-v', `${mine}:/etc/hosts:ro`, PLAIN, 'cat', '/etc/hosts'])).stdout).toBe('10.1.2.3 mine\n');
    });

    it('a --rootfs container gets the network and its name files too, and they are gone after it', async (ctx) => {
      requireFeature(ctx, 'pasta');
      const plain = newStore('network-rootfs');
      const r = await plain.run(['run', '--rootfs', fixtures().rootfs, '--dns', '192.0.2.1', 'sh', '-c', 'ip route | grep -c default; cat /etc/resolv.conf']);
      expect(r.stdout).toBe('1\nnameserver 192.0.2.1\n');
      const dirs = join(plain.data, 'rootfs-run');
      expect(await eventually(() => readdirSync(dirs).length === 0)).toBe(true);
    });
  });

  describe('sharing another container\'s namespaces', () => {
    it('--network, --pid and --uts container:CTR: localhost reaches its server, its processes and name are seen', async (ctx) => {
      requireFeature(ctx, 'pasta');
      await httpd('host1');
      const r = await store.run(['run', '--rm', '--network', 'container:host1', '--pid', 'container:host1', '--uts', 'container:host1', PLAIN, 'sh', '-c',
        'wget -q -O- http://localhost/index.html; ps -o pid,comm | awk \'$1 == 1 { print $2 }\'; hostname; cat /etc/hostname']);
      expect(r.stderr).toBe('');
      const id = await state('host1', '{{.Id}}');
      // PID 1 is the other's httpd (httpd forks a child per request, so counting them races the one wget just made).
      expect(lines(r.stdout)).toEqual(['hello from the container', 'httpd', id.slice(0, 12), id.slice(0, 12)]);
      // The record keeps the other by id; started while that one is stopped, it says so.
      await store.run(['create', '--name', 'guest', '--network', 'container:host1', PLAIN, 'true']);
      expect(await state('guest', '{{.HostConfig.NetworkMode}}')).toBe(`container:${id}`);
      await store.run(['stop', '-t', '0', 'host1']);
      const start = await store.run(['start', 'guest']);
      expectOneError(start, /^Error: container host1 is not running: container guest shares its net namespace$/);
      expect(start.exitCode).toBe(125);
    });

    it('--ipc container:CTR: /dev/shm is that container\'s, both ways, as podman; its own --shm-size is refused', async () => {
      await runDetached('--name', 'owner', '--network', 'none', '--shm-size', '3m', PLAIN, 'sh', '-c', 'echo from-owner > /dev/shm/a; exec sleep 300');
      await waitFor('the owner\'s file', async () => (await store.run(['exec', 'owner', 'cat', '/dev/shm/a'])).stdout === 'from-owner\n');
      const r = await store.run(['run', '--rm', '--network', 'none', '--ipc', 'container:owner', PLAIN, 'sh', '-c', 'cat /dev/shm/a; echo from-guest > /dev/shm/b; df -k /dev/shm | awk \'NR == 2 { print $2 }\'']);
      expect([r.stderr, lines(r.stdout)]).toEqual(['', ['from-owner', '3072']]);
      expect((await store.run(['exec', 'owner', 'cat', '/dev/shm/b'])).stdout).toBe('from-guest\n');
      // A container of its own has its own.
      const apart = await store.run(['run', '--rm', '--network', 'none', PLAIN, 'ls', '/dev/shm']);
      expect([apart.stderr, apart.stdout]).toEqual(['', '']);
      const sized = await store.run(['run', '--rm', '--network', 'none', '--ipc', 'container:owner', '--shm-size', '1m', PLAIN, 'true']);
      expectOneError(sized, /^Error: --shm-size cannot be given with --ipc container:CTR: \/dev\/shm is that container's$/);
      expect(sized.exitCode).toBe(125);
      expect(lines((await store.run(['ps', '-a', '--format', '{{.Names}}'])).stdout)).toEqual(['owner']);
    });

    it('refuses namespaces of two different containers, --hostname with --uts container:, and ports on a shared network', async (ctx) => {
      requireFeature(ctx, 'pasta');
      await runDetached('--name', 'one', PLAIN, 'sleep', '300');
      await runDetached('--name', 'two', PLAIN, 'sleep', '300');
      expectOneError(await store.run(['run', '--rm', '--network', 'container:one', '--ipc', 'container:two', PLAIN, 'true']), /^Error: --ipc container:two: every namespace shared must be the same container's/);
      expectOneError(await store.run(['run', '--rm', '--uts', 'container:one', '--hostname', 'x', PLAIN, 'true']), /^Error: --hostname cannot be given with --uts container:CTR/);
      expectOneError(await store.run(['run', '--rm', '--network', 'container:one', '-p', '8125:80', PLAIN, 'true']), /^Error: ports cannot be published with --network container:one: publish them on that container$/);
      expect(lines((await store.run(['ps', '-a', '--format', '{{.Names}}'])).stdout).sort()).toEqual(['one', 'two']);
    });
  });

  describe('bad input: one Error: line, exit 125, nothing made', () => {
    const bad: [string, string[], RegExp][] = [
      ['an empty -p', ['-p', ''], /^Error: invalid publish spec `?`?: no container port|^Error: invalid port/],
      ['a -p port 0', ['-p', '0:80'], /^Error: invalid port `0` in `0:80`: the host port must be from 1 to 65535$/],
      ['a -p port above 65535', ['-p', '65536'], /^Error: invalid port `65536` in `65536`: the container port must be from 1 to 65535$/],
      ['a -p that is not a number', ['-p', 'http'], /^Error: invalid port `http` in `http`/],
      ['a -p with ranges of different sizes', ['-p', '8000-8001:80-82'], /^Error: invalid publish spec `8000-8001:80-82`: the host range has 2 ports and the container range 3$/],
      ['a -p protocol that is neither', ['-p', '80/icmp'], /^Error: invalid protocol `icmp` in `80\/icmp`/],
      ['an SCTP port', ['-p', '8132:132/sctp'], /^Error: publishing SCTP ports is not supported rootless/],
      ['a host port published twice', ['-p', '8123:80', '-p', '8123:81'], /^Error: host port 8123\/tcp is published twice$/],
      ['an unknown network mode', ['--network', 'bridgeish'], /^Error: unknown network mode `bridgeish`/],
      ['an unknown slirp4netns option', ['--network', 'slirp4netns:port_speed=9'], /^Error: unknown slirp4netns option `port_speed=9`/],
      ['a pasta option burrow sets', ['--network', 'pasta:--netns=/x'], /^Error: pasta option `--netns=\/x` cannot be used/],
      ['ports with --network none', ['--network', 'none', '-p', '8124:80'], /^Error: ports cannot be published with --network none/],
      ['a bad --add-host', ['--add-host', 'db'], /^Error: invalid --add-host `db`: use HOST:IP$/],
      ['a bad --dns', ['--dns', 'dns.example'], /^Error: invalid --dns `dns.example`: not an IP address$/],
      ['a --dns-search of two lines', ['--dns-search', 'a.test\nnameserver 6.6.6.6'], /^Error: invalid --dns-search `a\.test\?nameserver 6\.6\.6\.6`: one word/],
      ['a multicast --mac-address', ['--mac-address', '01:00:5e:00:00:01'], /^Error: invalid MAC address `01:00:5e:00:00:01`: a multicast address$/],
      ['--network ns: for now', ['--network', 'ns:/proc/1/ns/net'], /^Error: network mode `ns:` is not supported yet/],
      ['a missing container to share with', ['--network', 'container:nosuch'], /^Error: no container with name or ID "nosuch" found: no such container$/],
      ['a --pid mode that is neither', ['--pid', 'host'], /^Error: invalid --pid `host`: use private or container:CTR$/],
    ];
    it.each(bad)('%s', async (_what, args, pattern) => {
      for (const command of [['run', '--rm'], ['create']]) {
        const r = await store.run([...command, ...args, PLAIN, 'true']);
        expectOneError(r, pattern);
        expect(r.exitCode).toBe(125);
      }
      expect((await store.run(['ps', '-aq'])).stdout).toBe('');
    });
  });
});
