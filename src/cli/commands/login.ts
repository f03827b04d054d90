import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, UsageError } from '../../errors.js';
import { RegistryAccess } from '../../registry/access.js';
import { credentialsFor, storeCredentials } from '../../registry/auth-file.js';
import { BurrowCommand } from '../base.js';
import { ask } from '../prompt.js';

/** `https://host:port/v2/` or `host/ns` into the key auth.json uses: `host[:port][/path]`. */
export function loginKey(input: string): string {
  const bare = input.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '').replace(/\/v[12]$/, '');
  if (bare === '' || /\s/.test(bare)) throw new UsageError(`invalid registry \`${input}\``);
  return bare;
}

/** The registry to log in to when none is given: the first unqualified-search registry, as podman. */
export function defaultRegistry(access: RegistryAccess): string {
  const first = access.registries().unqualifiedSearch[0];
  if (first === undefined) throw new UsageError('please specify a registry to login to (no unqualified-search registries in registries.conf)');
  return first;
}

export class LoginCommand extends BurrowCommand {
  static override paths = [['login']];

  static override usage = BurrowCommand.Usage({
    category: 'images',
    description: 'log in to a container registry',
    details: `
      Checks the credentials against REGISTRY (by default the first of registries.conf's \`unqualified-search-registries\`) and, when it takes them, saves them in the auth file podman uses: \`$XDG_RUNTIME_DIR/containers/auth.json\` (mode 0600), or \`--authfile\`. Without \`-u\` or \`-p\`, asks for them on the terminal; with neither, saved credentials are checked again. The password can come from standard input with \`--password-stdin\`.
    `,
    examples: [
      ['Log in, asked for the password', '$0 login -u alice registry.example.com'],
      ['Password from a file', '$0 login -u alice --password-stdin registry.example.com < pw.txt'],
    ],
  });

  authfile = Option.String('--authfile', { description: "Save the credentials in FILE instead of podman's auth.json" });
  certDir = Option.String('--cert-dir', { description: 'Use the certificates in DIR (*.crt CAs, *.cert/*.key client pairs) to reach the registry' });
  getLogin = Option.Boolean('--get-login', false, { description: 'Print the user name logged in to REGISTRY, and log in to nothing' });
  password = Option.String('-p,--password', { description: 'The password (visible to other users in the process list: prefer --password-stdin)' });
  passwordStdin = Option.Boolean('--password-stdin', false, { description: 'Read the password from standard input' });
  tlsVerify = Option.Boolean('--tls-verify', { description: 'Require HTTPS and verify certificates (default: true, or as registries.conf says)' });
  username = Option.String('-u,--username', { description: 'The user name' });
  registry = Option.String({ name: 'REGISTRY', required: false });

  async execute(): Promise<number> {
    if (this.password !== undefined && this.passwordStdin) throw new UsageError('--password and --password-stdin cannot be used together');
    const access = new RegistryAccess(this.context.env, { tlsVerify: this.tlsVerify, certDir: this.certDir, authfile: this.authfile, log: this.context.log });
    const key = loginKey(this.registry ?? defaultRegistry(access));
    const registry = key.split('/')[0] as string;
    try {
      if (this.getLogin) {
        const saved = await credentialsFor(this.context.env, key, this.authfile);
        if (saved === undefined) throw new BurrowError('E_NOT_LOGGED_IN', `not logged into ${key}`);
        this.context.stdout.write(`${saved.username}\n`);
        return 0;
      }
      let username = this.username;
      let password = this.password;
      if (this.passwordStdin) {
        if (username === undefined) throw new UsageError('--password-stdin needs the user name: give -u USER');
        password = (await readStdin()).replace(/\r?\n$/, '');
      }
      if (username === undefined && password === undefined) {
        const saved = await credentialsFor(this.context.env, key, this.authfile);
        if (saved !== undefined) {
          this.context.stdout.write(`Authenticating with existing credentials for ${key}\n`);
          try {
            await access.client(registry, { credentials: saved }).ping();
            this.context.stdout.write(`Existing credentials are valid. Already logged in to ${key}\n`);
            return 0;
          } catch (err) {
            if (!(err instanceof BurrowError) || err.code !== 'E_REGISTRY_AUTH') throw err;
            this.context.stderr.write('Existing credentials are invalid, please enter valid username and password\n');
          }
        }
      }
      username ??= await ask('Username: ', { secret: false });
      password ??= await ask('Password: ', { secret: true });
      if (username === '') throw new UsageError('a user name is required');
      if (password === '') throw new UsageError('a password is required');
      const credentials = { username, password };
      try {
        await access.client(registry, { credentials }).ping();
      } catch (err) {
        if (err instanceof BurrowError && err.code === 'E_REGISTRY_AUTH') throw new BurrowError('E_REGISTRY_AUTH', `logging into "${key}": invalid username/password`);
        throw err;
      }
      await storeCredentials(this.context.env, key, credentials, this.authfile);
      this.context.stdout.write('Login Succeeded!\n');
      return 0;
    } finally {
      access.close();
    }
  }
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.once('error', reject);
  });
}
