/**
 * `burrow search` against real registries on loopback (Debian's
 * docker-registry, plain and with htpasswd: its catalog), a registry that
 * pages its catalog a few names at a time and one without a catalog (small
 * Node servers), and Docker Hub's v1 search API as a Node server answers it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RegistryClient } from '../../src/registry/client.js';
import { searchIndex } from '../../src/registry/search.js';
import { acceptingEtc } from '../helpers/containers-conf.js';
import { describeContainers, fixtures } from '../helpers/fixtures.js';
import { putImage, startFakeRegistry, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { newStore, type TestStore } from '../helpers/store.js';

let plain: TestRegistry;
let auth: TestRegistry;
const USER = { username: 'sam', password: 'pw' };
const REPOS = ['app', 'tools/app', 'tools/app-extra', 'tools/zzz', 'other/thing'];

/** A store whose containers directory holds an accepting policy.json and, if given, a registries.conf. */
function searchStore(label: string, registriesConf?: string): TestStore {
  const etc = acceptingEtc(join(fixtures().dir, `${label}-etc`));
  const config = join(fixtures().dir, `${label}-config`);
  mkdirSync(join(config, 'containers'), { recursive: true });
  if (registriesConf !== undefined) writeFileSync(join(config, 'containers', 'registries.conf'), registriesConf);
  return newStore(label, { BURROW_CONTAINERS_CONF_DIR: etc, XDG_CONFIG_HOME: config });
}

function rows(out: string): string[][] {
  return out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/));
}

describeContainers('burrow search', () => {
  beforeAll(async () => {
    [plain, auth] = await Promise.all([startRegistry(), startRegistry({ htpasswd: USER })]);
    for (const repo of REPOS) await putImage(plain, `${repo}:1`);
    await putImage(plain, 'tools/app:2');
    await putImage(plain, 'tools/app:3');
    await putImage(auth, 'private/app:1');
  }, 120_000);

  afterAll(async () => {
    await Promise.all([plain, auth].map((r) => r?.stop()));
  });

  it('lists the repositories holding the term, a full match first, as podman\'s table; --limit, --format, json, --compatible', async () => {
    const store = searchStore('search-plain');
    const r = await store.run(['search', '--tls-verify=false', `${plain.host}/app`]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(rows(r.stdout)).toEqual([['NAME', 'DESCRIPTION'], [`${plain.host}/app`], [`${plain.host}/tools/app`], [`${plain.host}/tools/app-extra`]]);
    const limited = await store.run(['search', '--tls-verify=false', '--limit', '2', `${plain.host}/app`]);
    expect(rows(limited.stdout)).toHaveLength(3);
    const names = await store.run(['search', '--tls-verify=false', '--format', '{{.Index}} {{.Name}} {{.Stars}}', `${plain.host}/tools`]);
    expect(names.stdout).toBe(
      [`${plain.host} ${plain.host}/tools/app 0`, `${plain.host} ${plain.host}/tools/app-extra 0`, `${plain.host} ${plain.host}/tools/zzz 0`].join('\n') + '\n',
    );
    const json = await store.run(['search', '--tls-verify=false', '--format', 'json', `${plain.host}/thing`]);
    expect(JSON.parse(json.stdout)).toEqual([{ Index: plain.host, Name: `${plain.host}/other/thing`, Description: '', Stars: 0, Official: '', Automated: '', Tag: '' }]);
    const compatible = await store.run(['search', '--tls-verify=false', '--compatible', `${plain.host}/thing`]);
    expect(compatible.stdout.split('\n')[0]?.trim().split(/\s{2,}/)).toEqual(['NAME', 'DESCRIPTION', 'STARS', 'OFFICIAL', 'AUTOMATED']);
    // Nothing matched: nothing printed, not even the header.
    const none = await store.run(['search', '--tls-verify=false', `${plain.host}/nothing-like-it`]);
    expect([none.exitCode, none.stdout, none.stderr]).toEqual([0, '', '']);
    // A catalog has no stars and no marks.
    const starred = await store.run(['search', '--tls-verify=false', '--filter', 'stars=1', `${plain.host}/app`]);
    expect([starred.exitCode, starred.stdout]).toEqual([0, '']);
    const unofficial = await store.run(['search', '--tls-verify=false', '-f', 'is-official=false', '-f', 'is-automated=false', `${plain.host}/zzz`]);
    expect(rows(unofficial.stdout)).toEqual([['NAME', 'DESCRIPTION'], [`${plain.host}/tools/zzz`]]);
  });

  it('--list-tags: the tags of one repository, NAME and TAG, limited; json', async () => {
    const store = searchStore('search-tags');
    const r = await store.run(['search', '--tls-verify=false', '--list-tags', `${plain.host}/tools/app`]);
    expect(r.exitCode, r.stderr).toBe(0);
    // In the registry's order.
    const [header, ...tags] = rows(r.stdout);
    expect(header).toEqual(['NAME', 'TAG']);
    expect(tags.sort()).toEqual([`${plain.host}/tools/app`, `${plain.host}/tools/app`, `${plain.host}/tools/app`].map((n, i) => [n, String(i + 1)]));
    const one = await store.run(['search', '--tls-verify=false', '--list-tags', '--limit', '1', `${plain.host}/tools/app`]);
    expect(rows(one.stdout)).toEqual([['NAME', 'TAG'], tags.find((t) => t[1] === rows(one.stdout)[1]?.[1])]);
    expect(rows(one.stdout)).toHaveLength(2);
    const json = await store.run(['search', '--tls-verify=false', '--list-tags', '--format', 'json', `${plain.host}/tools/app`]);
    const listed = JSON.parse(json.stdout) as { Name: string; Tags: string[] }[];
    expect(listed.map((l) => [l.Name, [...l.Tags].sort()])).toEqual([[`${plain.host}/tools/app`, ['1', '2', '3']]]);
  });

  it('a plain term asks every registry of the search list; one that fails is a warning, all failing an error', async () => {
    const conf = (hosts: string[]) => `unqualified-search-registries = [${hosts.map((h) => `"${h}"`).join(', ')}]\n\n[[registry]]\nlocation = "${plain.host}"\ninsecure = true\n\n[[registry]]\nlocation = "127.0.0.1:9"\ninsecure = true\n`;
    const store = searchStore('search-list', conf(['127.0.0.1:9', plain.host]));
    const r = await store.run(['search', 'zzz']);
    expect(r.exitCode).toBe(0);
    expect(rows(r.stdout)).toEqual([['NAME', 'DESCRIPTION'], [`${plain.host}/tools/zzz`]]);
    expect(r.stderr).toMatch(/^Warning: listing the repositories of 127\.0\.0\.1:9: connection refused\n$/);
    const bad = searchStore('search-list-bad', conf(['127.0.0.1:9']));
    const failed = await bad.run(['search', 'zzz']);
    expect(failed.exitCode).toBe(125);
    expect(failed.stderr).toBe('Error: listing the repositories of 127.0.0.1:9: connection refused\n');
    const empty = searchStore('search-list-empty', 'unqualified-search-registries = []\n');
    const nowhere = await empty.run(['search', 'zzz']);
    expect(nowhere.exitCode).toBe(125);
    expect(nowhere.stderr).toMatch(/^Error: no registry to search for "zzz"/);
  });

  it('a registry with basic auth: refused without credentials, searched with --creds', async () => {
    const store = searchStore('search-auth');
    const refused = await store.run(['search', '--tls-verify=false', `${auth.host}/app`]);
    expect(refused.exitCode).toBe(125);
    expect(refused.stderr).toMatch(new RegExp(`^Error: listing the repositories of ${auth.host.replace(/\./g, '\\.')}: unauthorized`));
    const r = await store.run(['search', '--tls-verify=false', '--creds', `${USER.username}:${USER.password}`, `${auth.host}/app`]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(rows(r.stdout)).toEqual([['NAME', 'DESCRIPTION'], [`${auth.host}/private/app`]]);
  });

  it('reads a catalog page after page to a match on the last one; a registry without a catalog is named', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `r${i}/thing`).concat(['late/needle']);
    let pages = 0;
    const paged = await startFakeRegistry((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/v2/_catalog') return void res.writeHead(404).end();
      pages++;
      const from = Number(url.searchParams.get('last') ?? -1) + 1;
      const page = names.slice(from, from + 3);
      const more = from + 3 < names.length;
      res.writeHead(200, { 'Content-Type': 'application/json', ...(more ? { Link: `</v2/_catalog?n=3&last=${from + 2}>; rel="next"` } : {}) });
      res.end(JSON.stringify({ repositories: page }));
    });
    const none = await startFakeRegistry((_req, res) => void res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"UNSUPPORTED","message":"not here"}]}'));
    try {
      const store = searchStore('search-paged');
      const r = await store.run(['search', '--tls-verify=false', `${paged.host}/needle`]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(rows(r.stdout)).toEqual([['NAME', 'DESCRIPTION'], [`${paged.host}/late/needle`]]);
      expect(pages).toBe(4);
      // Enough found on the first page: no more is read.
      pages = 0;
      await store.run(['search', '--tls-verify=false', '--limit', '2', `${paged.host}/thing`]);
      expect(pages).toBe(1);
      const missing = await store.run(['search', '--tls-verify=false', `${none.host}/x`]);
      expect(missing.exitCode).toBe(125);
      expect(missing.stderr).toBe(`Error: listing the repositories of ${none.host}: the registry offers no catalog to search (not here)\n`);
    } finally {
      await Promise.all([paged.stop(), none.stop()]);
    }
  });

  it("Docker Hub's search API: names, descriptions, stars and marks", async () => {
    let asked = '';
    const hub = await startFakeRegistry((req, res) => {
      asked = req.url ?? '';
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          results: [
            { name: 'alpine', description: 'A minimal Docker image based on Alpine Linux with a complete package index', star_count: 11000, is_official: true, is_automated: false },
            { name: 'someone/alpine-tools', description: 'tools', star_count: 3, is_official: false, is_automated: true },
          ],
        }),
      );
    });
    try {
      const client = new RegistryClient({ registry: hub.host, insecure: true, tls: { ca: [] } });
      const results = await searchIndex(client, 'docker.io', 'alpine', 25);
      expect(asked).toBe('/v1/search?q=alpine&n=25');
      expect(results).toEqual([
        { Index: 'docker.io', Name: 'docker.io/library/alpine', Description: 'A minimal Docker image based on Alpine Linux with a complete package index', Stars: 11000, Official: '[OK]', Automated: '', Tag: '' },
        { Index: 'docker.io', Name: 'docker.io/someone/alpine-tools', Description: 'tools', Stars: 3, Official: '', Automated: '[OK]', Tag: '' },
      ]);
    } finally {
      await hub.stop();
    }
  });

  describe('bad input: one Error line, exit 125', () => {
    const cases: { name: string; args: () => string[]; error: RegExp }[] = [
      { name: '--limit 0', args: () => ['--limit', '0', `${plain.host}/app`], error: /^Error: invalid --limit "0"/ },
      { name: '--limit x', args: () => ['--limit', 'x', `${plain.host}/app`], error: /^Error: invalid --limit "x"/ },
      { name: 'an unknown filter', args: () => ['--filter', 'color=red', `${plain.host}/app`], error: /^Error: invalid filter "color=red"/ },
      { name: 'stars that are not a number', args: () => ['--filter', 'stars=many', `${plain.host}/app`], error: /^Error: invalid filter "stars=many": stars takes a whole number/ },
      { name: '--list-tags with a tag', args: () => ['--list-tags', `${plain.host}/tools/app:1`], error: /^Error: --list-tags: .* names a tag or digest/ },
      { name: '--list-tags without a registry', args: () => ['--list-tags', 'tools/app'], error: /^Error: --list-tags: `tools\/app` names no registry/ },
      { name: '--list-tags with --filter', args: () => ['--list-tags', '--filter', 'stars=1', `${plain.host}/tools/app`], error: /^Error: filters are not applicable to list tags result/ },
      { name: 'a bad template', args: () => ['--format', '{{.Nope', `${plain.host}/app`], error: /^Error: / },
    ];
    it.each(cases)('$name', async ({ args, error }) => {
      const store = searchStore('search-bad');
      const r = await store.run(['search', '--tls-verify=false', ...args()]);
      expect(r.exitCode).toBe(125);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(error);
    });
  });
});
