#!/usr/bin/env node
// The lifecycle's figures (issue #17), rootless, against podman on the same busybox image:
//   exec CTR true and start -a CTR: medians of interleaved rounds (target <= 0.4 x podman)
//   the monitor of an idle detached container: its Pss against conmon's (target <= conmon)
//   ps -a with 1,000 containers (target <= 0.2 s)
//   logs of a 100 MB log against cat of the file (target <= 2 x cat)
// Run as an unprivileged user with subordinate ids. BENCH_ROUNDS sets the rounds (20).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { busyboxImageArchive, interleaved, median, output, PODMAN, podmanOverlay, report, rootlessBench, timed } from './lib.mjs';

const burrow = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'burrow.cjs');
const rounds = Number(process.env.BENCH_ROUNDS ?? 20);
const IMAGE = 'localhost/bench-busybox:latest';

const { dir, env } = rootlessBench('lifecycle', ['podman', 'umoci', 'skopeo']);
const B = (...args) => [process.execPath, burrow, ...args];
const P = (...args) => [...PODMAN, ...args];
const out = output;
const pss = (pid) => Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1]);
let podmanLoaded = false;
try {
  const driver = podmanOverlay();
  const archive = busyboxImageArchive(dir, IMAGE);
  timed(B('load', '-i', archive), env);
  timed(P('load', '-i', archive));
  podmanLoaded = true;

  // exec into a running container, and start -a of a created one
  // Both without a network, as podman's (burrow's default is pasta's since the networking issue).
  out(B('run', '-d', '--network', 'none', '--name', 'bench-exec', IMAGE, 'busybox', 'sleep', '3600'), env);
  out(P('run', '-d', '--network', 'none', '--name', 'bench-exec', IMAGE, 'busybox', 'sleep', '3600'));
  out(B('create', '--network', 'none', '--name', 'bench-start', IMAGE, 'true'), env);
  out(P('create', '--network', 'none', '--name', 'bench-start', IMAGE, 'true'));
  const commands = [
    { name: 'burrow exec', argv: B('exec', 'bench-exec', 'true'), env },
    { name: 'podman exec', argv: P('exec', 'bench-exec', 'true') },
    { name: 'burrow start -a', argv: B('start', '-a', 'bench-start'), env },
    { name: 'podman start -a', argv: P('start', '-a', 'bench-start') },
  ];
  const medians = interleaved(commands, { rounds });
  report(`exec CTR true (podman: ${PODMAN.slice(1).join(' ')}, ${driver} storage): medians of ${rounds} interleaved rounds`, commands.slice(0, 2), medians.slice(0, 2), 'podman exec');
  report('start -a CTR (command: true)', commands.slice(2), medians.slice(2), 'podman start -a');
  console.log(`  exec burrow/podman = ${(medians[0] / medians[1]).toFixed(2)}, start -a burrow/podman = ${(medians[2] / medians[3]).toFixed(2)} (target <= 0.40)`);

  // the idle monitor's proportional set size, against conmon's
  const monitor = Number(readFileSync(join(env.XDG_DATA_HOME, 'burrow', 'containers', out(B('inspect', '--format', '{{.Id}}', 'bench-exec'), env), 'monitor'), 'utf8').split(' ')[0]);
  const conmon = Number(out(P('inspect', '--format', '{{.State.ConmonPid}}', 'bench-exec')));
  console.log(`\nidle monitor Pss: burrow's helper ${pss(monitor)} kB, podman's conmon ${pss(conmon)} kB (target <= conmon)`);

  // ps -a with 1,000 containers: copies of one exited container's record
  const containers = join(env.XDG_DATA_HOME, 'burrow', 'containers');
  const names = join(env.XDG_DATA_HOME, 'burrow', 'names');
  const model = out(B('inspect', '--format', '{{.Id}}', 'bench-start'), env);
  const rec = JSON.parse(readFileSync(join(containers, model, 'container.json'), 'utf8'));
  for (let i = 0; i < 1000 - 2; i++) {
    const id = `${i.toString(16).padStart(8, '0')}${model.slice(8)}`;
    mkdirSync(join(containers, id));
    writeFileSync(join(containers, id, 'container.json'), JSON.stringify({ ...rec, id, name: `many-${i}` }));
    writeFileSync(join(containers, id, 'exit'), `0 ${Date.now() / 1000} ${Date.now() / 1000 - 1}\n`);
    cpSync(join(containers, model, 'monitor'), join(containers, id, 'monitor'));
    symlinkSync(id, join(names, `many-${i}`));
  }
  const listed = out(B('ps', '-a', '-q'), env).split('\n').length;
  const ps = median(Array.from({ length: rounds }, () => timed(B('ps', '-a'), env)));
  console.log(`\nps -a with ${listed} containers: ${ps.toFixed(1)} ms (target <= 200 ms)`);

  // logs of a 100 MB log against cat
  out(B('run', '-d', '--network', 'none', '--name', 'bench-logs', IMAGE, 'sh', '-c', 'busybox yes 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz | busybox head -c 100000000'), env);
  out(B('wait', 'bench-logs'), env);
  const log = join(containers, out(B('inspect', '--format', '{{.Id}}', 'bench-logs'), env), 'ctr.log');
  // podman's own k8s-file log of the same output, for `podman logs`
  out(P('run', '-d', '--network', 'none', '--log-driver', 'k8s-file', '--name', 'bench-logs', IMAGE, 'sh', '-c', 'busybox yes 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz | busybox head -c 100000000'));
  out(P('wait', 'bench-logs'));
  const logCommands = [
    { name: 'burrow logs', argv: B('logs', 'bench-logs'), env },
    { name: 'podman logs', argv: P('logs', 'bench-logs') },
    { name: 'cat ctr.log', argv: ['cat', log] },
  ];
  const logRounds = Math.max(3, Math.floor(rounds / 4));
  const logMedians = interleaved(logCommands, { rounds: logRounds, warmup: 1 });
  report(`logs of a ${(statSync(log).size / 1e6).toFixed(0)} MB log (100 MB of output): medians of ${logRounds} rounds`, logCommands, logMedians, 'cat ctr.log');
  console.log(`  logs/cat = ${(logMedians[0] / logMedians[2]).toFixed(2)} (target <= 2); burrow logs/podman logs = ${(logMedians[0] / logMedians[1]).toFixed(2)}`);
} finally {
  spawnSync(process.execPath, [burrow, 'rm', '-a', '-f', '-t', '0'], { env, stdio: 'ignore' });
  if (podmanLoaded) {
    spawnSync(PODMAN[0], [...PODMAN.slice(1), 'rm', '-f', '-t', '0', 'bench-exec', 'bench-start', 'bench-logs'], { stdio: 'ignore' });
    timed(P('rmi', IMAGE));
  }
  spawnSync('unshare', ['--user', '--map-root-user', '--map-auto', 'rm', '-rf', dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}
