/**
 * burrow's client in the distribution spec's bearer-token flow, against a
 * real docker-registry in `auth: token` mode and the harness's token server
 * (test/helpers/token-server.ts, whose tokens Distribution 2.8 checks):
 * login, pull, push and search, anonymous and with credentials, and the
 * token asked once per scope and kept for its lifetime, also by the fetch
 * workers a pull starts (they are handed the pull's tokens).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { acceptingEtc } from '../helpers/containers-conf.js';
import { describeContainers, fixtures } from '../helpers/fixtures.js';
import { putImage, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { imageNames, newStore, type TestStore } from '../helpers/store.js';

const USER = { username: 'tess', password: 'token-secret' };
let locked: TestRegistry;
let open: TestRegistry;

function tokenStore(label: string): TestStore {
  const etc = acceptingEtc(join(fixtures().dir, `${label}-etc`));
  return newStore(label, { BURROW_CONTAINERS_CONF_DIR: etc, XDG_CONFIG_HOME: join(fixtures().dir, `${label}-config`), REGISTRY_AUTH_FILE: join(fixtures().dir, `${label}-auth.json`) });
}

/** The token requests burrow made (the harness's own say `burrow-test-harness`). */
function burrowAsked(reg: TestRegistry): { scopes: string[]; user: string | undefined; status: number }[] {
  return (reg.tokenServer?.requests ?? []).filter((r) => r.userAgent !== 'burrow-test-harness').map((r) => ({ scopes: r.scopes, user: r.user, status: r.status }));
}

describeContainers('burrow and a registry with bearer tokens', () => {
  beforeAll(async () => {
    [locked, open] = await Promise.all([startRegistry({ token: true, htpasswd: USER }), startRegistry({ token: true, htpasswd: USER, anonymousPull: true })]);
    await putImage(locked, 'team/app:1');
    await putImage(open, 'pub/app:1');
  }, 120_000);

  afterAll(async () => {
    await Promise.all([locked, open].map((r) => r?.stop()));
  });

  it('anonymous: refused where the token server wants credentials, pulled where it grants pull; one token for the whole pull', async () => {
    const store = tokenStore('token-anon');
    const refused = await store.run(['pull', '-q', '--tls-verify=false', `${locked.host}/team/app:1`]);
    expect(refused.exitCode).toBe(125);
    expect(refused.stderr).toBe(`Error: ${locked.host}: authentication required\n`);
    expect(imageNames(store)).toEqual([]);
    const before = burrowAsked(open).length;
    const r = await store.run(['pull', '-q', '--tls-verify=false', `${open.host}/pub/app:1`]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    // The manifest, the config and the layer (fetched by a worker of its own) under one token.
    expect(burrowAsked(open).slice(before)).toEqual([{ scopes: ['repository:pub/app:pull'], user: undefined, status: 200 }]);
    expect(imageNames(store)).toEqual([`${open.host}/pub/app:1`]);
  });

  it('with credentials: --creds, and login (checked first, nothing saved when wrong) then pull and push with the saved ones', async () => {
    const store = tokenStore('token-creds');
    const before = burrowAsked(locked).length;
    const withCreds = await store.run(['pull', '-q', '--tls-verify=false', '--creds', `${USER.username}:${USER.password}`, `${locked.host}/team/app:1`]);
    expect(withCreds.exitCode, withCreds.stderr).toBe(0);
    expect(burrowAsked(locked).slice(before)).toEqual([{ scopes: ['repository:team/app:pull'], user: USER.username, status: 200 }]);

    const authFile = store.env.REGISTRY_AUTH_FILE as string;
    const wrong = await store.run(['login', '--tls-verify=false', '-u', USER.username, '-p', 'nope', locked.host]);
    expect(wrong.exitCode).toBe(125);
    expect(wrong.stderr).toMatch(new RegExp(`^Error: .*${locked.host.replace(/\./g, '\\.')}.*invalid username/password\\n$`));
    expect(existsSync(authFile)).toBe(false);
    const login = await store.run(['login', '--tls-verify=false', '-u', USER.username, '-p', USER.password, locked.host]);
    expect(login.exitCode, login.stderr).toBe(0);
    expect(Object.keys((JSON.parse(readFileSync(authFile, 'utf8')) as { auths: Record<string, unknown> }).auths)).toEqual([locked.host]);

    const other = tokenStore('token-saved');
    const pulled = await other.run(['pull', '-q', '--tls-verify=false', `${locked.host}/team/app:1`], { env: { REGISTRY_AUTH_FILE: authFile } });
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    const beforePush = burrowAsked(locked).length;
    const pushed = await other.run(['push', '-q', '--tls-verify=false', `${locked.host}/team/app:1`, `${locked.host}/team/copy:1`], { env: { REGISTRY_AUTH_FILE: authFile } });
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    const pushAsks = burrowAsked(locked).slice(beforePush);
    expect(pushAsks.every((a) => a.status === 200 && a.user === USER.username)).toBe(true);
    expect(pushAsks.flatMap((a) => a.scopes)).toContain('repository:team/copy:pull,push');
    // Read back by burrow with the token flow again.
    const back = await tokenStore('token-back').run(['pull', '-q', '--tls-verify=false', '--creds', `${USER.username}:${USER.password}`, `${locked.host}/team/copy:1`]);
    expect(back.exitCode, back.stderr).toBe(0);
  });

  it("search asks for the catalog's scope; --list-tags for the repository's", async () => {
    const store = tokenStore('token-search');
    const before = burrowAsked(locked).length;
    const r = await store.run(['search', '--tls-verify=false', '--creds', `${USER.username}:${USER.password}`, `${locked.host}/app`]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${locked.host}/team/app`);
    expect(burrowAsked(locked).slice(before).map((a) => a.scopes)).toEqual([['registry:catalog:*']]);
    const tags = await store.run(['search', '--tls-verify=false', '--creds', `${USER.username}:${USER.password}`, '--list-tags', `${locked.host}/team/app`]);
    expect(tags.exitCode, tags.stderr).toBe(0);
    expect(tags.stdout.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/))).toEqual([[`${locked.host}/team/app`, '1']]);
  });
});
