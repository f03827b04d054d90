/**
 * User networks seen from outside: containers on one network reach each
 * other by name, each on its own address and ports, and keep their own way
 * out; the name files follow the network's members; network create, ls,
 * inspect, exists, connect, disconnect, rm, prune; --internal; two networks
 * do not reach each other; and the bad input. After every test no pasta of
 * this user is left without its container.
 */
import { join } from 'node:path';

import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { describeContainers, fixtures, requireFeature } from '../helpers/fixtures.js';
import { buildTestImages } from '../helpers/images.js';
import { orphans } from '../helpers/network.js';
import { eventually } from '../helpers/processes.js';
import { expectOneError, lines } from '../helpers/run-cli.js';
import { loadedStore, type TestStore, runDetached as detached, succeeded } from '../helpers/store.js';

const PLAIN = 'localhost/plain:latest';
let store: TestStore;

const runDetached = (...args: string[]): Promise<string> => detached(store, ...args);
const out = (args: string[]): Promise<string> => succeeded(store, args);
/** busybox httpd on port 80 answering `I am NAME` (--init: it ends on SIGTERM). */
const serve = (name: string, ...flags: string[]): Promise<string> =>
  runDetached('--name', name, '--init', ...flags, PLAIN, 'sh', '-c', `mkdir -p /www && echo "I am ${name}" > /www/index.html && exec httpd -f -p 80 -h /www`);

describeContainers('user networks', () => {
  beforeAll(async () => {
    const images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-user-networks'));
    store = await loadedStore('user-networks', images.plainOci);
  });

  afterEach(async () => {
    await store.run(['pod', 'rm', '-af', '-t', '0']);
    await store.run(['rm', '-af', '-t', '0']);
    await store.run(['network', 'rm', '-f', '-t', '0', ...lines((await store.run(['network', 'ls', '-q'])).stdout)]);
    expect(await eventually(() => orphans().length === 0, 5000), `orphaned network helpers: ${JSON.stringify(orphans())}`).toBe(true);
  });

  it('containers on one network reach each other by name, each on its own address and port 80, and keep their own way out', async (ctx) => {
    requireFeature(ctx, 'pasta');
    expect(await out(['network', 'create', 'backend'])).toBe('backend\n');
    await serve('alpha', '--network', 'backend');
    await serve('beta', '--network', 'backend');
    const r = await store.run(['run', '--rm', '--name', 'client', '--network', 'backend', PLAIN, 'sh', '-c',
      'wget -q -O- http://alpha/index.html; wget -q -O- http://beta/index.html; ip -o -4 addr show | grep -c "10\\.89\\."; ip route | grep -c default; grep -c "	alpha " /etc/hosts']);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(['I am alpha', 'I am beta', '1', '1', '1']);
    // The running ones were told of the later ones: their /etc/hosts names them all (not the --rm one, gone).
    const hosts = await out(['exec', 'alpha', 'cat', '/etc/hosts']);
    expect(hosts).not.toMatch(/\tclient /);
    expect(hosts).toMatch(/^10\.89\.\d+\.2\talpha [0-9a-f]{12}$/m);
    expect(hosts).toMatch(/^10\.89\.\d+\.3\tbeta [0-9a-f]{12}$/m);
    expect(await out(['exec', 'alpha', 'wget', '-q', '-O-', 'http://beta/index.html'])).toBe('I am beta\n');
    // A container removed leaves the others' files.
    await out(['rm', '-f', '-t', '0', 'beta']);
    expect(await out(['exec', 'alpha', 'cat', '/etc/hosts'])).not.toMatch(/\tbeta /);
    // inspect and ls say where each is.
    const [doc] = JSON.parse(await out(['network', 'inspect', 'backend'])) as { subnets: { subnet: string; gateway: string }[]; containers: Record<string, { name: string }> }[];
    expect(doc?.subnets).toEqual([{ subnet: expect.stringMatching(/^10\.89\.\d+\.0\/24$/), gateway: expect.stringMatching(/^10\.89\.\d+\.1$/) }]);
    expect(Object.values(doc?.containers ?? {}).map((c) => c.name)).toEqual(['alpha']);
    expect(await out(['network', 'ls', '--format', '{{.Name}} {{.Driver}}'])).toBe('backend bridge\n');
    expect(await out(['inspect', '--format', '{{.HostConfig.NetworkMode}} {{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', 'alpha'])).toMatch(/^backend 10\.89\.\d+\.2\n$/);
    expect((await store.run(['network', 'exists', 'backend'])).exitCode).toBe(0);
    expect((await store.run(['network', 'exists', 'nosuch'])).exitCode).toBe(1);
    // The networks' own infra is burrow's, not listed among the user's containers.
    expect(lines(await out(['ps', '-a', '--format', '{{.Names}}']))).toEqual(['alpha']);
  });

  it('a pod on a network: its containers are reached through it by the pod\'s name, and reach the others', async (ctx) => {
    requireFeature(ctx, 'pasta');
    await out(['network', 'create', 'mesh']);
    await serve('solo', '--network', 'mesh');
    await out(['pod', 'create', '--name', 'grouped', '--network', 'mesh']);
    await serve('inpod', '--pod', 'grouped');
    const r = await store.run(['run', '--rm', '--network', 'mesh', PLAIN, 'sh', '-c', 'wget -q -O- http://grouped/index.html']);
    expect([r.stderr, r.stdout]).toEqual(['', 'I am inpod\n']);
    expect(await out(['exec', 'inpod', 'wget', '-q', '-O-', 'http://solo/index.html'])).toBe('I am solo\n');
    // A container of the pod is connected through its infra.
    expectOneError(await store.run(['network', 'connect', 'mesh', 'inpod']), /^Error: container inpod is in pod grouped, whose network is its infra's: connect the infra \([0-9a-f]{12}\) instead$/);
    await out(['pod', 'create', '--name', 'offnet']);
    await out(['create', '--name', 'offmember', '--pod', 'offnet', PLAIN, 'true']);
    expectOneError(await store.run(['network', 'connect', 'mesh', 'offmember']), /^Error: container offmember is in pod offnet, whose network is its infra's: a pod joins user networks when it is made: pod create --network mesh$/);
    await out(['pod', 'rm', 'offnet']);
    await out(['pod', 'rm', '-f', '-t', '0', 'grouped']);
    expect(await out(['exec', 'solo', 'sh', '-c', 'grep -c grouped /etc/hosts; true'])).toBe('0\n');
    // network rm -f takes a pod on it whole.
    await out(['pod', 'create', '--name', 'again', '--network', 'mesh']);
    await serve('inpod2', '--pod', 'again');
    expect(await out(['network', 'rm', '-f', '-t', '0', 'mesh'])).toBe('mesh\n');
    expect([await out(['pod', 'ps', '-q']), await out(['ps', '-aq'])]).toEqual(['', '']);
  });

  it('--subnet and --gateway; --internal gives no way out; two networks do not reach each other', async (ctx) => {
    requireFeature(ctx, 'pasta');
    await out(['network', 'create', '--subnet', '192.168.77.0/24', '--gateway', '192.168.77.254', 'lab']);
    await out(['network', 'create', '--internal', 'closed']);
    await serve('labserver', '--network', 'lab');
    const r = await store.run(['run', '--rm', '--network', 'closed', PLAIN, 'sh', '-c', 'ip route | grep -c default; ls /sys/class/net | grep -vc "^lo$"; wget -q -T 2 -O- http://192.168.77.1/index.html 2>&1 | grep -c "I am"']);
    expect(lines(r.stdout)).toEqual(['0', '1', '0']);
    const lab = await store.run(['run', '--rm', '--network', 'lab', PLAIN, 'sh', '-c', 'ip -o -4 addr show | grep -o "192\\.168\\.77\\.[0-9]*/24"; ip route | grep -c default']);
    // The lowest free address: the server has .1 (the gateway is .254).
    expect(lines(lab.stdout)).toEqual(['192.168.77.2/24', '1']);
    expect(await out(['network', 'inspect', '--format', '{{range .Subnets}}{{.Gateway}}{{end}} {{.Internal}}', 'lab'])).toBe('192.168.77.254 false\n');
  });

  it('connect and disconnect a running container; one not made on a network is refused', async (ctx) => {
    requireFeature(ctx, 'pasta');
    await out(['network', 'create', 'one']);
    await out(['network', 'create', 'two']);
    await serve('web', '--network', 'two');
    await runDetached('--name', 'mover', '--network', 'one', PLAIN, 'sleep', '300');
    const before = await store.run(['exec', 'mover', 'sh', '-c', 'wget -q -T 2 -O- http://web/index.html 2>&1 | grep -c "I am"; true']);
    expect(before.stdout).toBe('0\n');
    expect(await out(['network', 'connect', 'two', 'mover'])).toBe('');
    expect(await out(['exec', 'mover', 'wget', '-q', '-O-', 'http://web/index.html'])).toBe('I am web\n');
    expect(await out(['exec', 'web', 'sh', '-c', 'grep -c "	mover " /etc/hosts'])).toBe('1\n');
    const connected = await store.run(['network', 'connect', 'two', 'mover']);
    expectOneError(connected, /^Error: container mover is already connected to network two$/);
    expect(await out(['network', 'disconnect', 'two', 'mover'])).toBe('');
    expect((await out(['exec', 'mover', 'sh', '-c', 'ip -o -4 addr show | grep -c "10\\.89\\."'])).trim()).toBe('1');
    expect(await out(['exec', 'web', 'sh', '-c', 'grep -c "	mover " /etc/hosts; true'])).toBe('0\n');
    // Off its last network it is still in the networks' user namespace: it runs, with its own way out, and connects again.
    expect(await out(['network', 'disconnect', 'one', 'mover'])).toBe('');
    await out(['restart', '-t', '0', 'mover']);
    expect((await out(['exec', 'mover', 'sh', '-c', 'ip -o -4 addr show | grep -c "10\\.89\\."; ip route | grep -c default; true'])).trim()).toBe('0\n1');
    expect(await out(['network', 'connect', 'one', 'mover'])).toBe('');
    // Stopped, connected, started: the record is what its start follows.
    await out(['stop', '-t', '0', 'mover']);
    await out(['network', 'connect', '--ip', '10.89.1.77', 'two', 'mover']);
    await out(['start', 'mover']);
    expect((await out(['exec', 'mover', 'sh', '-c', 'ip -o -4 addr show | grep -o "10\\.89\\.1\\.77"'])).trim()).toBe('10.89.1.77');
    await runDetached('--name', 'loner', PLAIN, 'sleep', '300');
    expect(lines(await out(['events', '--stream=false', '--filter', 'network=two', '--format', '{{.Status}} {{.Name}}']))).toEqual(['create two', 'connect two', 'disconnect two', 'connect two']);
    const refused = await store.run(['network', 'connect', 'one', 'loner']);
    expectOneError(refused, /^Error: container loner cannot be connected to network one: it was not made on a user network/);
    expect(refused.exitCode).toBe(125);
  });

  it('network rm refuses a network in use (exit 2), -f removes its containers, and the last one takes the infra; prune', async (ctx) => {
    requireFeature(ctx, 'pasta');
    await out(['network', 'create', 'busy']);
    await out(['network', 'create', 'idle']);
    await runDetached('--name', 'user', '--init', '--network', 'busy', PLAIN, 'sleep', '300');
    const rm = await store.run(['network', 'rm', 'busy']);
    expectOneError(rm, /^Error: "busy" has associated containers with it\. Use -f to forcibly delete containers and pods: network is being used$/, 2);
    expect(await out(['network', 'prune', '-f'])).toBe('idle\n');
    expect(await out(['network', 'rm', '-f', '-t', '0', 'busy'])).toBe('busy\n');
    expect(await out(['ps', '-aq'])).toBe('');
    expect(await out(['network', 'ls', '-q'])).toBe('');
    // No infra left behind: nothing of burrow-netns.
    expect((await store.run(['inspect', 'burrow-netns'])).exitCode).toBe(125);
    const missing = await store.run(['network', 'rm', 'busy']);
    expectOneError(missing, /^Error: unable to find network with name or ID busy: network not found$/, 1);
  });

  describe('bad input: one Error: line, exit 125, nothing made', () => {
    const bad: [string, string[], RegExp][] = [
      ['a subnet that is not one', ['network', 'create', '--subnet', '10.1.2.3', 'x'], /^Error: invalid subnet `10\.1\.2\.3`: use an IPv4 NETWORK\/PREFIX/],
      ['a subnet whose address is not its network\'s', ['network', 'create', '--subnet', '10.1.2.3/24', 'x'], /^Error: invalid subnet `10\.1\.2\.3\/24`: 10\.1\.2\.3 is not the network address of a \/24 \(10\.1\.2\.0\/24 is\)$/],
      ['a gateway outside the subnet', ['network', 'create', '--subnet', '10.1.2.0/24', '--gateway', '10.1.3.1', 'x'], /^Error: invalid gateway `10\.1\.3\.1`: not an address of the subnet 10\.1\.2\.0\/24$/],
      ['a name that is a network mode', ['network', 'create', 'host'], /^Error: network name `host` is reserved: it is a --network mode$/],
      ['a bad name', ['network', 'create', '-x'], /^Error: /],
      ['another driver', ['network', 'create', '-d', 'macvlan', 'x'], /^Error: unsupported network driver macvlan/],
      ['a network that does not exist', ['run', '--rm', '--network', 'nosuch', PLAIN, 'true'], /^Error: unknown network mode `nosuch`/],
    ];
    for (const [what, args, pattern] of bad)
      it(`refuses ${what}`, async () => {
        const r = await store.run(args);
        expectOneError(r, pattern);
        expect(r.exitCode).toBe(125);
        expect(await out(['network', 'ls', '-q'])).toBe('');
        expect(await out(['ps', '-aq'])).toBe('');
      });

    it('refuses a name or a subnet in use, an address outside the subnet, and container: sharing with a network', async () => {
      await out(['network', 'create', '--subnet', '10.99.0.0/24', 'taken']);
      expectOneError(await store.run(['network', 'create', 'taken']), /^Error: network name taken already used: network already exists$/);
      expect(await out(['network', 'create', '--ignore', 'taken'])).toBe('taken\n');
      expectOneError(await store.run(['network', 'create', '--subnet', '10.99.0.0/16', 'y']), /^Error: subnet 10\.99\.0\.0\/16 is already used by network taken$/);
      await out(['create', '--name', 'c', '--network', 'taken', PLAIN, 'true']);
      await out(['network', 'create', '--subnet', '10.98.0.0/24', 'other']);
      expectOneError(await store.run(['network', 'connect', '--ip', '10.97.0.5', 'other', 'c']), /^Error: IP address 10\.97\.0\.5 is not in the network's subnet 10\.98\.0\.0\/24$/);
      expectOneError(await store.run(['create', '--network', 'taken', '--ipc', 'container:c', PLAIN, 'true']), /^Error: --ipc container:[0-9a-f]{64} cannot be given with a user network/);
      // No network is made when the networks' infra cannot take its name.
      await out(['network', 'rm', '-f', 'taken', 'other']);
      await out(['create', '--name', 'burrow-netns', PLAIN, 'true']);
      expectOneError(await store.run(['network', 'create', 'late']), /^Error: the container name "burrow-netns" is already in use/);
      expect(await out(['network', 'ls', '-q'])).toBe('');
      await out(['rm', 'burrow-netns']);
    });
  });
});
