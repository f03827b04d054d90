/**
 * Real registries on loopback for the tests: Debian's docker-registry (the
 * Distribution server) on 127.0.0.1 and a free port, plain HTTP, with
 * htpasswd basic auth, or with TLS from a CA made here (its certs.d
 * directory given back). Each lives in a temporary directory and is stopped
 * (and the directory removed) by stop(), or when the test worker exits.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRegistry {
  /** 127.0.0.1:PORT */
  host: string;
  dir: string;
  /** with tls: a certs.d root holding `HOST/ca.crt` (XDG_CONFIG_HOME/containers/certs.d layout) */
  certsRoot?: string;
  /** with tls: the `certs.d/HOST` directory itself (for --cert-dir) */
  certDir?: string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function bcrypt(password: string): string {
  return execFileSync('python3', ['-c', 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))', password], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
}

function makeCerts(dir: string): { ca: string; cert: string; key: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=burrow test CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext']);
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}

export async function startRegistry(opts: { tls?: boolean; htpasswd?: { username: string; password: string } } = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'burrow-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const lines = ['version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'data')}`, '  delete:', '    enabled: true', 'http:', `  addr: ${host}`];
  const reg: TestRegistry = { host, dir, stop: async () => undefined };
  if (opts.tls) {
    const certs = makeCerts(dir);
    lines.push('  tls:', `    certificate: ${certs.cert}`, `    key: ${certs.key}`);
    reg.certsRoot = join(dir, 'certs.d');
    reg.certDir = join(reg.certsRoot, host);
    mkdirSync(reg.certDir, { recursive: true });
    writeFileSync(join(reg.certDir, 'ca.crt'), readFileSync(certs.ca));
  }
  if (opts.htpasswd) {
    writeFileSync(join(dir, 'htpasswd'), `${opts.htpasswd.username}:${bcrypt(opts.htpasswd.password)}\n`);
    lines.push('auth:', '  htpasswd:', '    realm: burrow-test', `    path: ${join(dir, 'htpasswd')}`);
  }
  writeFileSync(join(dir, 'config.yml'), `${lines.join('\n')}\n`);
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  reg.stop = async () => {
    live.delete(child);
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `${opts.tls ? 'https' : 'http'}://${host}/v2/`;
  for (let i = 0; ; i++) {
    try {
      execFileSync('curl', ['-s', '-o', '/dev/null', '-k', url], { stdio: 'ignore', timeout: 2000 });
      break;
    } catch {
      if (i > 100 || child.exitCode !== null) {
        await reg.stop();
        throw new Error(`docker-registry did not start on ${host}: ${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return reg;
}

/** Copies an image archive (oci-archive: or docker-archive: PATH) into the registry with skopeo. */
export function skopeoPush(reg: TestRegistry, source: string, dest: string, opts: { creds?: string } = {}): void {
  const args = ['copy', '-q'];
  if (reg.certDir) args.push('--dest-cert-dir', reg.certDir);
  else args.push('--dest-tls-verify=false');
  if (opts.creds) args.push('--dest-creds', opts.creds);
  execFileSync('skopeo', [...args, source, `docker://${reg.host}/${dest}`], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface FakeRegistry {
  host: string;
  requests: { method: string; url: string; range?: string }[];
  stop(): Promise<void>;
}

/** A plain HTTP server answering as `handler` says: a registry that misbehaves. */
export async function startFakeRegistry(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<FakeRegistry> {
  const requests: FakeRegistry['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', range: req.headers.range });
    if (req.url === '/v2/') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
