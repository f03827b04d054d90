/**
 * Detached containers and what is done with them afterwards, from outside,
 * on real busybox containers: `run -d` (the helper left as the monitor, in a
 * session of its own), the k8s-file log and `logs`, `stop`, `kill`, `wait`,
 * `--cidfile`, and a monitor killed with -9.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';

import { describeContainers, fixtures } from '../helpers/fixtures.js';
import { buildTestImages } from '../helpers/images.js';
import { alive, waitForOutput } from '../helpers/processes.js';
import { BURROW, expectOneError, lines } from '../helpers/run-cli.js';
import { loadedStore, newStore, type TestStore, waitFor, runDetached as detached } from '../helpers/store.js';

const PLAIN = 'localhost/plain:latest';
let store: TestStore;
let imagesDir: { plainOci: string };

/** Field `n` (1-based, as proc(5) counts) of /proc/PID/stat. */
function statField(pid: number, n: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[n - 3] as string;
}

const runDetached = (...args: string[]): Promise<string> => detached(store, ...args);

function monitorPid(id: string): number {
  return Number(readFileSync(join(store.data, 'containers', id, 'monitor'), 'utf8').split(' ')[0]);
}

async function status(name: string): Promise<string> {
  return lines((await store.run(['ps', '-a', '--format', '{{.Names}} {{.Status}}'])).stdout).find((l) => l.startsWith(`${name} `)) ?? '';
}

async function exited(name: string): Promise<void> {
  await waitFor(`${name} to exit`, async () => (await store.run(['inspect', '--format', '{{.State.Status}}', name])).stdout.trim() === 'exited');
}

describeContainers('detached containers', () => {
  beforeAll(async () => {
    const images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-lifecycle'));
    imagesDir = images;
    store = await loadedStore('lifecycle', images.plainOci);
  });

  describe('run -d', () => {
    it('prints the full id and returns while the container runs, its monitor in a session of its own with no terminal', async () => {
      const started = Date.now();
      const id = await runDetached('--name', 'bg-sleep', PLAIN, 'sleep', '30');
      expect(Date.now() - started).toBeLessThan(10_000);
      const monitor = monitorPid(id);
      expect(alive(monitor)).toBe(true);
      expect(Number(statField(monitor, 6))).toBe(monitor); // session id: its own
      expect(statField(monitor, 7)).toBe('0'); // no controlling terminal
      expect((await store.run(['inspect', '--format', '{{.State.Status}} {{.State.Running}}', 'bg-sleep'])).stdout).toBe('running true\n');
      expect((await store.run(['rm', '-f', '-t', '0', 'bg-sleep'])).exitCode).toBe(0);
      expect(alive(monitor)).toBe(false);
    });

    it('a foreground run whose helper is missing: one `Error:` line and 125, not an end by its own --rm clean-up\'s signal; the --rm container gone', async () => {
      const helper = join(fixtures().dir, 'no-such-helper');
      const r = await store.run(['run', '--rm', '--name', 'no-helper', '--network', 'none', PLAIN, 'true'], { env: { BURROW_HELPER: helper } });
      expect(r.signal ?? null).toBe(null);
      expect(r.exitCode).toBe(125);
      expect(r.stderr).toMatch(new RegExp(`^Error: exec helper \`${helper}\`: errno 2 [^\\n]*\\n$`));
      expect((await store.run(['container', 'exists', 'no-helper'])).exitCode).toBe(1);
      // Without --rm, it stays, created (as podman leaves a container whose start failed).
      const kept = await store.run(['run', '--name', 'no-helper-kept', '--network', 'none', PLAIN, 'true'], { env: { BURROW_HELPER: helper } });
      expect(kept.exitCode).toBe(125);
      expect((await store.run(['inspect', '--format', '{{.State.Status}}', 'no-helper-kept'])).stdout).toBe('created\n');
      expect((await store.run(['rm', 'no-helper-kept'])).exitCode).toBe(0);
    });

    it('outlives the shell that started it, and the SIGHUP sent to that shell\'s group', async () => {
      const idFile = join(fixtures().dir, 'hup-id');
      // The shell runs burrow, then hangs up its own process group (as a closing terminal does) and dies of it.
      const sh = await execa('setsid', ['sh', '-c', `"$0" run -d --name survivor ${PLAIN} sleep 30 > "$1"; kill -HUP 0; sleep 5`, BURROW, idFile], {
        env: store.env,
        reject: false,
        timeout: 20_000,
      });
      expect(sh.signal).toBe('SIGHUP');
      const id = readFileSync(idFile, 'utf8').trim();
      expect(alive(monitorPid(id))).toBe(true);
      expect(await status('survivor')).toMatch(/^survivor Up /);
      expect((await store.run(['rm', '-f', '-t', '0', 'survivor'])).exitCode).toBe(0);
    });

    it('a command that is not there: 127 and podman\'s words; one that cannot run: 126; the container is kept', async () => {
      const missing = await store.run(['run', '-d', '--name', 'bg-missing', PLAIN, '/nonexistent']);
      expect(missing.exitCode).toBe(127);
      expect(missing.stdout).toBe('');
      expect(missing.stderr).toBe('Error: executable file `/nonexistent` not found: No such file or directory\n');
      const notExec = await store.run(['run', '-d', '--name', 'bg-noexec', PLAIN, '/etc/passwd']);
      expect(notExec.exitCode).toBe(126);
      expect(await status('bg-missing')).toMatch(/^bg-missing Exited \(127\)/);
      expect((await store.run(['rm', 'bg-missing', 'bg-noexec'])).exitCode).toBe(0);
    });

    it('--cidfile: the id written; a file that is there already refuses the run and makes no container; stop --cidfile reads it', async () => {
      const file = join(fixtures().dir, 'cid-run');
      const id = await runDetached('--cidfile', file, '--name', 'cid', PLAIN, 'sleep', '30');
      expect(readFileSync(file, 'utf8')).toBe(id);
      const before = (await store.run(['ps', '-a', '-q'])).stdout;
      const again = await store.run(['run', '-d', '--cidfile', file, PLAIN, 'true']);
      expectOneError(again, /^Error: container id file `.*cid-run` exists: make sure no other container uses it, or delete it$/);
      expect((await store.run(['ps', '-a', '-q'])).stdout).toBe(before);
      const stop = await store.run(['stop', '-t', '0', '--cidfile', file]);
      expect(stop.stdout).toBe(`${id}\n`);
      expect(stop.exitCode).toBe(0);
      expect((await store.run(['rm', id])).exitCode).toBe(0);
    });

    it("inspect: its monitor as ConmonPid while it runs, its log, its mounts, as podman's document has them", async () => {
      const dir = join(fixtures().dir, 'inspect-bind');
      mkdirSync(dir, { recursive: true });
      const id = await runDetached('--name', 'inspected', '-v', `${dir}:/data:ro`, '--tmpfs', '/scratch:size=1m', '--log-opt', 'max-size=1m', PLAIN, 'sleep', '30');
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON read back from the CLI
      const [doc] = JSON.parse((await store.run(['inspect', 'inspected'])).stdout) as Record<string, any>[];
      expect(doc?.State.ConmonPid).toBe(monitorPid(id));
      expect(doc?.LogPath).toBe(join(store.data, 'containers', id, 'ctr.log'));
      expect(doc?.HostConfig.LogConfig).toMatchObject({ Type: 'k8s-file', Path: doc?.LogPath, Size: '1048576B' });
      expect(doc?.Mounts).toEqual([
        expect.objectContaining({ Type: 'bind', Source: dir, Destination: '/data', RW: false }),
        expect.objectContaining({ Type: 'tmpfs', Destination: '/scratch', Options: ['size=1m'], RW: true }),
      ]);
      expect((await store.run(['rm', '-f', '-t', '0', 'inspected'])).exitCode).toBe(0);
    });

    it('--rootfs cannot be detached, restarted or health-checked: no record to find it by', async () => {
      expectOneError(await store.run(['run', '-d', '--rootfs', fixtures().rootfs, 'true']), /^Error: --detach needs an image/);
      // What only a record and a monitor can carry out is refused, never silently dropped.
      expectOneError(await store.run(['run', '--rootfs', fixtures().rootfs, '--restart', 'always', 'true']), /^Error: --restart needs an image/);
      expectOneError(await store.run(['run', '--rootfs', fixtures().rootfs, '--health-cmd', 'true', 'true']), /^Error: --health-cmd and the other healthcheck options need an image/);
      expectOneError(await store.run(['run', '--rootfs', fixtures().rootfs, '--no-healthcheck', 'true']), /healthcheck options need an image/);
    });
  });

  describe('logs', () => {
    it("keeps stdout and stderr apart, in podman's k8s-file format, and prints each on its own stream", async () => {
      const id = await runDetached('--name', 'log1', PLAIN, 'sh', '-c', 'echo one; echo two >&2; printf three; sleep 0.2; echo " end"');
      await exited('log1');
      const file = readFileSync(join(store.data, 'containers', id, 'ctr.log'), 'utf8');
      expect(file).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d stdout F one\n/);
      expect(file).toMatch(/ stderr F two\n/);
      expect(file).toMatch(/ stdout P three\n[^]* stdout F {2}end\n$/);
      const logs = await store.run(['logs', 'log1']);
      expect(logs.stdout).toBe('one\nthree end\n');
      expect(logs.stderr).toBe('two\n');
      expect(logs.exitCode).toBe(0);

      const stamped = await store.run(['logs', '-t', 'log1']);
      expect(lines(stamped.stdout)[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d) one$/);
      // The last whole line; whether its first part is in the tail depends on which pipe the monitor read first.
      expect(['three end\n', ' end\n']).toContain((await store.run(['logs', '--tail', '1', 'log1'])).stdout);
      expect((await store.run(['logs', '--tail', '0', 'log1'])).stdout).toBe('');
      expect((await store.run(['logs', '--since', '2999-01-01T00:00:00Z', 'log1'])).stdout).toBe('');
      expect((await store.run(['logs', '--until', '1h', 'log1'])).stdout).toBe('');
      expect((await store.run(['logs', '--since', '1h', 'log1'])).stdout).toBe('one\nthree end\n');
      expect((await store.run(['logs', '--names', 'log1'])).stdout).toBe('log1 one\nlog1 three end\n');
    });

    it('a reader that goes away early (logs -t CTR | head, events | head) ends burrow quietly, with status 0', async () => {
      // 4 MB in one line: logs -t (LogReader's path, not the helper's) fills the pipe before head goes away.
      await runDetached('--name', 'headed', PLAIN, 'sh', '-c', 'head -c 4000000 /dev/zero | tr "\\0" a');
      await exited('headed');
      for (const args of [['logs', '-t', 'headed'], ['logs', '--tail', '1', 'headed'], ['logs', 'headed'], ['events', '--stream=false'], ['events', '--since', '1h']]) {
        // (events --since streams on after the past ones: it must end when its reader does, not run on for ever)
        const early = await execa('sh', ['-c', '{ "$0" "$@"; echo "status $?" >&2; } | head -c 10 >/dev/null', BURROW, ...args], { env: store.env, reject: false, timeout: 20_000 });
        expect(early.stderr, args.join(' ')).toBe('status 0');
      }
    });

    it('several containers: each line begins with its short id; --tail counts per container', async () => {
      const a = await runDetached('--name', 'multi-a', PLAIN, 'sh', '-c', 'echo a1; echo a2');
      const b = await runDetached('--name', 'multi-b', PLAIN, 'sh', '-c', 'echo b1; echo b2');
      await exited('multi-a');
      await exited('multi-b');
      const r = await store.run(['logs', '--tail', '1', 'multi-a', 'multi-b']);
      expect(lines(r.stdout)).toEqual([`${a.slice(0, 12)} a2`, `${b.slice(0, 12)} b2`]);
    });

    it('-f follows what is written and ends when the container does', async () => {
      await runDetached('--name', 'follow', PLAIN, 'sh', '-c', 'for i in 1 2 3; do echo line-$i; sleep 0.3; done');
      const started = Date.now();
      const r = await store.run(['logs', '-f', 'follow']);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toBe('line-1\nline-2\nline-3\n');
      expect(Date.now() - started).toBeGreaterThan(300);
    });

    it('--log-opt max-size: the log starts again empty when it would outgrow it, and logs -f follows it into the new file', async () => {
      const id = await runDetached('--name', 'rotating', '--log-opt', 'max-size=1k', PLAIN, 'sh', '-c', 'i=0; while [ $i -lt 100 ]; do echo line-$i; i=$((i+1)); done; sleep 0.5; echo last');
      const follow = store.run(['logs', '-f', 'rotating']);
      await exited('rotating');
      const log = join(store.data, 'containers', id, 'ctr.log');
      expect(statSync(log).size).toBeLessThanOrEqual(1024);
      const all = lines((await store.run(['logs', 'rotating'])).stdout);
      expect(all.length).toBeLessThan(100);
      expect(all.at(-1)).toBe('last');
      const followed = lines((await follow).stdout);
      expect(followed.at(-1)).toBe('last');
      expect(existsSync(`${log}.tmp`)).toBe(false);
    });

    it('--log-driver none keeps nothing, and logs says so; passthrough writes to the stdout of the run', async () => {
      const id = await runDetached('--name', 'quiet', '--log-driver', 'none', PLAIN, 'echo', 'dropped');
      await exited('quiet');
      expect(existsSync(join(store.data, 'containers', id, 'ctr.log'))).toBe(false);
      expectOneError(await store.run(['logs', 'quiet']), /^Error: container quiet uses the none log driver: it keeps no log to read$/);
      const pass = await store.run(['run', '-d', '--name', 'pass', '--log-driver', 'passthrough', PLAIN, 'echo', 'passed']);
      expect(pass.exitCode).toBe(0);
      expect(lines(pass.stdout).sort()).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/), 'passed'].sort());
      expectOneError(await store.run(['run', '-d', '-t', '--log-driver', 'passthrough', PLAIN, 'true']), /^Error: the passthrough log driver cannot be used with a terminal/);
    });

    it('bad input: one clear line, 125, and no container made', async () => {
      const before = (await store.run(['ps', '-a', '-q'])).stdout;
      expectOneError(await store.run(['run', '-d', '--log-driver', 'journald', PLAIN, 'true']), /^Error: log driver `journald` is not supported/);
      expectOneError(await store.run(['run', '-d', '--log-opt', 'max-size=lots', PLAIN, 'true']), /^Error: invalid log size `lots`/);
      expectOneError(await store.run(['create', '--log-opt', 'color=red', PLAIN, 'true']), /^Error: unknown log option `color`/);
      expect((await store.run(['ps', '-a', '-q'])).stdout).toBe(before);
      expectOneError(await store.run(['logs', '--tail', 'x', 'log1']), /^Error: invalid --tail `x`/);
      expectOneError(await store.run(['logs', '--since', 'yesterday', 'log1']), /^Error: invalid --since time `yesterday`/);
      expectOneError(await store.run(['logs', 'no-such']), /^Error: no container with name or ID "no-such" found/);
    });
  });

  describe('stop, kill, wait', () => {
    it('--stop-signal and --stop-timeout: stop (no -t) sends the signal and waits that long; inspect shows both; bad values make nothing', async () => {
      await runDetached('--name', 'usr1', '--stop-signal', 'usr1', PLAIN, 'sh', '-c', 'trap "echo got USR1; exit 7" USR1; trap "" TERM; while :; do sleep 0.1; done');
      await runDetached('--name', 'brief', '--stop-timeout', '1', PLAIN, 'sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done');
      expect((await store.run(['inspect', '--format', '{{.Config.StopSignal}} {{.Config.StopTimeout}}', 'usr1', 'brief'])).stdout).toBe('SIGUSR1 10\nSIGTERM 1\n');
      const one = await store.run(['stop', 'usr1']);
      expect(one.stderr).toBe('');
      expect((await store.run(['wait', 'usr1'])).stdout).toBe('7\n');
      expect((await store.run(['logs', 'usr1'])).stdout).toBe('got USR1\n');
      const started = Date.now();
      const two = await store.run(['stop', 'brief']);
      expect(Date.now() - started).toBeLessThan(9000);
      expect(two.stderr).toBe('Warning: StopSignal SIGTERM failed to stop container brief in 1 seconds, resorting to SIGKILL\n');
      expect((await store.run(['wait', 'brief'])).stdout).toBe('137\n');
      const before = (await store.run(['ps', '-a', '-q'])).stdout;
      expectOneError(await store.run(['run', '-d', '--stop-signal', 'SIGFOO', PLAIN, 'true']), /^Error: --stop-signal `SIGFOO` is not a signal/);
      expectOneError(await store.run(['create', '--stop-timeout', '-1', PLAIN, 'true']), /^Error: invalid --stop-timeout `-1`: a number of seconds$/);
      expectOneError(await store.run(['run', '--rm', '--rootfs', fixtures().rootfs, '--stop-timeout', '1', 'true']), /^Error: --stop-signal and --stop-timeout need an image/);
      expect((await store.run(['ps', '-a', '-q'])).stdout).toBe(before);
      expect((await store.run(['rm', 'usr1', 'brief'])).exitCode).toBe(0);
    });

    it('--replace: the container of that name is removed first (stopped with its own timeout), once the image is had; without --name an error', async () => {
      const first = await runDetached('--name', 'svc', '--stop-timeout', '1', PLAIN, 'sleep', '60');
      const again = await store.run(['run', '-d', '--replace', '--name', 'svc', '--pull', 'never', 'localhost/no-such-image', 'true']);
      expect(again.exitCode).toBe(125);
      expect((await store.run(['container', 'exists', first])).exitCode).toBe(0);
      const second = await store.run(['run', '-d', '--replace', '--name', 'svc', '--stop-timeout', '0', PLAIN, 'sleep', '60']);
      expect(second.exitCode, second.stderr).toBe(0);
      expect(second.stderr).toBe('Warning: StopSignal SIGTERM failed to stop container svc in 1 seconds, resorting to SIGKILL\n');
      const id = second.stdout.trim();
      expect(id).not.toBe(first);
      expect((await store.run(['container', 'exists', first])).exitCode).toBe(1);
      expect(lines((await store.run(['ps', '-a', '--no-trunc', '--filter', 'name=^svc$', '--format', '{{.ID}} {{.Status}}'])).stdout)).toEqual([expect.stringMatching(new RegExp(`^${id} Up `))]);
      // create --replace of a created one; run --replace where none has the name
      const made = await store.run(['create', '--replace', '--name', 'svc', PLAIN, 'true']);
      expect(made.exitCode, made.stderr).toBe(0);
      expect((await store.run(['container', 'exists', id])).exitCode).toBe(1);
      const fresh = await store.run(['run', '--rm', '--replace', '--name', 'nobody-had-it', PLAIN, 'true']);
      expect(fresh.exitCode, fresh.stderr).toBe(0);
      expectOneError(await store.run(['create', '--replace', PLAIN, 'true']), /^Error: cannot replace container without --name being set$/);
      expectOneError(await store.run(['run', '--replace', PLAIN, 'true']), /^Error: cannot replace container without --name being set$/);
      expect((await store.run(['rm', 'svc'])).exitCode).toBe(0);
    });

    it('stop: a container that ignores SIGTERM is killed after -t, with podman\'s warning; wait, ps and inspect agree on 137', async () => {
      await runDetached('--name', 'stubborn', PLAIN, 'sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done');
      const started = Date.now();
      const stop = await store.run(['stop', '-t', '1', 'stubborn']);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(stop.stdout).toBe('stubborn\n');
      expect(stop.stderr).toBe('Warning: StopSignal SIGTERM failed to stop container stubborn in 1 seconds, resorting to SIGKILL\n');
      expect(stop.exitCode).toBe(0);
      expect((await store.run(['wait', 'stubborn'])).stdout).toBe('137\n');
      expect(await status('stubborn')).toMatch(/^stubborn Exited \(137\) /);
      expect((await store.run(['inspect', '--format', '{{.State.ExitCode}}', 'stubborn'])).stdout).toBe('137\n');
    });

    it('stop: a container that handles SIGTERM ends at once; stop of one not running prints it; of a missing one fails', async () => {
      await runDetached('--name', 'polite', PLAIN, 'sh', '-c', 'trap "exit 7" TERM; while :; do sleep 0.1; done');
      const started = Date.now();
      const stop = await store.run(['stop', 'polite']);
      expect(stop.stderr).toBe('');
      expect(Date.now() - started).toBeLessThan(5000);
      expect((await store.run(['wait', 'polite'])).stdout).toBe('7\n');
      const again = await store.run(['stop', 'polite']);
      expect([again.stdout, again.exitCode]).toEqual(['polite\n', 0]);
      const missing = await store.run(['stop', 'no-such', 'polite']);
      expect(missing.stdout).toBe('polite\n');
      expect(missing.stderr).toBe('Error: no container with name or ID "no-such" found: no such container\n');
      expect(missing.exitCode).toBe(125);
      expect((await store.run(['stop', '--ignore', 'no-such'])).exitCode).toBe(0);
    });

    it('kill: SIGKILL by default, a signal by name or number, refused for a container not running or a bad signal', async () => {
      await runDetached('--name', 'k1', PLAIN, 'sh', '-c', 'trap "exit 9" HUP; while :; do sleep 0.1; done');
      expect((await store.run(['kill', '-s', 'hup', 'k1'])).stdout).toBe('k1\n');
      expect((await store.run(['wait', 'k1'])).stdout).toBe('9\n');
      await runDetached('--name', 'k2', PLAIN, 'sleep', '30');
      expect((await store.run(['kill', 'k2'])).exitCode).toBe(0);
      expect((await store.run(['wait', 'k2'])).stdout).toBe('137\n');
      await runDetached('--name', 'k3', PLAIN, 'sh', '-c', 'trap "exit 5" USR1; while :; do sleep 0.1; done');
      expect((await store.run(['kill', '--signal', '10', 'k3'])).exitCode).toBe(0);
      expect((await store.run(['wait', 'k3'])).stdout).toBe('5\n');
      expectOneError(await store.run(['kill', 'k3']), /^Error: can only kill running containers: k3 is exited$/);
      expectOneError(await store.run(['kill', '-s', 'SIGBOGUS', 'k3']), /^Error: signal `SIGBOGUS` is not a signal/);
      expectOneError(await store.run(['kill', '-s', '65', 'k3']), /^Error: signal `65` is not a signal/);
    });

    it('a foreground run passes on the signals it gets, real-time ones too (34, which the C libraries keep near), with and without --init', async () => {
      // The helper's monitor blocks and forwards them, and --init's PID 1 passes them on: a signal either missed is
      // one that kills the monitor (a real-time signal's default) or is lost; the container ends with the trap's code.
      for (const init of [[], ['--init']]) {
        const fg = store.spawn(['run', '--rm', ...init, PLAIN, 'sh', '-c', 'trap "exit 34" 34; trap "exit 40" 40; echo up; while :; do sleep 0.1; done']);
        await waitForOutput(fg, 'up');
        process.kill(fg.pid as number, 34);
        expect([(await fg).exitCode, init]).toEqual([34, init]);
        const again = store.spawn(['run', '--rm', ...init, PLAIN, 'sh', '-c', 'trap "exit 40" 40; echo up; while :; do sleep 0.1; done']);
        await waitForOutput(again, 'up');
        process.kill(again.pid as number, 40);
        expect([(await again).exitCode, init]).toEqual([40, init]);
      }
    });

    it('wait: the exit codes in the order given; -1 for a condition met that is not an end; bad conditions refused', async () => {
      await runDetached('--name', 'w1', PLAIN, 'sh', '-c', 'sleep 0.3; exit 3');
      await runDetached('--name', 'w2', PLAIN, 'sh', '-c', 'exit 4');
      const w = await store.run(['wait', 'w1', 'w2']);
      expect([w.stdout, w.exitCode]).toEqual(['3\n4\n', 0]);
      await runDetached('--name', 'w3', PLAIN, 'sleep', '30');
      expect((await store.run(['wait', '--condition', 'running', 'w3'])).stdout).toBe('-1\n');
      expectOneError(await store.run(['wait', '--condition', 'healthy', 'w3']), /^Error: cannot wait for condition `healthy`/);
      expectOneError(await store.run(['wait', '--interval', 'soon', 'w3']), /^Error: invalid argument "soon" for "--interval" flag/);
      const missing = await store.run(['wait', 'no-such']);
      expect([missing.stdout, missing.exitCode]).toEqual(['', 125]);
      expect((await store.run(['wait', '--ignore', 'no-such'])).exitCode).toBe(0);
      expect((await store.run(['rm', '-f', '-t', '0', 'w3'])).exitCode).toBe(0);
    });

    it('a monitor killed with -9: the container is gone with it, shows as Exited (137), and can be removed', async () => {
      const id = await runDetached('--name', 'orphan', PLAIN, 'sleep', '30');
      const monitor = monitorPid(id);
      process.kill(monitor, 'SIGKILL');
      await waitFor('the monitor to end', () => !alive(monitor));
      expect(await status('orphan')).toMatch(/^orphan Exited \(137\)/);
      expect((await store.run(['wait', 'orphan'])).stdout).toBe('137\n');
      expect((await store.run(['rm', 'orphan'])).exitCode).toBe(0);
    });

    it('stop -a stops every running container and only those', async () => {
      const one = await runDetached('--name', 'all-1', PLAIN, 'sleep', '30');
      const two = await runDetached('--name', 'all-2', PLAIN, 'sleep', '30');
      const r = await store.run(['stop', '-a', '-t', '0']);
      // the running ones (these two, and any another test left running), never one that had exited
      expect(lines(r.stdout)).toEqual(expect.arrayContaining([one, two]));
      expect(lines(r.stdout)).not.toContain((await store.run(['inspect', '--format', '{{.Id}}', 'k1'])).stdout.trim());
      expect(r.exitCode).toBe(0);
      expect((await store.run(['ps', '-q'])).stdout).toBe('');
    });
  });

  describe('restart, rename, container exists, container prune', () => {
    it('--pidfile: the monitor writes the container\'s pid at each start (inspect PidFile and State.Pid), a relative path taken at create; a missing directory makes nothing', async () => {
      const dir = mkdtempSync(join(fixtures().dir, 'pidfile-'));
      const file = join(dir, 'ctr.pid');
      await runDetached('--name', 'pidded', '--pidfile', file, PLAIN, 'sleep', '300');
      const shown = async (): Promise<string[]> => (await store.run(['inspect', '--format', '{{.State.Pid}} {{.PidFile}}', 'pidded'])).stdout.trim().split(' ');
      const [first, path] = await shown();
      expect(path).toBe(file);
      await waitFor('the pid file', () => existsSync(file) && readFileSync(file, 'utf8') === `${first}\n`);
      expect((await store.run(['restart', '-t', '0', 'pidded'])).exitCode).toBe(0);
      const [second] = await shown();
      expect(second).not.toBe(first);
      await waitFor('the pid file of the second start', () => readFileSync(file, 'utf8') === `${second}\n`);
      expect((await store.run(['rm', '-f', '-t', '0', 'pidded'])).exitCode).toBe(0);
      // Relative: from create's directory, whatever the start's; a foreground run writes it too.
      const made = await store.run(['create', '--name', 'relpid', '--pidfile', 'rel.pid', PLAIN, 'true'], { cwd: dir });
      expect(made.exitCode, made.stderr).toBe(0);
      expect((await store.run(['inspect', '--format', '{{.PidFile}}', 'relpid'])).stdout).toBe(`${join(dir, 'rel.pid')}\n`);
      expect((await store.run(['start', '-a', 'relpid'], { cwd: fixtures().dir })).exitCode).toBe(0);
      expect(readFileSync(join(dir, 'rel.pid'), 'utf8')).toMatch(/^[1-9]\d*\n$/);
      expect((await store.run(['rm', 'relpid'])).exitCode).toBe(0);
      const before = (await store.run(['ps', '-aq'])).stdout;
      const bad = await store.run(['create', '--pidfile', join(dir, 'no-such-dir', 'x.pid'), PLAIN, 'true']);
      expectOneError(bad, new RegExp(`^Error: --pidfile \`${join(dir, 'no-such-dir', 'x.pid')}\`: its directory \`${join(dir, 'no-such-dir')}\` does not exist$`));
      expect(bad.exitCode).toBe(125);
      expect((await store.run(['ps', '-aq'])).stdout).toBe(before);
    });

    it('create fixes what it takes from its directory and environment, as podman: a relative -v, --env-file (read then; gone since), -e NAME, the proxies; a start from elsewhere runs the same container', async () => {
      const made = mkdtempSync(join(fixtures().dir, 'fixed-'));
      mkdirSync(join(made, 'data'));
      writeFileSync(join(made, 'data', 'f'), 'made here\n');
      writeFileSync(join(made, 'vars.env'), 'FROM_FILE=file\nFROM_SHELL_IN_FILE\n');
      const script = 'cat /d/f; echo $FROM_FILE $FROM_SHELL_IN_FILE $FROM_SHELL $http_proxy';
      const c = await store.run(['create', '--name', 'fixed', '-v', './data:/d', '--env-file', 'vars.env', '-e', 'FROM_SHELL', PLAIN, 'sh', '-c', script], {
        cwd: made,
        env: { FROM_SHELL: 'create', FROM_SHELL_IN_FILE: 'create-file', http_proxy: 'http://create.invalid:3128' },
      });
      expect(c.exitCode, c.stderr).toBe(0);
      rmSync(join(made, 'vars.env'));
      const elsewhere = mkdtempSync(join(fixtures().dir, 'elsewhere-'));
      mkdirSync(join(elsewhere, 'data'));
      writeFileSync(join(elsewhere, 'data', 'f'), 'elsewhere\n');
      const s = await store.run(['start', '-a', 'fixed'], { cwd: elsewhere, env: { FROM_SHELL: 'start', FROM_SHELL_IN_FILE: 'start', http_proxy: 'http://start.invalid:3128' } });
      expect([s.stderr, lines(s.stdout)]).toEqual(['', ['made here', 'file create-file create http://create.invalid:3128']]);
      const env = JSON.parse((await store.run(['inspect', '--format', '{{json .Config.Env}}', 'fixed'])).stdout) as string[];
      expect(env).toEqual(expect.arrayContaining(['FROM_FILE=file', 'FROM_SHELL_IN_FILE=create-file', 'FROM_SHELL=create']));
      const mounts = JSON.parse((await store.run(['inspect', '--format', '{{json .Mounts}}', 'fixed'])).stdout) as { Source: string }[];
      expect(mounts.map((m) => m.Source)).toEqual([join(made, 'data')]);
      expect((await store.run(['rm', 'fixed'])).exitCode).toBe(0);
    });

    it('restart: a new monitor runs the same container again; one that had exited is started; a --rm one is not removed', async () => {
      const id = await runDetached('--name', 'again', PLAIN, 'sh', '-c', 'echo run >> /tmp/runs; cat /tmp/runs | wc -l; exec sleep 30');
      await waitFor('the first run', async () => (await store.run(['logs', 'again'])).stdout === '1\n');
      const first = monitorPid(id);
      const r = await store.run(['restart', '-t', '0', 'again']);
      expect([r.stdout, r.stderr, r.exitCode]).toEqual(['again\n', '', 0]);
      expect(alive(first)).toBe(false);
      expect(alive(monitorPid(id))).toBe(true);
      // The same writable layer: the second run sees what the first wrote.
      await waitFor('the second run', async () => (await store.run(['logs', 'again'])).stdout === '1\n2\n');
      expect((await store.run(['stop', '-t', '0', 'again'])).exitCode).toBe(0);
      expect((await store.run(['restart', 'again'])).exitCode).toBe(0);
      expect(await status('again')).toMatch(/^again Up /);
      const rm = await runDetached('--rm', '--name', 'again-rm', PLAIN, 'sleep', '30');
      expect((await store.run(['restart', '-t', '0', 'again-rm'])).exitCode).toBe(0);
      expect(await status('again-rm')).toMatch(/^again-rm Up /);
      expect((await store.run(['stop', '-t', '0', 'again-rm'])).exitCode).toBe(0);
      await waitFor('the --rm container to go', () => !existsSync(join(store.data, 'containers', rm)));
      expect((await store.run(['rm', '-f', '-t', '0', 'again'])).exitCode).toBe(0);
      expectOneError(await store.run(['restart', 'no-such']), /^Error: no container with name or ID "no-such" found: no such container$/);
    });

    it('rename: a running container keeps running under its new name; its old name is free; a taken or bad name is refused', async () => {
      const id = await runDetached('--rm', '--name', 'old-name', PLAIN, 'sleep', '30');
      const r = await store.run(['rename', 'old-name', 'new-name']);
      expect([r.stdout, r.stderr, r.exitCode]).toEqual(['', '', 0]);
      expect(await status('new-name')).toMatch(/^new-name Up /);
      expect((await store.run(['container', 'exists', 'old-name'])).exitCode).toBe(1);
      // The old name can be taken at once; the --rm clean-up of the renamed container leaves it alone.
      expect((await store.run(['create', '--name', 'old-name', PLAIN, 'true'])).exitCode).toBe(0);
      expectOneError(await store.run(['rename', 'new-name', 'old-name']), /^Error: the container name "old-name" is already in use by [0-9a-f]{64}/);
      expectOneError(await store.run(['rename', 'new-name', 'bad/name']), /^Error: container name `bad\/name` is invalid/);
      expect((await store.run(['stop', '-t', '0', 'new-name'])).exitCode).toBe(0);
      await waitFor('the --rm container to go', () => !existsSync(join(store.data, 'containers', id)));
      expect((await store.run(['container', 'exists', 'new-name'])).exitCode).toBe(1);
      expect((await store.run(['container', 'exists', 'old-name'])).exitCode).toBe(0);
      expect((await store.run(['rm', 'old-name'])).exitCode).toBe(0);
    });

    it("two commands on one container take turns: a start waits while another holds the container's lock; concurrent starts make one container", async () => {
      const marker = String(30_000 + Math.floor(Math.random() * 1000));
      const id = (await store.run(['create', '--name', 'twice', PLAIN, 'sleep', marker])).stdout.trim();
      // Another command's turn, played by flock(1) on the container's lock.
      const held = join(fixtures().dir, `held-${marker}`);
      const holder = execa('flock', [join(store.data, 'containers', id, 'lock'), '-c', `touch ${held}; sleep 1.5`]);
      await waitFor('the lock to be held', () => existsSync(held));
      const starting = store.run(['start', 'twice']);
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(await status('twice')).toMatch(/^twice Created/);
      await holder;
      expect((await starting).exitCode).toBe(0);
      expect(await status('twice')).toMatch(/^twice Up /);
      const sleepers = () =>
        readdirSync('/proc').filter((p) => {
          try {
            return /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, 'utf8') === `sleep\0${marker}\0`;
          } catch {
            return false;
          }
        });
      const again = await Promise.all([store.run(['start', 'twice']), store.run(['start', 'twice'])]);
      expect(again.map((r) => r.exitCode)).toEqual([0, 0]);
      expect(sleepers()).toHaveLength(1);
      expect((await store.run(['rm', '-f', '-t', '0', 'twice'])).exitCode).toBe(0);
      await waitFor('no container process', () => sleepers().length === 0);
    });

    it('container exists: 0 for a name, id or id prefix, 1 for none, printing nothing', async () => {
      const id = await runDetached('--name', 'present', PLAIN, 'true');
      for (const ref of ['present', id, id.slice(0, 8)]) expect((await store.run(['container', 'exists', ref])).exitCode).toBe(0);
      const none = await store.run(['container', 'exists', 'absent']);
      expect([none.stdout, none.stderr, none.exitCode]).toEqual(['', '', 1]);
      expect((await store.run(['container', 'exists', ''])).exitCode).not.toBe(0);
      expect((await store.run(['rm', '-f', 'present'])).exitCode).toBe(0);
    });

    it('container prune: asks first; removes every container not running, with --filter until, and prints their ids', async () => {
      const p = newStore('container-prune');
      expect((await p.run(['load', '-q', '-i', imagesDir.plainOci])).exitCode).toBe(0);
      const created = (await p.run(['create', '--name', 'made', PLAIN, 'true'])).stdout.trim();
      const exitedId = (await p.run(['run', '--name', 'done', PLAIN, 'true'])).exitCode === 0 ? (await p.run(['inspect', '--format', '{{.Id}}', 'done'])).stdout.trim() : '';
      const up = await p.run(['run', '-d', '--name', 'up', PLAIN, 'sleep', '30']);
      const question = 'WARNING! This will remove all non running containers.\nAre you sure you want to continue? [y/N] ';
      const no = await p.run(['container', 'prune'], { input: 'n\n' });
      expect([no.stdout, no.exitCode]).toEqual([question, 0]);
      expect((await p.run(['container', 'prune', '-f', '--filter', 'until=1h'])).stdout).toBe('');
      const yes = await p.run(['container', 'prune'], { input: 'y\n' });
      expect(yes.stdout).toBe(`${question}${[created, exitedId].join('\n')}\n`);
      expect(lines((await p.run(['ps', '-a', '-q', '--no-trunc'])).stdout)).toEqual([up.stdout.trim()]);
      expectOneError(await p.run(['container', 'prune', '-f', '--filter', 'label=x']), /^Error: invalid filter `label=x`/);
      expect((await p.run(['rm', '-f', '-t', '0', 'up'])).exitCode).toBe(0);
    });
  });

  describe('ps', () => {
    let p: TestStore;
    const names = async (...args: string[]) => lines((await p.run(['ps', ...args, '--format', '{{.Names}}'])).stdout);
    beforeAll(async () => {
      p = newStore('ps');
      expect((await p.run(['load', '-q', '-i', imagesDir.plainOci])).exitCode).toBe(0);
      for (const [name, code] of [['one', '1'], ['zero', '0']]) expect((await p.run(['run', '--name', name as string, PLAIN, 'sh', '-c', `exit ${code}`])).exitCode).toBe(Number(code));
      expect((await p.run(['run', '--name', 'big', PLAIN, 'dd', 'if=/dev/zero', 'of=/big', 'bs=1024', 'count=200'])).exitCode).toBe(0);
      expect((await p.run(['run', '-d', '--name', 'up', PLAIN, 'sleep', '60'])).exitCode).toBe(0);
      expect((await p.run(['create', '--name', 'made', PLAIN, 'true'])).exitCode).toBe(0);
    });

    it('newest first; -a, -l, -n N, --external; a status or exited filter looks at every container', async () => {
      expect(await names()).toEqual(['up']);
      expect(await names('-a')).toEqual(['made', 'up', 'big', 'zero', 'one']);
      expect(await names('--external')).toEqual(['made', 'up', 'big', 'zero', 'one']);
      expect(await names('-l')).toEqual(['made']);
      expect(await names('-n', '2')).toEqual(['made', 'up']);
      expect(await names('--filter', 'status=exited')).toEqual(['big', 'zero', 'one']);
      expect(await names('--filter', 'status=created', '--filter', 'status=running')).toEqual(['made', 'up']);
      expect(await names('--filter', 'exited=1')).toEqual(['one']);
    });

    it('--filter id, name (a regular expression), ancestor, before, since, label; different keys must all match', async () => {
      const id = (await p.run(['inspect', '--format', '{{.Id}}', 'zero'])).stdout.trim();
      expect(await names('-a', '--filter', `id=${id.slice(0, 10)}`)).toEqual(['zero']);
      expect(await names('-a', '--filter', 'name=^[oz]')).toEqual(['zero', 'one']);
      expect(await names('-a', '--filter', 'name=e', '--filter', 'status=exited')).toEqual(['zero', 'one']);
      expect(await names('-a', '--filter', `ancestor=${PLAIN}`)).toHaveLength(5);
      expect(await names('-a', '--filter', 'ancestor=localhost/other')).toEqual([]);
      expect(await names('-a', '--filter', 'before=big')).toEqual(['zero', 'one']);
      expect(await names('-a', '--filter', 'since=big')).toEqual(['made', 'up']);
      expect(await names('-a', '--filter', 'label=no.such.label')).toEqual([]);
      // The image's labels are the container's, as podman's.
      const tarball = join(fixtures().dir, 'ps-labelled.tar');
      expect((await p.run(['export', '-o', tarball, 'zero'])).exitCode).toBe(0);
      expect((await p.run(['import', '-q', '-c', 'LABEL tier=web', '-c', 'CMD ["true"]', tarball, 'localhost/labelled'])).exitCode).toBe(0);
      expect((await p.run(['create', '--name', 'labelled', 'localhost/labelled'])).exitCode).toBe(0);
      expect(await names('-a', '--filter', 'label=tier=web')).toEqual(['labelled']);
      expect(await names('-a', '--filter', 'label=tier')).toEqual(['labelled']);
      expect(await names('-a', '--filter', 'label=tier=db')).toEqual([]);
      expect((await p.run(['rm', 'labelled'])).exitCode).toBe(0);
    });

    it("run and create --label and --label-file: the image's labels with the container's added (its own win), in inspect, ps --filter, {{.Labels}} and json; a bad label or file makes nothing", async () => {
      const tarball = join(fixtures().dir, 'ps-own-labels.tar');
      expect((await p.run(['export', '-o', tarball, 'zero'])).exitCode).toBe(0);
      expect((await p.run(['import', '-q', '-c', 'LABEL tier=web', '-c', 'LABEL from=image', '-c', 'CMD ["true"]', tarball, 'localhost/own-labels'])).exitCode).toBe(0);
      const file = join(fixtures().dir, 'ps-labels.txt');
      writeFileSync(file, '# the team\nteam=infra\n\n  tier=file  \nowner=a=b\n');
      const made = await p.run(['create', '--name', 'own', '--label-file', file, '-l', 'tier=db', '--label', 'solo', 'localhost/own-labels']);
      expect(made.exitCode, made.stderr).toBe(0);
      const ran = await p.run(['run', '--name', 'ownrun', '-l', 'run=yes', 'localhost/own-labels']);
      expect(ran.exitCode, ran.stderr).toBe(0);
      try {
        const want = { tier: 'db', from: 'image', team: 'infra', owner: 'a=b', solo: '' };
        expect(JSON.parse((await p.run(['inspect', '--format', '{{json .Config.Labels}}', 'own'])).stdout)).toEqual(want);
        expect(JSON.parse((await p.run(['inspect', '--format', '{{json .Config.Labels}}', 'ownrun'])).stdout)).toEqual({ tier: 'web', from: 'image', run: 'yes' });
        // (the image's environment, less --unsetenv, in Config.Env)
        const unset = await p.run(['create', '--name', 'unset', '--unsetenv', 'PATH', '-e', 'X=1', PLAIN]);
        expect(unset.exitCode, unset.stderr).toBe(0);
        expect((await p.run(['inspect', '--format', '{{json .Config.Env}}', 'unset', 'zero'])).stdout).toBe('["X=1"]\n["PATH=/bin"]\n');
        expect((await p.run(['rm', 'unset'])).exitCode).toBe(0);
        expect(await names('-a', '--filter', 'label=tier=db')).toEqual(['own']);
        expect(await names('-a', '--filter', 'label=team=infra')).toEqual(['own']);
        expect(await names('-a', '--filter', 'label=solo')).toEqual(['own']);
        expect(await names('-a', '--filter', 'label=tier=web')).toEqual(['ownrun']);
        expect(lines((await p.run(['ps', '-a', '--filter', 'name=^own$', '--format', '{{.Names}} {{.Labels}}'])).stdout)).toEqual(['own map[from:image owner:a=b solo: team:infra tier:db]']);
        const json = JSON.parse((await p.run(['ps', '-a', '--format', 'json', '--filter', 'name=^own'])).stdout) as { Names: string[]; Labels: Record<string, string> | null }[];
        expect(Object.fromEntries(json.map((c) => [c.Names[0], c.Labels]))).toEqual({ own: want, ownrun: { tier: 'web', from: 'image', run: 'yes' } });
        expect(JSON.parse((await p.run(['ps', '-a', '--format', 'json', '--filter', 'name=^zero$'])).stdout)[0].Labels).toBeNull();
        // Bad input: one line, nothing made.
        const before = (await p.run(['ps', '-a', '-q'])).stdout;
        expectOneError(await p.run(['create', '-l', '=x', 'localhost/own-labels']), /^Error: invalid label `=x`: expected KEY=VALUE$/);
        expectOneError(await p.run(['run', '--label-file', join(fixtures().dir, 'no-such-labels'), 'localhost/own-labels']), new RegExp(`^Error: label file \`${join(fixtures().dir, 'no-such-labels')}\`: no such file$`));
        writeFileSync(file, 'ok=1\n=bad\n');
        expectOneError(await p.run(['create', '--label-file', file, 'localhost/own-labels']), new RegExp(`^Error: label file \`${file}\` line 2: \`=bad\` is not KEY=VALUE$`));
        expect((await p.run(['ps', '-a', '-q'])).stdout).toBe(before);
      } finally {
        expect((await p.run(['rm', 'own', 'ownrun'])).exitCode).toBe(0);
      }
    });

    it('--sort, and -s: the writable layer and, with the image, the virtual size', async () => {
      expect(await names('-a', '--sort', 'names')).toEqual(['big', 'made', 'one', 'up', 'zero']);
      const sized = lines((await p.run(['ps', '-a', '-s', '--sort', 'size', '--format', '{{.Names}} {{.Size}}'])).stdout);
      expect(sized.at(-1)).toMatch(/^big 20\d(\.\d+)?kB \(virtual \d+(\.\d+)?MB\)$/);
      expect(sized[0]).toMatch(/^\w+ 0B \(virtual /);
      const table = lines((await p.run(['ps', '-s'])).stdout);
      expect(table[0]).toMatch(/^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES +SIZE$/);
      const json = JSON.parse((await p.run(['ps', '-a', '-s', '--format', 'json', '--filter', 'name=big'])).stdout) as { Size: { rwSize: number; rootFsSize: number } }[];
      expect(json[0]?.Size.rwSize).toBeGreaterThanOrEqual(204800);
    });

    it('a container that exited never shows as ending before it was made', async () => {
      const [created, finished] = (await p.run(['inspect', '--format', '{{.Created}} {{.State.FinishedAt}}', 'zero'])).stdout.trim().split(' ');
      expect(Date.parse(finished as string)).toBeGreaterThanOrEqual(Date.parse(created as string));
      expect((await p.run(['inspect', '--format', '{{.State.FinishedAt}}', 'zero'])).stdout).toMatch(/\.\d{3}/);
    });

    it('bad input: an unknown filter or sort key, a bad status, a bad -n, an unknown container for before: one error, 125', async () => {
      for (const [args, pattern] of [
        [['--filter', 'colour=red'], /^Error: invalid filter "colour=red"/],
        [['--filter', 'status=sleeping'], /^Error: invalid filter "status=sleeping": a status is one of/],
        [['--filter', 'exited=x'], /^Error: invalid filter "exited=x"/],
        [['--filter', 'name=('], /^Error: invalid filter "name=\(": not a regular expression/],
        [['--filter', 'before=nosuch'], /^Error: no container with name or ID "nosuch" found/],
        [['--sort', 'colour'], /^Error: invalid option for --sort `colour`/],
        [['-n', 'many'], /^Error: invalid argument "many" for "-n, --last" flag/],
      ] as [string[], RegExp][]) {
        const r = await p.run(['ps', ...args]);
        expectOneError(r, pattern);
        expect(r.exitCode).toBe(125);
      }
    });
  });

  describe('top', () => {
    it("lists the container's processes, and only its own, as it sees them: pids, parents, users", async () => {
      const id = await runDetached('--name', 'topped', PLAIN, 'sh', '-c', 'sleep 1000 & exec sleep 999');
      await runDetached('--name', 'neighbour', PLAIN, 'sleep', '998');
      await waitFor('both processes', async () => lines((await store.run(['top', 'topped', 'pid'])).stdout).length === 3);
      const r = await store.run(['top', 'topped']);
      expect(r.stderr).toBe('');
      const [header, ...rows] = lines(r.stdout);
      expect(header).toMatch(/^USER +PID +PPID +%CPU +ELAPSED +TTY +TIME +COMMAND$/);
      // TIME: the CPU time as a Go duration, 0s or a few clock ticks (PID 1 was the shell before its exec; CI saw 10ms)
      const cpu = expect.stringMatching(/^(0s|\d{1,3}ms)$/);
      expect(rows.map((row) => row.split(/ {2,}/))).toEqual([
        ['root', '1', '0', expect.stringMatching(/^\d+\.\d{3}$/), expect.stringMatching(/^[\d.]+(ms|s)$/), '?', cpu, 'sleep 999'],
        ['root', '2', '1', expect.stringMatching(/^\d+\.\d{3}$/), expect.stringMatching(/^[\d.]+(ms|s)$/), '?', cpu, 'sleep 1000'],
      ]);
      // a process exec'd as another user: its container uid, and the host's subordinate one
      expect((await store.run(['exec', '-d', '-u', '1000', 'topped', 'sleep', '997'])).exitCode).toBe(0);
      await waitFor('the exec', async () => lines((await store.run(['top', 'topped', 'pid'])).stdout).length === 4);
      const users = lines((await store.run(['top', 'topped', 'pid,user', 'huser', 'hpid', 'args'])).stdout);
      expect(users[0]).toMatch(/^PID +USER +HUSER +HPID +COMMAND$/);
      const exec = users.find((l) => l.endsWith('sleep 997'))?.split(/ +/);
      expect(exec?.slice(0, 2)).toEqual(['3', 'tester']); // named from the container's own /etc/passwd
      if (fixtures().missing.subids === undefined) expect(Number(exec?.[2])).not.toBe(process.getuid?.());
      const first = users.find((l) => l.endsWith('sleep 999'))?.split(/ +/);
      // The container's first process: the monitor's first child (not its pid + 1: other processes take pids meanwhile).
      const monitor = Number(readFileSync(join(store.data, 'containers', id, 'monitor'), 'utf8').split(' ')[0]);
      expect(Number(first?.[3])).toBe(Number(readFileSync(`/proc/${monitor}/task/${monitor}/children`, 'utf8').trim().split(' ')[0]));
      expect((await store.run(['rm', '-f', '-t', '0', 'topped', 'neighbour'])).exitCode).toBe(0);
    });

    it('bad input: an unknown descriptor, a container not running or missing: one error, 125', async () => {
      expect((await store.run(['create', '--name', 'not-top', PLAIN, 'true'])).exitCode).toBe(0);
      for (const [args, pattern] of [
        [['not-top'], /^Error: top can only be used on running containers: container not-top is created$/],
        [['no-such'], /^Error: no container with name or ID "no-such" found/],
        [['not-top', 'pid,colour'], /^Error: unknown descriptor: colour/],
      ] as [string[], RegExp][]) {
        const r = await store.run(['top', ...args]);
        expectOneError(r, pattern);
        expect(r.exitCode).toBe(125);
      }
      expect((await store.run(['rm', 'not-top'])).exitCode).toBe(0);
    });
  });

  describe('events', () => {
    it('a detached container that exits: wait, inspect, ps and events agree on its code; each step is an event', async () => {
      const e = newStore('events');
      expect((await e.run(['load', '-q', '-i', imagesDir.plainOci])).exitCode).toBe(0);
      const id = (await e.run(['run', '-d', '--name', 'ends', PLAIN, 'sh', '-c', 'echo bye; exit 3'])).stdout.trim();
      expect((await e.run(['wait', 'ends'])).stdout).toBe('3\n');
      expect((await e.run(['inspect', '--format', '{{.State.ExitCode}}', 'ends'])).stdout).toBe('3\n');
      expect((await e.run(['ps', '-a', '--format', '{{.ExitCode}} {{.Status}}'])).stdout).toMatch(/^3 Exited \(3\) /);
      const died = JSON.parse((await e.run(['events', '--stream=false', '--format', 'json', '--filter', 'event=died'])).stdout) as Record<string, unknown>;
      expect(died).toMatchObject({ ID: id, Name: 'ends', Image: PLAIN, Status: 'died', Type: 'container', ContainerExitCode: 3 });
      expect(died.Time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d)$/);
      expect((await e.run(['exec', 'ends', 'true'])).exitCode).toBe(125); // not running: no exec event
      expect((await e.run(['rename', 'ends', 'ended'])).exitCode).toBe(0);
      expect((await e.run(['rm', 'ended'])).exitCode).toBe(0);
      const r = await e.run(['events', '--stream=false', '--format', '{{.Type}} {{.Status}} {{.Name}}']);
      expect(lines(r.stdout)).toEqual(['container create ends', 'container start ends', 'container died ends', 'container rename ended', 'container remove ended']);
      const human = lines((await e.run(['events', '--stream=false', '--filter', 'event=died'])).stdout);
      expect(human).toEqual([expect.stringMatching(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(\\.\\d+)? [+-]\\d{4} \\S+ container died ${id} \\(image=localhost/plain:latest, name=ends, containerExitCode=3\\)$`))]);
      expect((await e.run(['events', '--stream=false', '--filter', 'container=nothing'])).stdout).toBe('');
      expect((await e.run(['events', '--stream=false', '--until', '1h', '--format', '{{.Status}}'])).stdout).toBe('');
    });

    it('streams: new events as they come, a --rm container\'s remove included, until --until', async () => {
      const e = newStore('events-stream');
      expect((await e.run(['load', '-q', '-i', imagesDir.plainOci])).exitCode).toBe(0);
      const until = new Date(Date.now() + 8000).toISOString();
      const stream = e.spawn(['events', '--until', until, '--format', '{{.Status}} {{.Name}}'], { timeout: 30_000 });
      let seen = '';
      stream.stdout?.on('data', (c: Buffer) => (seen += c.toString()));
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect((await e.run(['run', '--rm', '--name', 'brief', PLAIN, 'true'])).exitCode).toBe(0);
      await waitFor('the events', () => seen.includes('remove brief'));
      expect(lines(seen)).toEqual(['create brief', 'start brief', 'died brief', 'remove brief']);
      const done = await stream;
      expect(done.exitCode).toBe(0); // ended by --until, not killed
    });

    it('image events: tag, untag and remove, by the image\'s id', async () => {
      const e = newStore('events-image');
      expect((await e.run(['load', '-q', '-i', imagesDir.plainOci])).exitCode).toBe(0);
      const id = (await e.run(['image', 'inspect', '--format', '{{.Id}}', PLAIN])).stdout.trim();
      expect((await e.run(['tag', PLAIN, 'localhost/other:1'])).exitCode).toBe(0);
      expect((await e.run(['untag', PLAIN, 'localhost/other:1'])).exitCode).toBe(0);
      expect((await e.run(['rmi', PLAIN])).exitCode).toBe(0);
      const r = await e.run(['events', '--stream=false', '--filter', 'type=image', '--format', '{{.Status}} {{.ID}} {{.Name}}']);
      expect(lines(r.stdout)).toEqual([`tag ${id} localhost/other:1`, `untag ${id} localhost/other:1`, `remove ${id} `]);
    });

    it('bad input: an unknown filter, a bad time or template: one error, 125', async () => {
      for (const [args, pattern] of [
        [['--filter', 'colour=red'], /^Error: invalid filter "colour=red"/],
        [['--since', 'yesterday-ish'], /^Error: invalid --since time/],
        [['--format', '{{.Status'], /^Error: template: events:/],
      ] as [string[], RegExp][]) {
        const r = await store.run(['events', '--stream=false', ...args]);
        expectOneError(r, pattern);
        expect(r.exitCode).toBe(125);
      }
    });
  });

  describe('restart policies (carried out by the monitor)', () => {
    const inspect = async (name: string, format: string) => (await store.run(['inspect', '--format', format, name])).stdout.trim();

    it('on-failure:3 runs it again three times, with the back-off, then leaves it exited; events and inspect count them', async () => {
      const id = await runDetached('--restart', 'on-failure:3', '--name', 'flaky', PLAIN, 'sh', '-c', 'echo run; exit 1');
      const monitor = monitorPid(id);
      await waitFor('the monitor to give up', () => !alive(monitor), 20_000);
      expect(await inspect('flaky', '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}} {{.HostConfig.RestartPolicy.Name}}')).toBe('exited 1 3 on-failure');
      expect((await store.run(['logs', 'flaky'])).stdout).toBe('run\nrun\nrun\nrun\n');
      const died = lines((await store.run(['events', '--stream=false', '--filter', 'container=flaky', '--filter', 'event=died', '--format', '{{.ContainerExitCode}}'])).stdout);
      expect(died).toEqual(['1', '1', '1', '1']);
      expect((await store.run(['rm', 'flaky'])).exitCode).toBe(0);
    });

    it('on-failure does nothing for an exit of 0; always runs it again until it is stopped, and stop ends it for good', async () => {
      const ok = await runDetached('--restart', 'on-failure', '--name', 'fine', PLAIN, 'true');
      await waitFor('it to end', () => !alive(monitorPid(ok)));
      expect(await inspect('fine', '{{.State.Status}} {{.RestartCount}}')).toBe('exited 0');
      const id = await runDetached('--restart', 'always', '--name', 'forever', PLAIN, 'sh', '-c', 'echo up; sleep 0.2');
      await waitFor('two restarts', async () => Number(await inspect('forever', '{{.RestartCount}}')) >= 2, 20_000);
      expect(alive(monitorPid(id))).toBe(true);
      expect((await store.run(['stop', '-t', '2', 'forever'])).exitCode).toBe(0);
      expect(alive(monitorPid(id))).toBe(false);
      const count = await inspect('forever', '{{.RestartCount}}');
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(await inspect('forever', '{{.State.Status}} {{.RestartCount}}')).toBe(`exited ${count}`);
      expect((await store.run(['rm', 'fine', 'forever'])).exitCode).toBe(0);
    });

    it('while the monitor waits out the back-off, ps says Restarting and inspect State.Restarting; stop ends that', async () => {
      const id = await runDetached('--restart', 'always', '--name', 'bouncing', PLAIN, 'sh', '-c', 'exit 2');
      // Each back-off is twice the last: all three are seen within one sooner or later.
      await waitFor('a back-off in ps', async () => /^bouncing Restarting \(2\) /.test(await status('bouncing')), 20_000);
      await waitFor('a back-off in inspect', async () => (await inspect('bouncing', '{{.State.Status}} {{.State.Restarting}} {{.State.ExitCode}}')) === 'exited true 2', 20_000);
      await waitFor('a back-off in ps --filter', async () => (await store.run(['ps', '-a', '--filter', 'status=restarting', '--format', '{{.Names}}'])).stdout === 'bouncing\n', 20_000);
      expect((await store.run(['stop', 'bouncing'])).exitCode).toBe(0);
      await waitFor('the monitor to end', () => !alive(monitorPid(id)));
      expect(await status('bouncing')).toMatch(/^bouncing Exited \(2\) /);
      expect(await inspect('bouncing', '{{.State.Restarting}}')).toBe('false');
    });

    it('a container killed with burrow kill is not restarted; start resets the count', async () => {
      const id = await runDetached('--restart', 'unless-stopped', '--name', 'killed', PLAIN, 'sleep', '60');
      expect((await store.run(['kill', 'killed'])).exitCode).toBe(0);
      await waitFor('the monitor to end', () => !alive(monitorPid(id)));
      expect(await inspect('killed', '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}')).toBe('exited 137 0');
      expect((await store.run(['start', 'killed'])).exitCode).toBe(0);
      expect(await status('killed')).toMatch(/^killed Up /);
      expect((await store.run(['rm', '-f', '-t', '0', 'killed'])).exitCode).toBe(0);
    });

    it('bad input: an unknown policy, --restart with --rm: one error, 125, no container', async () => {
      for (const [args, pattern] of [
        [['--restart', 'sometimes'], /^Error: invalid restart policy `sometimes`/],
        [['--restart', 'on-failure:x'], /^Error: invalid restart policy `on-failure:x`/],
        [['--restart', 'always', '--rm'], /^Error: the --rm option conflicts with --restart/],
      ] as [string[], RegExp][]) {
        const before = (await store.run(['ps', '-a', '-q'])).stdout;
        const r = await store.run(['run', '-d', ...args, PLAIN, 'true']);
        expectOneError(r, pattern);
        expect((await store.run(['ps', '-a', '-q'])).stdout).toBe(before);
      }
    });
  });
});
