/**
 * A certificate authority for one test, made with openssl in a directory of
 * the test's: the CA, server certificates for 127.0.0.1 and localhost, client
 * certificates, and self-signed signing certificates. Keys are P-256 (quick
 * to make, and what Go, Node and skopeo all accept).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertPair {
  cert: string;
  key: string;
}

const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} in ${dir} failed: ${stderr.trim() || String(err)}`);
  }
}

/** A self-signed certificate `NAME.crt` with its key `NAME.key`: a CA, or a token signing key. */
export function selfSigned(dir: string, name: string, subject: string): CertPair {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  openssl(dir, [
    'req', '-x509', ...NEW_KEY, '-keyout', pair.key, '-out', pair.cert, '-days', '2', '-subj', subject,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  return pair;
}

/** A certificate `NAME.crt` (key `NAME.key`) signed by `ca`: for a server on 127.0.0.1/localhost, or a client. */
export function signedBy(ca: CertPair, dir: string, name: string, use: 'server' | 'client'): CertPair {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  openssl(dir, ['req', '-new', ...NEW_KEY, '-keyout', pair.key, '-out', csr, '-subj', use === 'server' ? '/CN=127.0.0.1' : '/CN=burrow test client']);
  writeFileSync(
    ext,
    use === 'server'
      ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n'
      : 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n',
  );
  const serial = `0x${randomBytes(8).toString('hex')}`;
  openssl(dir, ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', serial, '-out', pair.cert, '-days', '2', '-extfile', ext]);
  return pair;
}

/** Listens on 127.0.0.1 and a free port, unref'd (a test's server must never keep its worker alive); the port. */
export async function listenOnLoopback(server: import('node:net').Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  server.unref();
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}
