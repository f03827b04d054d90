/*
 * registries.conf v2 and its drop-ins, read as containers/image reads them:
 * which files, how they merge, what each field may hold; prefixes, mirrors,
 * short names and the alias cache. Every file lives in a temporary tree.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  aliasCacheFile,
  confDirs,
  loadRegistriesConf,
  localCandidates,
  pullSources,
  recordShortNameAlias,
  registryFor,
  resolveShortName,
} from '../../../src/registry/registries-conf.js';
import { confTree, escapeRegExp } from '../../helpers/containers-conf.js';
import { caught } from '../../helpers/errors.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('confDirs', () => {
  it('takes the XDG variables when absolute, else HOME; BURROW_CONTAINERS_CONF_DIR replaces /etc/containers', () => {
    expect(confDirs({ HOME: '/h' })).toEqual({ systemDir: '/etc/containers', configHome: '/h/.config', cacheHome: '/h/.cache' });
    expect(confDirs({ HOME: '/h', XDG_CONFIG_HOME: '/c', XDG_CACHE_HOME: '/k', BURROW_CONTAINERS_CONF_DIR: '/e' })).toEqual({ systemDir: '/e', configHome: '/c', cacheHome: '/k' });
    expect(confDirs({ HOME: '/h', XDG_CONFIG_HOME: 'relative', XDG_CACHE_HOME: '' })).toEqual({ systemDir: '/etc/containers', configHome: '/h/.config', cacheHome: '/h/.cache' });
  });
});

describe('which files, in which order', () => {
  it('reads the system file, then its drop-ins in name order (only *.conf, no subdirectories), then the user drop-ins', () => {
    const t = confTree();
    t.write(join(t.etc, 'registries.conf'), 'unqualified-search-registries = ["main.example"]\n');
    t.write(join(t.etc, 'registries.conf.d', '20-b.conf'), 'unqualified-search-registries = ["b.example"]\n');
    t.write(join(t.etc, 'registries.conf.d', '10-a.conf'), 'unqualified-search-registries = ["a.example"]\nshort-name-mode = "disabled"\n');
    t.write(join(t.etc, 'registries.conf.d', '30-ignored.conf.bak'), 'unqualified-search-registries = ["bak.example"]\n');
    t.write(join(t.etc, 'registries.conf.d', 'sub.conf', 'x.conf'), 'unqualified-search-registries = ["sub.example"]\n');
    t.write(join(t.user, 'registries.conf.d', '00-user.conf'), 'short-name-mode = "enforcing"\n');
    const conf = loadRegistriesConf(t.dirs);
    expect(conf.files).toEqual([
      join(t.etc, 'registries.conf'),
      join(t.etc, 'registries.conf.d', '10-a.conf'),
      join(t.etc, 'registries.conf.d', '20-b.conf'),
      join(t.user, 'registries.conf.d', '00-user.conf'),
    ]);
    expect(conf.unqualifiedSearch).toEqual(['b.example']);
    expect(conf.searchOrigin).toBe(join(t.etc, 'registries.conf.d', '20-b.conf'));
    expect(conf.shortNameMode).toBe('enforcing'); // the user's drop-in comes last
  });

  it("the user's registries.conf replaces the system file and the system drop-ins; the user's drop-ins still apply", () => {
    const t = confTree();
    t.write(join(t.etc, 'registries.conf'), 'unqualified-search-registries = ["system.example"]\n');
    t.write(join(t.etc, 'registries.conf.d', '10.conf'), '[aliases]\n"sys" = "system.example/sys"\n');
    t.write(join(t.user, 'registries.conf'), '[aliases]\n"mine" = "user.example/mine"\n');
    t.write(join(t.user, 'registries.conf.d', '10.conf'), '[aliases]\n"drop" = "user.example/drop"\n');
    const conf = loadRegistriesConf(t.dirs);
    expect(conf.files).toEqual([join(t.user, 'registries.conf'), join(t.user, 'registries.conf.d', '10.conf')]);
    expect([...conf.aliases]).toEqual([
      ['mine', 'user.example/mine'],
      ['drop', 'user.example/drop'],
    ]);
    expect(conf.unqualifiedSearch).toEqual([]);
    expect(conf.searchOrigin).toBe(join(t.user, 'registries.conf'));
  });

  it('with no file at all: empty, permissive (containers/image default), the auth files as the credential helper', () => {
    const t = confTree();
    expect(loadRegistriesConf(t.dirs)).toEqual({
      unqualifiedSearch: [],
      shortNameMode: 'permissive',
      registries: [],
      aliases: new Map(),
      files: [],
      credentialHelpers: ['containers-auth.json'],
      searchOrigin: '',
      aliasOrigins: new Map(),
    });
  });
});

describe('drop-in merging', () => {
  it('replaces the search list (an empty one too), credential-helpers and short-name-mode only when set; merges aliases key by key; "" erases', () => {
    const t = confTree();
    t.write(
      join(t.etc, 'registries.conf'),
      'unqualified-search-registries = ["a.example"]\ncredential-helpers = ["pass"]\nshort-name-mode = "enforcing"\n[aliases]\n"x" = "a.example/x"\n"y" = "a.example/y"\n',
    );
    t.write(join(t.etc, 'registries.conf.d', '1.conf'), '[aliases]\n"y" = "b.example/y"\n"z" = "b.example/z"\n"x" = ""\n');
    let conf = loadRegistriesConf(t.dirs);
    expect(conf.unqualifiedSearch).toEqual(['a.example']);
    expect(conf.credentialHelpers).toEqual(['pass']);
    expect(conf.shortNameMode).toBe('enforcing');
    expect([...conf.aliases].sort()).toEqual([
      ['y', 'b.example/y'],
      ['z', 'b.example/z'],
    ]);
    expect(conf.aliasOrigins.get('y')).toBe(join(t.etc, 'registries.conf.d', '1.conf'));
    t.write(join(t.etc, 'registries.conf.d', '2.conf'), 'unqualified-search-registries = []\ncredential-helpers = []\nshort-name-mode = "disabled"\n');
    conf = loadRegistriesConf(t.dirs);
    expect(conf.unqualifiedSearch).toEqual([]);
    expect(conf.searchOrigin).toBe(join(t.etc, 'registries.conf.d', '2.conf'));
    expect(conf.credentialHelpers).toEqual(['containers-auth.json']); // emptied: the default again
    expect(conf.shortNameMode).toBe('disabled');
  });

  it('a [[registry]] with the same prefix replaces the earlier one whole; others are kept, sorted by prefix', () => {
    const t = confTree();
    t.write(
      join(t.etc, 'registries.conf'),
      '[[registry]]\nprefix = "r.example"\nlocation = "r.example"\ninsecure = true\n[[registry.mirror]]\nlocation = "m.example"\n\n[[registry]]\nlocation = "k.example"\n',
    );
    t.write(join(t.etc, 'registries.conf.d', '1.conf'), '[[registry]]\nlocation = "r.example"\nblocked = true\n');
    const conf = loadRegistriesConf(t.dirs);
    expect(conf.registries).toEqual([
      { prefix: 'k.example', location: 'k.example', insecure: false, blocked: false, mirrorByDigestOnly: false, mirrors: [] },
      { prefix: 'r.example', location: 'r.example', insecure: false, blocked: true, mirrorByDigestOnly: false, mirrors: [] },
    ]);
  });

  it('within one file, the first [[registry]] of a prefix wins', () => {
    const t = confTree();
    t.write(join(t.etc, 'registries.conf'), '[[registry]]\nprefix = "p.example"\nlocation = "one.example"\n[[registry]]\nprefix = "p.example"\nlocation = "two.example"\n');
    expect(loadRegistriesConf(t.dirs).registries.map((r) => r.location)).toEqual(['one.example']);
  });
});

describe('prefixes', () => {
  function conf(text: string) {
    const t = confTree();
    t.write(join(t.etc, 'registries.conf'), text);
    return loadRegistriesConf(t.dirs);
  }

  it('picks the longest prefix that covers the name on a component boundary', () => {
    const c = conf(
      ['[[registry]]', 'location = "r.example"', '[[registry]]', 'location = "r.example/team"', '[[registry]]', 'location = "r.example/team/app"'].join('\n'),
    );
    expect(registryFor(c, 'r.example/team/app')?.prefix).toBe('r.example/team/app');
    expect(registryFor(c, 'r.example/team/app2')?.prefix).toBe('r.example/team');
    expect(registryFor(c, 'r.example/team/app/sub')?.prefix).toBe('r.example/team/app');
    expect(registryFor(c, 'r.example/teams/app')?.prefix).toBe('r.example');
    expect(registryFor(c, 'r.example/team/app:1')?.prefix).toBe('r.example/team/app');
    expect(registryFor(c, `r.example/team/app@${DIGEST}`)?.prefix).toBe('r.example/team/app');
    expect(registryFor(c, 'r.examplex/a')).toBeUndefined();
    expect(registryFor(c, 'other.example/a')).toBeUndefined();
  });

  it('tells ports apart: host does not cover host:port, host:port covers its names', () => {
    const c = conf(['[[registry]]', 'location = "r.example"', 'blocked = true', '[[registry]]', 'location = "r.example:5000"', 'insecure = true'].join('\n'));
    expect(registryFor(c, 'r.example/a')?.blocked).toBe(true);
    expect(registryFor(c, 'r.example:5000/a')).toMatchObject({ prefix: 'r.example:5000', insecure: true, blocked: false });
    expect(registryFor(c, 'r.example:5001/a')).toBeUndefined();
  });

  it('matches wildcard prefixes on subdomains (any depth, any port), not on the domain itself; a tie in length goes to the first in prefix order', () => {
    const c = conf(['[[registry]]', 'prefix = "*.corp.example"', 'blocked = true', '[[registry]]', 'location = "x.corp.example"', '[[registry]]', 'location = "long.corp.example"'].join('\n'));
    expect(registryFor(c, 'a.corp.example/app')?.prefix).toBe('*.corp.example');
    expect(registryFor(c, 'b.a.corp.example:5000/app')?.prefix).toBe('*.corp.example');
    expect(registryFor(c, 'long.corp.example/app')?.prefix).toBe('long.corp.example'); // longer than the wildcard
    expect(registryFor(c, 'x.corp.example/app')?.prefix).toBe('*.corp.example'); // 14 characters each: '*' sorts first (containers/image)
    expect(registryFor(c, 'corp.example/app')).toBeUndefined();
    expect(registryFor(c, 'xcorp.example/app')).toBeUndefined();
    expect(registryFor(c, 'evil.example/a.corp.example')).toBeUndefined();
  });
});

describe('pull sources', () => {
  const text = [
    'unqualified-search-registries = ["docker.io"]',
    '[[registry]]',
    'prefix = "r.example/team"',
    'location = "internal.example/mirror/team"',
    'insecure = true',
    '[[registry.mirror]]',
    'location = "m-all.example/team"',
    '[[registry.mirror]]',
    'location = "m-digest.example/t"',
    'pull-from-mirror = "digest-only"',
    'insecure = true',
    '[[registry.mirror]]',
    'location = "m-tag.example/t"',
    'pull-from-mirror = "tag-only"',
    '[[registry]]',
    'location = "d.example"',
    'mirror-by-digest-only = true',
    '[[registry.mirror]]',
    'location = "dm.example"',
    '[[registry]]',
    'prefix = "*.wild.example"',
    '[[registry.mirror]]',
    'location = "wm.example"',
    '[[registry]]',
    'prefix = "*.moved.example"',
    'location = "new.example"',
  ].join('\n');

  it('tries the mirrors pull-from-mirror allows, then the location, each rewritten and with its insecure flag', () => {
    const t = confTree();
    t.write(join(t.etc, 'registries.conf'), text);
    const c = loadRegistriesConf(t.dirs);
    expect(pullSources(c, 'r.example/team/app:1', false)).toEqual([
      { name: 'm-all.example/team/app:1', insecure: false },
      { name: 'm-tag.example/t/app:1', insecure: false },
      { name: 'internal.example/mirror/team/app:1', insecure: true },
    ]);
    expect(pullSources(c, `r.example/team/app@${DIGEST}`, true)).toEqual([
      { name: `m-all.example/team/app@${DIGEST}`, insecure: false },
      { name: `m-digest.example/t/app@${DIGEST}`, insecure: true },
      { name: `internal.example/mirror/team/app@${DIGEST}`, insecure: true },
    ]);
  });

  it('mirror-by-digest-only uses the mirrors for digests alone; a wildcard without location keeps the name; with one it rewrites the host', () => {
    const t = confTree();
    t.write(join(t.etc, 'registries.conf'), text);
    const c = loadRegistriesConf(t.dirs);
    expect(pullSources(c, 'd.example/app', false)).toEqual([{ name: 'd.example/app', insecure: false }]);
    expect(pullSources(c, 'd.example/app', true).map((s) => s.name)).toEqual(['dm.example/app', 'd.example/app']);
    expect(pullSources(c, 'a.wild.example/ns/app:2', false).map((s) => s.name)).toEqual(['wm.example/ns/app:2', 'a.wild.example/ns/app:2']);
    expect(pullSources(c, 'a.moved.example/app', false).map((s) => s.name)).toEqual(['new.example/app']);
    expect(pullSources(c, 'elsewhere.example/app:3', false)).toEqual([{ name: 'elsewhere.example/app:3', insecure: false }]);
  });
});

describe('version 1', () => {
  it('converts a version 1 main file as podman does: search list, insecure and blocked registries', () => {
    const t = confTree();
    t.write(
      join(t.etc, 'registries.conf'),
      "[registries.search]\nregistries = ['s1.example', 's2.example']\n[registries.insecure]\nregistries = ['i.example', 'b.example']\n[registries.block]\nregistries = ['b.example']\n",
    );
    const c = loadRegistriesConf(t.dirs);
    expect(c.unqualifiedSearch).toEqual(['s1.example', 's2.example']);
    expect(c.registries).toEqual([
      { prefix: 'b.example', location: 'b.example', insecure: true, blocked: true, mirrorByDigestOnly: false, mirrors: [] },
      { prefix: 'i.example', location: 'i.example', insecure: true, blocked: false, mirrorByDigestOnly: false, mirrors: [] },
    ]);
  });

  it('refuses version 1 in a drop-in, and version 1 mixed with version 2, naming the file', () => {
    const t = confTree();
    const dropIn = t.write(join(t.etc, 'registries.conf.d', '1.conf'), "[registries.search]\nregistries = ['s.example']\n");
    expect(caught(() => loadRegistriesConf(t.dirs)).message).toBe(
      `${dropIn}: a drop-in must be in version 2 format ([[registry]], unqualified-search-registries), not version 1 ([registries.search] ...)`,
    );
    const t2 = confTree();
    const main = t2.write(join(t2.etc, 'registries.conf'), "unqualified-search-registries = ['x.example']\n[registries.block]\nregistries = ['s.example']\n");
    const err = caught(() => loadRegistriesConf(t2.dirs));
    expect(err.code).toBe('E_REGISTRIES_CONF');
    expect(err.message).toBe(`${main}: version 1 ([registries.search] ...) and version 2 settings cannot be mixed in one file`);
  });
});

describe('malformed files', () => {
  const cases: [string, string, string][] = [
    ['a TOML syntax error', 'a = 1\n\n[[registry]\nlocation = "x"\n', 'line 3: expected end of table array declaration'],
    ['a key given twice', 'short-name-mode = "enforcing"\nshort-name-mode = "permissive"\n', 'line 2: trying to redefine an already defined table or value'],
    ['a wrong type', 'unqualified-search-registries = "docker.io"\n', 'unqualified-search-registries must be a list of strings'],
    ['an unknown short-name-mode', 'short-name-mode = "sometimes"\n', 'short-name-mode must be enforcing, permissive or disabled, not "sometimes"'],
    ['a registry that is not a table', 'registry = ["x"]\n', '[[registry]] #1 must be a table'],
    ['a boolean that is not one', '[[registry]]\nlocation = "x.example"\ninsecure = "yes"\n', '[[registry]] "x.example": insecure must be true or false, not "yes"'],
    ['a URL as location', '[[registry]]\nlocation = "https://x.example"\n', '[[registry]] #1: location "https://x.example": URI schemes are not supported (write HOST[:PORT][/PATH])'],
    ['neither prefix nor location', '[[registry]]\ninsecure = true\n', '[[registry]] #1: neither prefix nor location is set'],
    ['a prefix without location', '[[registry]]\nprefix = "p.example"\n', '[[registry]] "p.example": location is unset and the prefix is not in the format *.example.com'],
    ['a wildcard with a path', '[[registry]]\nprefix = "*.example.com/foo"\n', '[[registry]] "*.example.com/foo": a wildcard prefix must be in the format *.example.com (no port, path, tag or digest)'],
    ['pull-from-mirror on the registry', '[[registry]]\nlocation = "x.example"\npull-from-mirror = "all"\n', '[[registry]] "x.example": pull-from-mirror belongs in a [[registry.mirror]], not in the registry'],
    [
      'an unknown pull-from-mirror',
      '[[registry]]\nlocation = "x.example"\n[[registry.mirror]]\nlocation = "m.example"\npull-from-mirror = "sometimes"\n',
      '[[registry]] "x.example": mirror #1: pull-from-mirror must be all, digest-only or tag-only, not "sometimes"',
    ],
    [
      'mirror-by-digest-only with pull-from-mirror',
      '[[registry]]\nlocation = "x.example"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = "m.example"\npull-from-mirror = "tag-only"\n',
      '[[registry]] "x.example": mirror-by-digest-only and the pull-from-mirror of mirror "m.example" cannot both be set',
    ],
    ['a mirror without location', '[[registry]]\nlocation = "x.example"\n[[registry.mirror]]\ninsecure = true\n', '[[registry]] "x.example": mirror #1: location is unset'],
    [
      'conflicting settings for one registry',
      '[[registry]]\nprefix = "a.example"\nlocation = "x.example"\ninsecure = true\n[[registry]]\nprefix = "b.example"\nlocation = "x.example"\n',
      `registry "x.example" is defined several times with conflicting 'insecure' settings`,
    ],
    ['a search entry that is not a registry', 'unqualified-search-registries = ["docker.io/library"]\n', 'unqualified-search-registries: "docker.io/library" is not a registry (HOST[:PORT])'],
    ['an alias of a qualified name', '[aliases]\n"quay.io/x" = "quay.io/x"\n', 'alias "quay.io/x": invalid short name: must not contain a registry'],
    ['an alias with a tag', '[aliases]\n"x:1" = "quay.io/x"\n', 'alias "x:1": invalid short name: must not contain a tag or digest'],
    ['an alias value without registry', '[aliases]\n"x" = "library/x"\n', 'alias "x" = "library/x": the value must contain a registry and a repository'],
    ['an alias value with a tag', '[aliases]\n"x" = "quay.io/x:1"\n', 'alias "x" = "quay.io/x:1": the value must not contain a tag or digest'],
    ['an alias value that is not a string', '[aliases]\n"x" = 1\n', 'alias "x" must be a string, not 1'],
  ];
  for (const [what, text, reason] of cases)
    it(`names the file and the reason: ${what}`, () => {
      const t = confTree();
      const file = t.write(join(t.etc, 'registries.conf.d', '50-bad.conf'), text);
      const err = caught(() => loadRegistriesConf(t.dirs));
      expect(err.code).toBe('E_REGISTRIES_CONF');
      expect(err.message).toBe(`${file}: ${reason}`);
    });

  it("names the main file's line too, and the cache file's", () => {
    const t = confTree();
    const main = t.write(join(t.user, 'registries.conf'), 'unqualified-search-registries = ["a",\n  oops\n');
    expect(caught(() => loadRegistriesConf(t.dirs)).message).toMatch(new RegExp(`^${escapeRegExp(main)}: line 2: `));
    const t2 = confTree();
    const cache = t2.write(aliasCacheFile(t2.dirs), '[aliases]\n"a" = "q.example/a"\n"b" = \n');
    const c = loadRegistriesConf(t2.dirs);
    expect(caught(() => resolveShortName(c, t2.dirs, 'a', { tty: false })).message).toMatch(new RegExp(`^${escapeRegExp(cache)}: line 3: `));
  });
});

describe('short names', () => {
  function setup(text: string) {
    const t = confTree();
    t.write(join(t.etc, 'registries.conf'), text);
    return { t, conf: loadRegistriesConf(t.dirs) };
  }

  it('passes qualified names through, normalized: a dot, a port or localhost makes a registry; docker:// is dropped', () => {
    const { t, conf } = setup('unqualified-search-registries = ["q.example", "docker.io"]\nshort-name-mode = "enforcing"\n');
    const r = (input: string) => resolveShortName(conf, t.dirs, input, { tty: false });
    expect(r('quay.io/a/b')).toEqual({ candidates: ['quay.io/a/b:latest'], mustChoose: false });
    expect(r('localhost/app:2').candidates).toEqual(['localhost/app:2']);
    expect(r('host:5000/app').candidates).toEqual(['host:5000/app:latest']);
    expect(r('docker.io/alpine').candidates).toEqual(['docker.io/library/alpine:latest']);
    expect(r('docker://docker.io/alpine:3').candidates).toEqual(['docker.io/library/alpine:3']);
    expect(() => r('Bad/Name')).toThrow(/invalid image name/);
  });

  it('an alias wins over the search list, in every mode, with the tag or digest given (or :latest)', () => {
    for (const mode of ['enforcing', 'permissive', 'disabled']) {
      const { t, conf } = setup(`unqualified-search-registries = ["q.example", "docker.io"]\nshort-name-mode = "${mode}"\n[aliases]\n"tool" = "q.example/tools/tool"\n"alp" = "docker.io/alpine"\n`);
      const r = (input: string) => resolveShortName(conf, t.dirs, input, { tty: false });
      expect(r('tool')).toEqual({ candidates: ['q.example/tools/tool:latest'], alias: 'q.example/tools/tool', origin: join(t.etc, 'registries.conf'), shortName: 'tool', mustChoose: false });
      expect(r('tool:1').candidates).toEqual(['q.example/tools/tool:1']);
      expect(r(`tool@${DIGEST}`).candidates).toEqual([`q.example/tools/tool@${DIGEST}`]);
      expect(r('alp').candidates).toEqual(['docker.io/library/alpine:latest']);
    }
  });

  it("completes with each search registry (docker.io adds library/); the mode decides what several candidates mean", () => {
    const expected = ['q.example/app:1', 'docker.io/library/app:1'];
    const { t, conf } = setup('unqualified-search-registries = ["q.example", "docker.io"]\n');
    // No short-name-mode: permissive, the default.
    expect(resolveShortName(conf, t.dirs, 'app:1', { tty: false })).toEqual({ candidates: expected, origin: join(t.etc, 'registries.conf'), shortName: 'app', mustChoose: false });
    expect(resolveShortName(conf, t.dirs, 'app:1', { tty: true }).mustChoose).toBe(true);
    expect(resolveShortName(conf, t.dirs, 'ns/app', { tty: false }).candidates).toEqual(['q.example/ns/app:latest', 'docker.io/ns/app:latest']);

    const enforcing = setup('unqualified-search-registries = ["q.example", "docker.io"]\nshort-name-mode = "enforcing"\n');
    expect(resolveShortName(enforcing.conf, enforcing.t.dirs, 'app:1', { tty: true })).toMatchObject({ candidates: expected, mustChoose: true });
    const err = caught(() => resolveShortName(enforcing.conf, enforcing.t.dirs, 'app:1', { tty: false }));
    expect(err.code).toBe('E_AMBIGUOUS'); // not E_SHORT_NAME, which run --pull takes as "image not known"
    expect(err.message).toBe(
      `short-name resolution enforced but cannot prompt without a TTY: "app:1" could be q.example/app:1, docker.io/library/app:1 (short-name-mode = "enforcing" in ${join(enforcing.t.etc, 'registries.conf')})`,
    );

    const disabled = setup('unqualified-search-registries = ["q.example", "docker.io"]\nshort-name-mode = "disabled"\n');
    expect(resolveShortName(disabled.conf, disabled.t.dirs, 'app:1', { tty: true })).toMatchObject({ candidates: expected, mustChoose: false });
    expect(resolveShortName(disabled.conf, disabled.t.dirs, 'app:1', { tty: false })).toMatchObject({ candidates: expected, mustChoose: false });

    const one = setup('unqualified-search-registries = ["q.example"]\nshort-name-mode = "enforcing"\n');
    expect(resolveShortName(one.conf, one.t.dirs, 'app', { tty: false })).toMatchObject({ candidates: ['q.example/app:latest'], mustChoose: false });
  });

  it('without a search list: an error naming the file that should have one, or saying there is none', () => {
    const { t, conf } = setup('short-name-mode = "permissive"\n');
    expect(caught(() => resolveShortName(conf, t.dirs, 'app', { tty: false })).message).toBe(
      `short-name "app" did not resolve to an alias and no unqualified-search registries are defined in "${join(t.etc, 'registries.conf')}"`,
    );
    const bare = confTree();
    const err = caught(() => resolveShortName(loadRegistriesConf(bare.dirs), bare.dirs, 'app', { tty: false }));
    expect(err.code).toBe('E_SHORT_NAME');
    expect(err.message).toBe('short-name "app" did not resolve to an alias and no containers-registries.conf(5) was found');
  });

  it('records a choice in the alias cache (atomically, 0600 in a 0700 directory, other aliases kept); the cache wins over registries.conf', () => {
    const { t, conf } = setup('unqualified-search-registries = ["q.example", "docker.io"]\n[aliases]\n"app" = "q.example/app"\n');
    const cache = aliasCacheFile(t.dirs);
    expect(cache).toBe(join(t.env.XDG_CACHE_HOME as string, 'containers', 'short-name-aliases.conf'));
    recordShortNameAlias(t.dirs, 'other', 'docker.io/library/other:9');
    recordShortNameAlias(t.dirs, 'app', `docker.io/library/app@${DIGEST}`);
    expect(statSync(cache).mode & 0o777).toBe(0o600);
    expect(statSync(join(t.env.XDG_CACHE_HOME as string, 'containers')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(t.env.XDG_CACHE_HOME as string, 'containers'))).toEqual(['short-name-aliases.conf']);
    expect(readFileSync(cache, 'utf8')).toBe('[aliases]\nother = "docker.io/library/other"\napp = "docker.io/library/app"\n');
    expect(resolveShortName(conf, t.dirs, 'app:2', { tty: true })).toEqual({
      candidates: ['docker.io/library/app:2'],
      alias: 'docker.io/library/app',
      origin: cache,
      shortName: 'app',
      mustChoose: false,
    });
  });

  it('an alias erased in the cache ("") hides the one in registries.conf: the search list answers', () => {
    const { t, conf } = setup('unqualified-search-registries = ["q.example"]\n[aliases]\n"app" = "r.example/app"\n');
    t.write(aliasCacheFile(t.dirs), '[aliases]\n"app" = ""\n');
    expect(resolveShortName(conf, t.dirs, 'app', { tty: false }).candidates).toEqual(['q.example/app:latest']);
  });

  it('refuses to record a qualified short name or an unqualified value', () => {
    const t = confTree();
    expect(() => recordShortNameAlias(t.dirs, 'quay.io/x', 'quay.io/x')).toThrow('cannot record an alias for "quay.io/x": invalid short name: must not contain a registry');
    expect(() => recordShortNameAlias(t.dirs, 'x', 'library/x')).toThrow('cannot record "library/x" as the alias of "x": it is not a fully qualified name');
    expect(existsSync(aliasCacheFile(t.dirs))).toBe(false);
  });

  it('lists the local names of a short name as podman: alias, localhost/, then the search registries', () => {
    const { t, conf } = setup('unqualified-search-registries = ["q.example", "docker.io"]\n[aliases]\n"tool" = "r.example/tool"\n');
    expect(localCandidates(conf, t.dirs, 'tool:1')).toEqual(['r.example/tool:1', 'localhost/tool:1', 'q.example/tool:1', 'docker.io/library/tool:1']);
    expect(localCandidates(conf, t.dirs, 'app')).toEqual(['localhost/app:latest', 'q.example/app:latest', 'docker.io/library/app:latest']);
    expect(localCandidates(conf, t.dirs, 'localhost/app')).toEqual(['localhost/app:latest']);
  });
});

describe('symlinks and odd entries', () => {
  it('follows a symlinked user registries.conf, and ignores a dangling one (the system file is read)', () => {
    const t = confTree();
    t.write(join(t.etc, 'registries.conf'), 'unqualified-search-registries = ["system.example"]\n');
    const real = t.write(join(t.root, 'elsewhere', 'registries.conf'), 'unqualified-search-registries = ["linked.example"]\n');
    symlinkSync(real, join(t.user, 'registries.conf'));
    expect(loadRegistriesConf(t.dirs).unqualifiedSearch).toEqual(['linked.example']);
    const t2 = confTree();
    t2.write(join(t2.etc, 'registries.conf'), 'unqualified-search-registries = ["system.example"]\n');
    mkdirSync(t2.user, { recursive: true });
    symlinkSync(join(t2.root, 'nowhere'), join(t2.user, 'registries.conf'));
    expect(loadRegistriesConf(t2.dirs).unqualifiedSearch).toEqual(['system.example']);
  });
});
