#!/usr/bin/env node
// Rootless networking's figures (issue #18), against podman on the same busybox image and the same host:
//   throughput of a large file fetched from a container's busybox httpd through a published port
//     (burrow with pasta and with slirp4netns, podman's default, and the same server on plain loopback);
//   requests per second of small requests (wrk, a new connection each: busybox httpd closes them);
//   the time the default network adds to `run --rm IMAGE true` against --network none, and run against podman's.
// Clients connect from the host's loopback (pasta splices those) and from the host's own address.
// Run as an unprivileged user with subordinate ids. BENCH_ROUNDS sets the rounds (9 transfers, 20 runs).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { busyboxImageArchive, freePort, interleaved, median, output, PODMAN, podmanOverlay, report, rootlessBench, timed } from './lib.mjs';

const burrow = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'burrow.cjs');
const rounds = Number(process.env.BENCH_ROUNDS ?? 9);
const IMAGE = 'localhost/bench-busybox:latest';
const SIZE = 1 << 30; // 1 GiB

const { dir, env } = rootlessBench('network', ['podman', 'umoci', 'skopeo', 'curl', 'wrk', 'pasta', 'slirp4netns']);
const B = (...args) => [process.execPath, burrow, ...args];
const P = (...args) => [...PODMAN, ...args];
const out = output;

/** The host's own address: the first IPv4 address that is not loopback. */
function hostAddress() {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

/** Gbit/s of one download of /big from `url`, curl's own figure. */
function download(url) {
  const r = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{speed_download} %{size_download}', url], { encoding: 'utf8' });
  const [speed, size] = r.stdout.trim().split(' ').map(Number);
  if (r.status !== 0 || size !== SIZE) throw new Error(`curl ${url}: exit ${r.status}, ${size} bytes`);
  return (speed * 8) / 1e9;
}

/** wrk's requests per second for /small over 5 s, 2 threads, 16 connections. */
function wrk(url) {
  const r = spawnSync('wrk', ['-t2', '-c16', '-d5s', url], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
  if (r.status !== 0 || !rps) throw new Error(`wrk ${url}: ${r.stdout}${r.stderr}`);
  return rps;
}

async function waitFor(url) {
  for (let i = 0; i < 100; i++) {
    if (spawnSync('curl', ['-s', '-o', '/dev/null', '-f', url]).status === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}

const podmanNames = [];
let podmanLoaded = false;
let loopback;
try {
  const driver = podmanOverlay();
  const archive = busyboxImageArchive(dir, IMAGE);
  timed(B('load', '-i', archive), env);
  timed(P('load', '-i', archive));
  podmanLoaded = true;

  // What the servers serve: 1 GiB (sparse, read as zeros) and a small page.
  const www = join(dir, 'www');
  mkdirSync(www);
  const fd = openSync(join(www, 'big'), 'w');
  ftruncateSync(fd, SIZE);
  closeSync(fd);
  writeFileSync(join(www, 'small'), 'hello\n');

  const servers = [];
  const serve = async (name, start) => {
    const port = await freePort();
    start(port);
    await waitFor(`http://127.0.0.1:${port}/small`);
    servers.push({ name, port });
  };
  const httpd = ['busybox', 'httpd', '-f', '-p', '80', '-h', '/www'];
  await serve('burrow (pasta)', (port) => out(B('run', '-d', '--name', 'bench-pasta', '-v', `${www}:/www:ro`, '-p', `${port}:80`, IMAGE, ...httpd), env));
  await serve('burrow (slirp4netns)', (port) => out(B('run', '-d', '--name', 'bench-slirp', '--network', 'slirp4netns', '-v', `${www}:/www:ro`, '-p', `${port}:80`, IMAGE, ...httpd), env));
  await serve('podman (default)', (port) => {
    podmanNames.push('bench-default');
    out(P('run', '-d', '--name', 'bench-default', '-v', `${www}:/www:ro`, '-p', `${port}:80`, IMAGE, ...httpd));
  });
  const podmanMode = out(P('inspect', '--format', '{{.HostConfig.NetworkMode}}', 'bench-default'));
  await serve('loopback', (port) => {
    loopback = spawn('busybox', ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', www], { stdio: 'ignore' });
    const p2 = spawn('busybox', ['httpd', '-f', '-p', `${hostAddress()}:${port}`, '-h', www], { stdio: 'ignore' });
    loopback.other = p2;
  });

  const address = hostAddress();
  for (const [where, host] of [
    ['from the host\'s loopback', '127.0.0.1'],
    ['from the host\'s own address', address],
  ]) {
    if (!host) continue;
    console.log(`\nthroughput of a 1 GiB download ${where} (curl, median of ${rounds}; podman's default here: ${podmanMode}, ${driver} storage)`);
    const speeds = servers.map(() => []);
    for (let round = 0; round < rounds; round++) servers.forEach((s, i) => speeds[i].push(download(`http://${host}:${s.port}/big`)));
    const med = speeds.map(median);
    const base = med[servers.findIndex((s) => s.name === 'podman (default)')];
    servers.forEach((s, i) => console.log(`  ${s.name.padEnd(22)} ${med[i].toFixed(2).padStart(7)} Gbit/s   ${(med[i] / base).toFixed(2)} x podman`));

    console.log(`requests per second, small page, ${where} (wrk -t2 -c16 -d5s)`);
    const rps = servers.map((s) => wrk(`http://${host}:${s.port}/small`));
    const rbase = rps[servers.findIndex((s) => s.name === 'podman (default)')];
    servers.forEach((s, i) => console.log(`  ${s.name.padEnd(22)} ${rps[i].toFixed(0).padStart(7)} req/s    ${(rps[i] / rbase).toFixed(2)} x podman`));
  }

  // The time the network adds to run --rm IMAGE true.
  const runRounds = Number(process.env.BENCH_ROUNDS ?? 20);
  const commands = [
    { name: 'burrow run (pasta)', argv: B('run', '--rm', IMAGE, 'true'), env },
    { name: 'burrow run --network none', argv: B('run', '--rm', '--network', 'none', IMAGE, 'true'), env },
    { name: 'podman run (default)', argv: P('run', '--rm', IMAGE, 'true') },
    { name: 'podman run --network none', argv: P('run', '--rm', '--network', 'none', IMAGE, 'true') },
  ];
  const medians = interleaved(commands, { rounds: runRounds });
  report(`run --rm IMAGE true: medians of ${runRounds} interleaved rounds`, commands, medians, 'podman run (default)');
  console.log(`  the network adds ${(medians[0] - medians[1]).toFixed(1)} ms to burrow's run (podman: ${(medians[2] - medians[3]).toFixed(1)} ms); burrow/podman with networking = ${(medians[0] / medians[2]).toFixed(2)} (target <= 0.40)`);
} finally {
  if (loopback) {
    loopback.kill();
    loopback.other?.kill();
  }
  spawnSync(process.execPath, [burrow, 'rm', '-a', '-f', '-t', '0'], { env, stdio: 'ignore' });
  if (podmanLoaded) {
    if (podmanNames.length > 0) spawnSync(PODMAN[0], [...PODMAN.slice(1), 'rm', '-f', '-t', '0', ...podmanNames], { stdio: 'ignore' });
    timed(P('rmi', IMAGE));
  }
  spawnSync('unshare', ['--user', '--map-root-user', '--map-auto', 'rm', '-rf', dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}
