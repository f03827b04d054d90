#!/usr/bin/env node
// The tests' client on another host: started by scripts/peer-netns.mjs inside
// the network namespace it made (joined to the host by a veth pair), as the
// test user. It listens on a unix socket; each connection sends one JSON line
// {"host": ADDRESS, "port": N, "path": "/..."} and gets back the body of an
// HTTP GET made from inside that namespace (or "ERROR: message").
import { request } from 'node:http';
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';

const socket = process.argv[2];
if (!socket) {
  process.stderr.write('usage: peer-agent.mjs SOCKET\n');
  process.exit(2);
}
rmSync(socket, { force: true });
const server = createServer((conn) => {
  let buf = '';
  conn.on('data', (d) => {
    buf += d;
    const nl = buf.indexOf('\n');
    if (nl < 0) return;
    let req;
    try {
      req = JSON.parse(buf.slice(0, nl));
    } catch (err) {
      conn.end(`ERROR: ${err.message}`);
      return;
    }
    const r = request({ host: req.host, port: req.port, path: req.path ?? '/', timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => conn.end(body));
    });
    r.on('timeout', () => r.destroy(new Error('timed out')));
    r.on('error', (err) => conn.end(`ERROR: ${err.message}`));
    r.end();
  });
});
server.listen(socket, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => {
  server.close();
  rmSync(socket, { force: true });
  process.exit(0);
});
