/**
 * Pods seen from outside: containers of one pod reach each other on
 * localhost and share the pod's name and published ports; the infra holds
 * the namespaces (a sealed copy of the helper, nothing of the host in
 * reach); the pod commands (create, ps/ls, inspect, start, stop, restart,
 * kill, rm, prune, exists, top, logs), `run --pod new:NAME`, ps --pod; rm's
 * refusals (a pod's infra, a container others share namespaces with); and
 * the bad input. After every test no pasta of this user is left without
 * its container.
 */
import { join } from 'node:path';

import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { describeContainers, fixtures, requireFeature } from '../helpers/fixtures.js';
import { buildTestImages } from '../helpers/images.js';
import { freePort, get, orphans, peerGet } from '../helpers/network.js';
import { eventually } from '../helpers/processes.js';
import { expectOneError, lines } from '../helpers/run-cli.js';
import { loadedStore, type TestStore, runDetached as detached, succeeded, waitFor } from '../helpers/store.js';

const PLAIN = 'localhost/plain:latest';
let store: TestStore;

const runDetached = (...args: string[]): Promise<string> => detached(store, ...args);
const out = (args: string[]): Promise<string> => succeeded(store, args);
/** A small web server (busybox httpd) whose /ip says the client's address, in the pod. */
const SERVE = ['sh', '-c', 'mkdir -p /www/cgi-bin && echo served > /www/index.html && printf \'#!/bin/sh\\nprintf "Content-Type: text/plain\\\\r\\\\n\\\\r\\\\n%%s\\\\n" "$REMOTE_ADDR"\\n\' > /www/cgi-bin/ip && chmod +x /www/cgi-bin/ip && exec httpd -f -p 80 -h /www'];

describeContainers('pods', () => {
  beforeAll(async () => {
    const images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-pods'));
    store = await loadedStore('pods', images.plainOci);
  });

  afterEach(async () => {
    await store.run(['pod', 'rm', '-af', '-t', '0']);
    await store.run(['rm', '-af', '-t', '0']);
    expect(await eventually(() => orphans().length === 0, 5000), `orphaned network helpers: ${JSON.stringify(orphans())}`).toBe(true);
  });

  it('two containers of a pod reach each other on localhost; the pod publishes their port, names them and lists them', async (ctx) => {
    requireFeature(ctx, 'pasta');
    const port = await freePort();
    const podId = lines(await out(['pod', 'create', '--name', 'web', '-p', `${port}:80`, '--label', 'tier=front']))[0] as string;
    expect(podId).toMatch(/^[0-9a-f]{64}$/);
    // Created: the infra exists (stopped), named after the pod's id.
    expect(lines(await out(['pod', 'ps', '--format', '{{.Name}} {{.Status}} {{.NumberOfContainers}} {{.Labels}}']))).toEqual(['web Created 1 map[tier:front]']);
    expect(await out(['ps', '-a', '--format', '{{.Names}} {{.Command}}'])).toBe(`${podId.slice(0, 12)}-infra burrow-pause\n`);
    await runDetached('--name', 'server', '--pod', 'web', PLAIN, ...SERVE);
    await waitFor('the server', async () => (await get(`http://127.0.0.1:${port}/index.html`).catch(() => '')) === 'served\n');
    const r = await store.run(['run', '--rm', '--name', 'client', '--pod', 'web', PLAIN, 'sh', '-c', 'wget -q -O- http://localhost/index.html; wget -q -O- http://server/index.html; hostname; cat /etc/hostname; grep -cw web /etc/hosts; grep -cw client /etc/hosts']);
    expect([r.stderr, lines(r.stdout)]).toEqual(['', ['served', 'served', 'web', 'web', '1', '1']]);
    // It left: the pod's /etc/hosts (which the others see) no longer names it.
    expect((await store.run(['exec', 'server', 'grep', '-c', 'client', '/etc/hosts'])).stdout).toBe('0\n');
    // A client on another host is seen inside with its own address, through the pod's port.
    if (fixtures().peer) expect((await peerGet(port, '/cgi-bin/ip')).trim()).toContain(fixtures().peer?.address);
    // The listings.
    expect(lines(await out(['pod', 'ls', '--ctr-names', '--ctr-status', '--format', '{{.Name}} {{.Status}} {{.ContainerNames}} {{.ContainerStatuses}}']))).toEqual([
      `web Running ${podId.slice(0, 12)}-infra,server running,running`,
    ]);
    expect(await out(['pod', 'list', '-q'])).toBe(`${podId.slice(0, 12)}\n`);
    expect(lines(await out(['ps', '--pod', '--format', '{{.Names}} {{.Pod}} {{.PodName}}'])).sort()).toEqual([`${podId.slice(0, 12)}-infra ${podId.slice(0, 12)} web`, `server ${podId.slice(0, 12)} web`]);
    expect(lines(await out(['ps', '--filter', 'pod=web', '--format', '{{.Names}}'])).sort()).toEqual([`${podId.slice(0, 12)}-infra`, 'server']);
    const [doc] = JSON.parse(await out(['pod', 'inspect', 'web'])) as Record<string, unknown>[];
    expect(doc).toMatchObject({ Id: podId, Name: 'web', State: 'Running', Hostname: 'web', NumContainers: 2, SharedNamespaces: ['cgroup', 'ipc', 'net', 'uts'], InfraConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: String(port) }] } } });
    expect(await out(['inspect', '--format', '{{.Pod}} {{.IsInfra}} {{.HostConfig.NetworkMode}}', 'server'])).toBe(`${podId} false container:${doc?.InfraContainerID as string}\n`);
    // pod top: the processes of its containers, the infra's among them.
    const top = lines(await out(['pod', 'top', 'web', 'pid', 'args']));
    expect(top[0]).toMatch(/^PID\s+COMMAND$/);
    expect(top.slice(1).map((l) => l.replace(/^\d+\s+/, '')).sort()).toEqual(['burrow-pause pause', 'httpd -f -p 80 -h /www']);
    expect((await store.run(['pod', 'exists', 'web'])).exitCode).toBe(0);
    expect((await store.run(['pod', 'exists', 'nosuch'])).exitCode).toBe(1);
  });

  it('pod stop ends its containers and its network; pod start and a member\'s start start the infra again; pod restart, kill, logs', async (ctx) => {
    requireFeature(ctx, 'pasta');
    const port = await freePort();
    await out(['pod', 'create', '--name', 'life', '-p', `${port}:80`]);
    // (--init: a PID 1 that ends on SIGTERM, so that stop and restart take no 10 s)
    await runDetached('--name', 'srv', '--init', '--pod', 'life', PLAIN, ...SERVE);
    await runDetached('--name', 'talker', '--init', '--pod', 'life', PLAIN, 'sh', '-c', 'echo hello from talker; exec sleep 300');
    await waitFor('the server', async () => (await get(`http://127.0.0.1:${port}/index.html`).catch(() => '')) === 'served\n');
    expect(lines(await out(['pod', 'logs', '--names', 'life']))).toContain('talker hello from talker');
    expect(await out(['pod', 'logs', '-c', 'talker', 'life'])).toBe('hello from talker\n');
    const podId = (await out(['pod', 'stop', '-t', '0', 'life'])).trim();
    expect(podId).toMatch(/^[0-9a-f]{64}$/);
    expect(lines(await out(['ps', '-a', '--format', '{{.State}}']))).toEqual(['exited', 'exited', 'exited']);
    expect(await out(['pod', 'ps', '--format', '{{.Status}}'])).toBe('Exited\n');
    expect(await eventually(() => orphans().length === 0)).toBe(true);
    await expect(get(`http://127.0.0.1:${port}/index.html`)).rejects.toThrow();
    // A member's start starts the infra first (its network with it).
    expect((await out(['start', 'srv'])).trim()).toBe('srv');
    await waitFor('the server', async () => (await get(`http://127.0.0.1:${port}/index.html`).catch(() => '')) === 'served\n');
    expect(await out(['pod', 'ps', '--format', '{{.Status}}'])).toBe('Degraded\n');
    expect(await out(['pod', 'start', 'life'])).toBe(`${podId}\n`);
    expect(await out(['pod', 'ps', '--format', '{{.Status}}'])).toBe('Running\n');
    expect(await out(['pod', 'restart', 'life'])).toBe(`${podId}\n`);
    await waitFor('the server', async () => (await get(`http://127.0.0.1:${port}/index.html`).catch(() => '')) === 'served\n');
    expect(await out(['pod', 'kill', 'life'])).toBe(`${podId}\n`);
    await waitFor('every container to end', async () => (await out(['pod', 'ps', '--format', '{{.Status}}'])) === 'Exited\n');
    // Nothing runs: nothing to kill.
    const kill = await store.run(['pod', 'kill', 'life']);
    expectOneError(kill, /^Error: pod life: no running containers to kill$/);
    // The pod's own events, as podman's.
    const events = await out(['events', '--stream=false', '--filter', 'pod=life', '--format', '{{.Type}} {{.Status}}']);
    expect(lines(events)).toEqual(['pod create', 'pod stop', 'pod start', 'pod stop', 'pod start', 'pod kill']);
    expect(kill.exitCode).toBe(125);
  });

  it('a pod that shares no network namespace gives its infra none, and its containers their own', async (ctx) => {
    requireFeature(ctx, 'pasta');
    await out(['pod', 'create', '--name', 'apart', '--share', 'ipc,uts']);
    expect(await out(['inspect', '--format', '{{.HostConfig.NetworkMode}}', (await out(['pod', 'inspect', '--format', '{{.InfraContainerID}}', 'apart'])).trim()])).toBe('none\n');
    const r = await store.run(['run', '--rm', '--pod', 'apart', PLAIN, 'sh', '-c', 'ip route | grep -c default; hostname']);
    expect([r.stderr, lines(r.stdout)]).toEqual(['', ['1', 'apart']]);
  });

  it('containers of a pod share its /dev/shm (pod create --shm-size), as podman\'s; a pod that shares no ipc namespace gives each its own', async () => {
    await out(['pod', 'create', '--name', 'shm', '--network', 'none', '--shm-size', '2m']);
    await runDetached('--name', 'writer', '--pod', 'shm', PLAIN, 'sh', '-c', 'echo written > /dev/shm/w; exec sleep 300');
    await waitFor('the writer\'s file', async () => (await store.run(['exec', 'writer', 'cat', '/dev/shm/w'])).stdout === 'written\n');
    const r = await store.run(['run', '--rm', '--pod', 'shm', PLAIN, 'sh', '-c', 'cat /dev/shm/w; echo read > /dev/shm/r; df -k /dev/shm | awk \'NR == 2 { print $2 }\'']);
    expect([r.stderr, lines(r.stdout)]).toEqual(['', ['written', '2048']]);
    expect((await store.run(['exec', 'writer', 'cat', '/dev/shm/r'])).stdout).toBe('read\n');
    await out(['pod', 'create', '--name', 'noipc', '--share', 'uts']);
    await runDetached('--name', 'alone', '--pod', 'noipc', '--network', 'none', PLAIN, 'sh', '-c', 'echo mine > /dev/shm/m; exec sleep 300');
    await waitFor('the file of alone', async () => (await store.run(['exec', 'alone', 'cat', '/dev/shm/m'])).stdout === 'mine\n');
    const other = await store.run(['run', '--rm', '--pod', 'noipc', '--network', 'none', PLAIN, 'ls', '/dev/shm']);
    expect([other.stderr, other.stdout]).toEqual(['', '']);
  });

  it('--share +pid: one pid namespace whose PID 1 is the infra, which reaps; the infra reaches nothing of the host', async (ctx) => {
    requireFeature(ctx, 'pasta');
    await out(['pod', 'create', '--name', 'pids', '--share', '+pid']);
    await runDetached('--name', 'sleeper', '--pod', 'pids', PLAIN, 'sleep', '300');
    // An orphan of a container (its parent gone) is reaped by the infra: no zombie stays.
    const r = await store.run(['run', '--rm', '--pod', 'pids', PLAIN, 'sh', '-c',
      'cat /proc/1/cmdline | tr "\\0" " "; echo; ps -o comm | grep -c "^sleep"; (sh -c "sleep 0.2 &") ; sleep 0.5; ps -o stat | grep -c "^Z"; ls /proc/1/root 2>&1 | grep -c "Permission denied"']);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(['burrow-pause pause ', '1', '0', '1']);
    // Even with CAP_SYS_PTRACE: its root is a read-only tmpfs with nothing but the pod's /dev/shm, its program a sealed copy of the helper.
    const ptrace = await store.run(['run', '--rm', '--pod', 'pids', '--cap-add', 'SYS_PTRACE', PLAIN, 'sh', '-c',
      'cd /proc/1/root && find . | sort | tr "\\n" " "; echo; touch /proc/1/root/x 2>&1 | grep -c "Read-only"; readlink /proc/1/exe; (echo x >> /proc/1/exe) 2>&1 | grep -cE "not permitted|Read-only|denied|busy"; grep CapEff /proc/1/status']);
    expect(lines(ptrace.stdout)).toEqual(['. ./dev ./dev/shm ', '1', '/memfd:burrow-pause (deleted)', '1', 'CapEff:\t0000000000000000']);
    // pod top lists the shared namespace once.
    const top = lines(await out(['pod', 'top', 'pids', 'pid', 'comm']));
    expect(top.slice(1).map((l) => l.split(/\s+/).join(' '))).toEqual(['1 burrow-pause', '2 sleep']);
  });

  it('run --pod new:NAME makes the pod; pod rm refuses a running pod without -f and removes its containers; pod prune', async (ctx) => {
    requireFeature(ctx, 'pasta');
    await runDetached('--name', 'first', '--pod', 'new:fresh', PLAIN, 'sleep', '300');
    expect(await out(['pod', 'ps', '--format', '{{.Name}} {{.Status}} {{.NumberOfContainers}}'])).toBe('fresh Running 2\n');
    const rm = await store.run(['pod', 'rm', 'fresh']);
    expectOneError(rm, /^Error: pod fresh has containers that are not ready to be removed: cannot remove container [0-9a-f]{64} as it is running/, 2);
    const podId = (await out(['pod', 'inspect', '--format', '{{.Id}}', 'fresh'])).trim();
    expect(await out(['pod', 'rm', '-f', '-t', '0', 'fresh'])).toBe(`${podId}\n`);
    expect(await out(['ps', '-aq'])).toBe('');
    expect(await out(['pod', 'ps', '-q'])).toBe('');
    // Its name is free again, for a pod or a container.
    await out(['create', '--name', 'fresh', PLAIN, 'true']);
    await out(['rm', 'fresh']);
    // prune: the pods none of whose containers runs.
    const stopped = (await out(['pod', 'create', 'idle'])).trim();
    await out(['pod', 'create', '--name', 'busy']);
    await runDetached('--pod', 'busy', PLAIN, 'sleep', '300');
    expect(await out(['pod', 'prune', '-f'])).toBe(`${stopped}\n`);
    expect(await out(['pod', 'ps', '--format', '{{.Name}}'])).toBe('busy\n');
    expect((await store.run(['pod', 'rm', '--ignore', 'nosuch'])).exitCode).toBe(0);
  });

  it('rm refuses a pod\'s infra and a container whose namespaces another shares; rm -a removes both in order', async (ctx) => {
    requireFeature(ctx, 'pasta');
    await out(['pod', 'create', '--name', 'guarded']);
    const infra = (await out(['pod', 'inspect', '--format', '{{.InfraContainerID}}', 'guarded'])).trim();
    const r = await store.run(['rm', '-f', infra]);
    expectOneError(r, new RegExp(`^Error: container ${infra} is the infra container of pod guarded and cannot be removed without removing the pod`));
    expect(r.exitCode).toBe(125);
    await runDetached('--name', 'owner', PLAIN, 'sleep', '300');
    await out(['create', '--name', 'guest', '--network', 'container:owner', PLAIN, 'true']);
    const guestId = (await out(['inspect', '--format', '{{.Id}}', 'guest'])).trim();
    const dep = await store.run(['rm', '-f', 'owner']);
    expectOneError(dep, new RegExp(`^Error: container [0-9a-f]{64} has dependent containers which must be removed before it: ${guestId}`));
    expect(dep.exitCode).toBe(125);
    // Both named in one rm, in either order: the dependent goes first.
    const ownerId = (await out(['inspect', '--format', '{{.Id}}', 'owner'])).trim();
    expect(lines(await out(['rm', '-f', '-t', '0', 'owner', 'guest']))).toEqual([guestId, ownerId]);
    // rm -a leaves the pod's infra to `pod rm`.
    expect(await out(['rm', '-a'])).toBe('');
    expect(await out(['ps', '-aq', '--no-trunc'])).toBe(`${infra}\n`);
  });

  describe('bad input: one Error: line, exit 125, nothing made', () => {
    const nothingMade = async (): Promise<void> => {
      expect(await out(['pod', 'ps', '-q'])).toBe('');
      expect(await out(['ps', '-aq'])).toBe('');
    };

    const bad: [string, string[], RegExp][] = [
      ['an unknown namespace to share', ['pod', 'create', '--share', 'net,mnt'], /^Error: invalid kernel namespace to share: mnt: use cgroup, ipc, net, pid, uts, or none$/],
      ['a port without an infra', ['pod', 'create', '--infra=false', '-p', '8080:80'], /^Error: --publish needs an infra container/],
      ['a port without a shared network', ['pod', 'create', '--share', 'ipc', '-p', '8080:80'], /^Error: --publish needs a shared network namespace: add net to --share$/],
      ['a port of 0', ['pod', 'create', '-p', '0:80'], /^Error: invalid port `0` in `0:80`: the host port must be from 1 to 65535$/],
      ['a range whose sizes differ', ['pod', 'create', '-p', '8000-8001:80-82'], /^Error: invalid publish spec `8000-8001:80-82`: the host range has 2 ports and the container range 3$/],
      ['an unknown network mode', ['pod', 'create', '--network', 'bridgeish'], /^Error: unknown network mode `bridgeish`/],
      ['another container\'s network', ['pod', 'create', '--network', 'container:x'], /^Error: invalid network `container:x` for a pod/],
      ['a bad pod name', ['pod', 'create', '--name', '-x-'], /^Error: pod name `-x-` is invalid/],
      ['--shm-size without a shared ipc namespace', ['pod', 'create', '--share', 'net', '--shm-size', '1m'], /^Error: --shm-size needs a shared ipc namespace: add ipc to --share$/],
      ['--shm-size without an infra', ['pod', 'create', '--infra=false', '--shm-size', '1m'], /^Error: --shm-size needs an infra container/],
      ['a bad --shm-size', ['pod', 'create', '--shm-size', 'lots'], /^Error: invalid --shm-size `lots`/],
      ['a missing pod', ['run', '--rm', '--pod', 'nosuch', PLAIN, 'true'], /^Error: no pod with name or ID nosuch found: no such pod$/],
      ['a missing pod to start', ['pod', 'start', 'nosuch'], /^Error: no pod with name or ID nosuch found: no such pod$/],
    ];
    for (const [what, args, pattern] of bad)
      it(`refuses ${what}`, async () => {
        const r = await store.run(args);
        expectOneError(r, pattern);
        expect(r.exitCode).toBe(125);
        await nothingMade();
      });

    it('refuses a pod name in use (by a pod or a container), and a member\'s own network, ports, name or namespaces', async (ctx) => {
      requireFeature(ctx, 'pasta');
      await out(['pod', 'create', '--name', 'taken']);
      await out(['create', '--name', 'ctr', PLAIN, 'true']);
      for (const name of ['taken', 'ctr']) {
        const r = await store.run(['pod', 'create', '--name', name]);
        expectOneError(r, new RegExp(`^Error: the name "${name}" is already in use by [0-9a-f]{64}: name in use$`));
        expect(r.exitCode).toBe(125);
      }
      const c = await store.run(['create', '--name', 'taken', PLAIN, 'true']);
      expectOneError(c, /^Error: the container name "taken" is already in use/);
      const member: [string[], RegExp][] = [
        [['-p', '8080:80'], /^Error: --publish cannot be given to a container of pod taken, which shares the pod's network namespace/],
        [['--network', 'none'], /^Error: --network cannot be given to a container of pod taken/],
        [['--dns', '192.0.2.1'], /^Error: --dns cannot be given to a container of pod taken/],
        [['--hostname', 'h'], /^Error: --hostname cannot be given to a container of pod taken, which shares the pod's uts namespace/],
        [['--ipc', 'container:ctr'], /^Error: --ipc cannot be given to a container of pod taken/],
        [['--shm-size', '1m'], /^Error: --shm-size cannot be given to a container of pod taken, which shares the pod's ipc namespace/],
      ];
      for (const [flags, pattern] of member) {
        const r = await store.run(['run', '--rm', '--pod', 'taken', ...flags, PLAIN, 'true']);
        expectOneError(r, pattern);
        expect(r.exitCode).toBe(125);
      }
      // A failed run --pod new:NAME leaves no pod behind.
      expectOneError(await store.run(['run', '--rm', '--pod', 'new:gone', '--hostname', 'h', PLAIN, 'true']), /^Error: --hostname cannot be given/);
      expect(lines(await out(['pod', 'ps', '--format', '{{.Name}}']))).toEqual(['taken']);
      expect(lines(await out(['ps', '-a', '--format', '{{.Names}}'])).filter((n) => !n.endsWith('-infra'))).toEqual(['ctr']);
    });
  });
});
