#!/usr/bin/env node
// The tests' other host (run as root by scripts/test.mjs): a network
// namespace `burrow-peer` joined to the host by a veth pair (host side
// 198.51.100.1/24, peer side 198.51.100.2/24: TEST-NET-2, nothing real), and
// in it test/setup/peer-agent.mjs as the test user, so that the tests (which
// cannot enter a namespace of root's) make requests from a client that is
// not local: a published port must show the container that address.
//
//   peer-netns.mjs up USER DIR   prints BURROW_TEST_PEER's value: SOCKET,HOST-ADDRESS,PEER-ADDRESS
//   peer-netns.mjs down DIR
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NS = 'burrow-peer';
const HOST = '198.51.100.1';
const PEER = '198.51.100.2';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function ip(...args) {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
}

function down(dir) {
  const pidFile = join(dir, 'peer-agent.pid');
  if (existsSync(pidFile)) {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
    } catch {
      // gone already
    }
    rmSync(pidFile, { force: true });
  }
  spawnSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
  spawnSync('ip', ['link', 'del', 'bpeer-h'], { stdio: 'ignore' });
}

async function up(user, dir) {
  down(dir);
  ip('netns', 'add', NS);
  ip('link', 'add', 'bpeer-h', 'type', 'veth', 'peer', 'name', 'bpeer-c');
  ip('link', 'set', 'bpeer-c', 'netns', NS);
  ip('addr', 'add', `${HOST}/24`, 'dev', 'bpeer-h');
  ip('link', 'set', 'bpeer-h', 'up');
  ip('-n', NS, 'addr', 'add', `${PEER}/24`, 'dev', 'bpeer-c');
  ip('-n', NS, 'link', 'set', 'bpeer-c', 'up');
  ip('-n', NS, 'link', 'set', 'lo', 'up');
  const socket = join(dir, 'peer-agent.sock');
  // A copy the user can read (the checkout may be under root's home).
  const agent = join(dir, 'peer-agent.mjs');
  copyFileSync(join(root, 'test/setup/peer-agent.mjs'), agent);
  chmodSync(agent, 0o644);
  const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim();
  const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim();
  // setpriv execs (runuser would stay as the agent's parent): the pid is the agent's own.
  const child = spawn('ip', ['netns', 'exec', NS, 'setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--init-groups', process.execPath, agent, socket], {
    // Its stderr to a file: an inherited pipe would keep whoever waits for ours (spawnSync) waiting for ever.
    stdio: ['ignore', 'pipe', openSync(join(dir, 'peer-agent.log'), 'a')],
    detached: true,
  });
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', (code) => reject(new Error(`peer agent ended (${code})`)));
    setTimeout(() => reject(new Error('peer agent not ready in 10 s')), 10_000);
  });
  child.stdout.destroy();
  child.unref();
  writeFileSync(join(dir, 'peer-agent.pid'), String(child.pid));
  process.stdout.write(`${socket},${HOST},${PEER}\n`);
}

const [command, ...args] = process.argv.slice(2);
try {
  if (command === 'up' && args.length === 2) await up(args[0], args[1]);
  else if (command === 'down' && args.length === 1) down(args[0]);
  else throw new Error('usage: peer-netns.mjs up USER DIR | down DIR');
} catch (err) {
  process.stderr.write(`Error: peer-netns: ${err.message}\n`);
  process.exit(1);
}
process.exit(0);
