/*
 * policy.json as containers/image evaluates it: which file, the scopes of
 * each transport from the most specific down to the transport's "" and the
 * default, each requirement type (signatures fail closed), and the strict
 * parsing that refuses a file whole.
 */
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { BurrowError } from '../../../src/errors.js';
import { checkPolicy, policyFiles } from '../../../src/registry/policy.js';
import { confTree } from '../../helpers/containers-conf.js';

const DIGEST = `sha256:${'b'.repeat(64)}`;
const accept = [{ type: 'insecureAcceptAnything' }];
const reject = [{ type: 'reject' }];

/** The error checkPolicy throws, or undefined when it accepts. */
function verdict(fn: () => void): BurrowError | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(BurrowError);
    expect((err as BurrowError).code).toBe('E_POLICY');
    return err as BurrowError;
  }
}

/**
 * A policy whose every scope rejects with its own name as a marker, so the
 * scope that decided can be read from which of them is reached: each scope
 * maps to `reject` but those in `accepting`, which accept.
 */
function scopeProbe(transport: string, scopes: string[]) {
  const t = confTree();
  return (scope: string, accepting: string[]) => {
    const table = Object.fromEntries(scopes.map((s) => [s, accepting.includes(s) ? accept : reject]));
    const file = t.write(join(t.user, 'policy.json'), JSON.stringify({ default: reject, transports: { [transport]: table } }));
    return verdict(() => checkPolicy(t.env, transport, scope, file)) === undefined;
  };
}

/** Which of `scopes` decides for `scope`: the one that, alone accepting, lets it through. */
function decidingScope(transport: string, scopes: string[], scope: string): string | undefined {
  const probe = scopeProbe(transport, scopes);
  return scopes.find((s) => probe(scope, [s]));
}

describe('which policy.json', () => {
  it("takes the user's file before the system's; --signature-policy alone; with none, refuses as podman does, saying what to write", () => {
    const t = confTree();
    const user = join(t.user, 'policy.json');
    const system = join(t.etc, 'policy.json');
    expect(policyFiles(t.env)).toEqual([user, system]);
    const none = verdict(() => checkPolicy(t.env, 'docker', 'r.example/app:1'));
    expect(none?.message).toBe(`no policy.json file found at any of the following: "${user}", "${system}"`);
    expect(none?.hint).toBe(`to accept every image, as containers-common's default policy does, write {"default": [{"type": "insecureAcceptAnything"}]} to ${user}`);
    t.write(system, JSON.stringify({ default: reject }));
    expect(verdict(() => checkPolicy(t.env, 'docker', 'r.example/app:1'))?.message).toBe(`docker:r.example/app:1: rejected by the policy in ${system}`);
    t.write(user, JSON.stringify({ default: accept }));
    expect(verdict(() => checkPolicy(t.env, 'docker', 'r.example/app:1'))).toBeUndefined();
    const given = t.write(join(t.root, 'given.json'), JSON.stringify({ default: reject }));
    expect(verdict(() => checkPolicy(t.env, 'docker', 'r.example/app:1', given))?.message).toBe(`docker:r.example/app:1: rejected by the policy in ${given}`);
    expect(verdict(() => checkPolicy(t.env, 'docker', 'r.example/app:1', join(t.root, 'missing.json')))?.message).toBe(
      `no policy.json file found at any of the following: "${join(t.root, 'missing.json')}"`,
    );
  });
});

describe('requirements', () => {
  const cases: [string, unknown[], string | undefined][] = [
    ['insecureAcceptAnything accepts', accept, undefined],
    ['reject refuses', reject, 'rejected by the policy in FILE'],
    ['every requirement must hold', [...accept, ...reject], 'rejected by the policy in FILE'],
    ['signedBy fails closed', [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k' }], 'the policy in FILE asks for a signature (signedBy), which burrow cannot verify yet'],
    ['sigstoreSigned fails closed', [{ type: 'sigstoreSigned', keyPath: '/k' }], 'the policy in FILE asks for a signature (sigstoreSigned), which burrow cannot verify yet'],
    ['signedBaseLayer fails closed', [...accept, { type: 'signedBaseLayer', baseLayerIdentity: {} }], 'the policy in FILE asks for a signature (signedBaseLayer), which burrow cannot verify yet'],
  ];
  for (const [what, reqs, outcome] of cases)
    it(what, () => {
      const t = confTree();
      const file = t.write(join(t.user, 'policy.json'), JSON.stringify({ default: reqs }));
      const err = verdict(() => checkPolicy(t.env, 'docker', 'r.example/app:1'));
      expect(err?.message).toBe(outcome === undefined ? undefined : `docker:r.example/app:1: ${outcome.replace('FILE', file)}`);
    });
});

describe('docker scopes', () => {
  const scopes = [
    'r.example:5000/ns/app:1',
    `r.example:5000/ns/app@${DIGEST}`,
    'r.example:5000/ns/app',
    'r.example:5000/ns',
    'r.example:5000',
    'r.example',
    '*.sub.example',
    '*.example',
    '',
  ];

  it('goes from the image (tag or digest) through its repository, namespaces and host to wildcard domains (port dropped), then ""', () => {
    /** The scopes that decide, one after the other as each is taken out of the policy: the lookup order. */
    const chain = (scope: string) => {
      const left = [...scopes];
      const out: string[] = [];
      for (let d = decidingScope('docker', left, scope); d !== undefined; d = decidingScope('docker', left, scope)) {
        out.push(d);
        left.splice(left.indexOf(d), 1);
      }
      return out;
    };
    expect(chain('r.example:5000/ns/app:1')).toEqual(['r.example:5000/ns/app:1', 'r.example:5000/ns/app', 'r.example:5000/ns', 'r.example:5000', '*.example', '']);
    expect(chain(`r.example:5000/ns/app@${DIGEST}`)).toEqual([`r.example:5000/ns/app@${DIGEST}`, 'r.example:5000/ns/app', 'r.example:5000/ns', 'r.example:5000', '*.example', '']);
    expect(chain('x.sub.example/app:1')).toEqual(['*.sub.example', '*.example', '']);
    expect(decidingScope('docker', scopes, 'r.example:5000/ns/app:1')).toBe('r.example:5000/ns/app:1');
    expect(decidingScope('docker', scopes, 'r.example:5000/ns/app:2')).toBe('r.example:5000/ns/app');
    expect(decidingScope('docker', scopes, `r.example:5000/ns/app@${DIGEST}`)).toBe(`r.example:5000/ns/app@${DIGEST}`);
    expect(decidingScope('docker', scopes, 'r.example:5000/ns/other:1')).toBe('r.example:5000/ns');
    expect(decidingScope('docker', scopes, 'r.example:5000/app:1')).toBe('r.example:5000');
    expect(decidingScope('docker', scopes, 'r.example/app:1')).toBe('r.example');
    expect(decidingScope('docker', scopes, 'a.sub.example:443/app:1')).toBe('*.sub.example');
    expect(decidingScope('docker', scopes, 'b.example/app:1')).toBe('*.example');
    expect(decidingScope('docker', scopes, 'other.org/app:1')).toBe('');
  });

  it('normalizes docker.io names as podman does, and falls to "default" when the transport has no table', () => {
    expect(decidingScope('docker', ['docker.io/library/busybox', 'docker.io/busybox', ''], 'busybox')).toBe('docker.io/library/busybox');
    expect(decidingScope('docker', ['docker.io/library/busybox:latest', ''], 'docker.io/busybox')).toBe('docker.io/library/busybox:latest');
    const t = confTree();
    const file = t.write(join(t.user, 'policy.json'), JSON.stringify({ default: accept, transports: { oci: { '': reject } } }));
    expect(verdict(() => checkPolicy(t.env, 'docker', 'r.example/app:1', file))).toBeUndefined();
    expect(verdict(() => checkPolicy(t.env, 'oci', '/x', file))?.message).toBe(`oci:/x: rejected by the policy in ${file}`);
  });
});

describe('the other transports', () => {
  it('docker-daemon: a name has docker scopes, an image id only the transport\'s ""', () => {
    const scopes = ['r.example/app', ''];
    expect(decidingScope('docker-daemon', scopes, 'r.example/app:1')).toBe('r.example/app');
    expect(decidingScope('docker-daemon', scopes, DIGEST)).toBe('');
    expect(decidingScope('docker-daemon', scopes, 'b'.repeat(64))).toBe('');
  });

  it('docker-archive: no scope but ""', () => {
    expect(decidingScope('docker-archive', [''], '/tmp/a.tar')).toBe('');
  });

  it('dir: the directory, then its parents (not /), symlinks resolved', () => {
    const t = confTree();
    const real = join(t.root, 'images', 'team');
    mkdirSync(join(real, 'app'), { recursive: true });
    symlinkSync(real, join(t.root, 'link'));
    const scopes = [join(real, 'app'), real, join(t.root, 'images'), ''];
    expect(decidingScope('dir', scopes, join(real, 'app'))).toBe(join(real, 'app'));
    expect(decidingScope('dir', scopes, join(t.root, 'link', 'app'))).toBe(join(real, 'app'));
    expect(decidingScope('dir', scopes, join(t.root, 'link', 'other'))).toBe(real); // not there yet: its parent resolved
    expect(decidingScope('dir', scopes.slice(1), join(real, 'app'))).toBe(real);
    expect(decidingScope('dir', [''], '/srv/images')).toBe('');
  });

  it('oci and oci-archive: PATH[:IMAGE] is looked up as PATH, then its parents', () => {
    const t = confTree();
    const dir = join(t.root, 'layouts', 'one');
    mkdirSync(dir, { recursive: true });
    for (const transport of ['oci', 'oci-archive']) {
      const scopes = [dir, join(t.root, 'layouts'), ''];
      expect(decidingScope(transport, scopes, `${dir}:latest`)).toBe(dir);
      expect(decidingScope(transport, scopes, dir)).toBe(dir);
      expect(decidingScope(transport, scopes.slice(1), `${dir}:v2`)).toBe(join(t.root, 'layouts'));
      expect(decidingScope(transport, [''], `${join(t.root, 'elsewhere')}:x`)).toBe('');
    }
  });
});

describe('malformed policy files', () => {
  const cases: [string, string, string][] = [
    ['a syntax error', '{\n  "default": [\n    {"type": "reject"},,\n  ]\n}', 'line 3: unexpected ","'],
    ['a repeated key', '{\n  "default": [{"type": "reject"}],\n  "default": [{"type": "insecureAcceptAnything"}]\n}', 'line 3: duplicate key "default"'],
    ['a repeated scope', '{"default": [{"type": "reject"}], "transports": {"docker": {\n"a.example": [{"type": "reject"}],\n"a.example": [{"type": "reject"}]}}}', 'line 3: duplicate key "a.example"'],
    ['no default', '{"transports": {}}', '"default" is missing (it is required)'],
    ['an unknown top-level field', '{"default": [{"type": "reject"}], "defaults": []}', 'unknown field "defaults"'],
    ['an empty list', '{"default": []}', '"default": a list of requirements must not be empty'],
    ['a requirement without type', '{"default": [{}]}', '"default": a requirement must be an object with a "type"'],
    ['an unknown type', '{"default": [{"type": "acceptEverything"}]}', '"default": unknown requirement type "acceptEverything"'],
    ['a field reject does not have', '{"default": [{"type": "reject", "why": "x"}]}', '"default": unknown field "why" in a reject requirement'],
    ['transports of the wrong type', '{"default": [{"type": "reject"}], "transports": []}', '"transports" must be an object'],
    ['a transport of the wrong type', '{"default": [{"type": "reject"}], "transports": {"docker": []}}', 'transports.docker must be an object of scopes'],
    ['scopes of the wrong type', '{"default": [{"type": "reject"}], "transports": {"docker": {"r.example": {}}}}', 'transports.docker["r.example"] must be a list of requirements'],
    ['a docker-archive scope', '{"default": [{"type": "reject"}], "transports": {"docker-archive": {"/a.tar": [{"type": "reject"}]}}}', 'transports.docker-archive: scope "/a.tar": docker-archive supports no scope but the default ""'],
    ['a relative dir scope', '{"default": [{"type": "reject"}], "transports": {"dir": {"images": [{"type": "reject"}]}}}', 'transports.dir: scope "images": must be an absolute path'],
    ['"/" as an oci scope', '{"default": [{"type": "reject"}], "transports": {"oci": {"/": [{"type": "reject"}]}}}', 'transports.oci: scope "/": "/" is not allowed: use the default ""'],
    ['a non-canonical path', '{"default": [{"type": "reject"}], "transports": {"oci": {"/a//b/": [{"type": "reject"}]}}}', 'transports.oci: scope "/a//b/": not in canonical form (/a/b)'],
    ['an image id as a docker-daemon scope', `{"default": [{"type": "reject"}], "transports": {"docker-daemon": {"${DIGEST}": [{"type": "reject"}]}}}`, `transports.docker-daemon: scope "${DIGEST}": an image id cannot be a namespace`],
  ];
  for (const [what, text, reason] of cases)
    it(`refuses the whole file, naming it and the reason: ${what}`, () => {
      const t = confTree();
      const file = t.write(join(t.etc, 'policy.json'), text);
      expect(verdict(() => checkPolicy(t.env, 'docker', 'r.example/app:1'))?.message).toBe(`${file}: ${reason}`);
    });
});
