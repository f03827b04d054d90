/**
 * The fuzz targets of burrow's TypeScript parsers that read untrusted input:
 * one entry per parser, each a fast-check generator of hostile input (mostly
 * near-valid documents: a grammar of the real format with random values,
 * mixed with plain random text) and a check that runs the parser on it.
 *
 * The property, for every target: the parser returns, or throws burrow's own
 * error (BurrowError and its subclasses: a message for the user), never a
 * TypeError, RangeError or the like (a bug, printed with a stack), and never
 * takes long (SLOW_MS). Where a parse can be written back, what it wrote
 * parses to the same value.
 *
 * Two runners use this list: test/unit/fuzz/parsers.test.ts runs each target
 * briefly in `npm test` and replays fuzz/regressions/<target>/*.json (inputs
 * that once failed, as JSON); scripts/fuzz.mjs runs each for a bounded time.
 * docs/fuzzing.md says how to add a target.
 */
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';

import fc from 'fast-check';
import tar from 'tar-stream';

import { BurrowError, errnoCode } from '../src/errors.js';
import { loadRegistriesConf, pullSources, registryFor, type ConfDirs } from '../src/registry/registries-conf.js';
import { credentialsFor } from '../src/registry/auth-file.js';
import { parallelCopies } from '../src/registry/containers-conf.js';
import { checkPolicy } from '../src/registry/policy.js';
import { parseChallenge, type RegistryClient } from '../src/registry/client.js';
import { pullImage } from '../src/registry/pull.js';
import { readBurrowConf } from '../src/config/burrow-conf.js';
import { asMap, Template } from '../src/format/template.js';
import { formatReference, parseReference } from '../src/oci/reference.js';
import { sha256 } from '../src/oci/digest.js';
import { MediaType } from '../src/oci/image.js';
import { tarIndex } from '../src/image/tar-index.js';
import { TarWriter } from '../src/layers/tar-writer.js';
import { applyLayer, applyLayerFile, cleanName, compressionOf, whiteoutTarget } from '../src/layers/apply.js';
import { TarReader } from '../src/layers/tar-reader.js';
import type { TarType } from '../src/layers/tar-writer.js';
import { LIBC, type LibcCalls } from '../src/system/sys.js';
import { sparseHeader, sparseWriter } from '../src/layers/sparse.js';
import type { Store } from '../src/storage/store.js';
import { readDirectory } from '../src/image/archive.js';
import { Ingest } from '../src/image/ingest.js';
import type { Manifest } from '../src/oci/image.js';
import { fakeStore, type FakeStore } from '../test/helpers/fake-store.js';
import { SUBIDS } from '../test/helpers/specs.js';
import { buildSpec, requestedPorts } from '../src/runtime/options.js';
import { evaluate } from '../src/system/seccomp/bpf.js';
import { parseProfile, seccompProgram } from '../src/system/seccomp/index.js';
import { stopSignal } from '../src/runtime/container.js';
import { resolveHealthcheck } from '../src/runtime/health-config.js';
import type { ContainerOptions, RunOptions } from '../src/storage/containers.js';
import { checkContainerConfig, type ImageConfig } from '../src/oci/image.js';
import { decodeName } from '../src/system/names.js';

export interface FuzzTarget<T = unknown> {
  name: string;
  /** what the parser reads, in a few words (for the runner's report) */
  reads: string;
  arbitrary: fc.Arbitrary<T>;
  /** runs the parser on one input; throws (or rejects) only on a finding */
  check: (input: T) => void | Promise<void>;
}

/** An input that took longer than this is a finding: parsers of small documents must not be slow on any of them. */
export const SLOW_MS = 2000;

/** A finding: what the parser did that it must not. */
export class FuzzFinding extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FuzzFinding';
  }
}

/** The project's own clear error, with a message: the only thing a parser may throw. */
function isClear(err: unknown): boolean {
  return err instanceof BurrowError && typeof err.message === 'string' && err.message.length > 0;
}

/** Runs a parse; anything it throws other than a clear error is a finding. */
function clean<R>(what: string, run: () => R): R | undefined {
  try {
    return run();
  } catch (err) {
    if (isClear(err)) return undefined;
    throw new FuzzFinding(`${what} threw ${(err as Error)?.name ?? typeof err}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}

async function cleanAsync<R>(what: string, run: () => Promise<R>): Promise<R | undefined> {
  try {
    return await run();
  } catch (err) {
    if (isClear(err)) return undefined;
    throw new FuzzFinding(`${what} threw ${(err as Error)?.name ?? typeof err}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}

/** A directory for the targets that read files, removed when the process ends. */
let scratchDir: string | undefined;
function scratch(): string {
  if (scratchDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'burrow-fuzz-'));
    scratchDir = dir;
    // (never an error of its own at the end: it would hide the finding that ended the run)
    process.on('exit', () => {
      try {
        searchable(dir);
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // left to the system's cleaning of its temporary directory
      }
    });
  }
  return scratchDir;
}

/**
 * Every directory of the tree at `dir` given back to its owner (rwx), so that
 * it can be removed: a layer may make its root, or any directory, 0644 or
 * 0000, which the unpacker, root of its user namespace, passes through, and
 * the fuzzer, an ordinary user, does not.
 */
function searchable(dir: string): void {
  try {
    chmodSync(dir, 0o700);
  } catch {
    return;
  }
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) searchable(join(dir, e.name));
}

/** Writes `text` to a fresh file under `sub` of the scratch directory and returns its path. */
let fileCounter = 0;
function fileWith(sub: string, name: string, content: string | Buffer): string {
  const dir = join(scratch(), sub, String(fileCounter++));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

// ---------------------------------------------------------------------------
// Building blocks of the generators

/** A word from `words`, or random text of the same kind. */
const wordOr = (words: string[], noise: fc.Arbitrary<string> = fc.string({ maxLength: 12 })): fc.Arbitrary<string> =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...words) }, { weight: 1, arbitrary: noise });

const anyText = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme-ascii', maxLength: 40 }));

const hostNames = ['docker.io', 'quay.io', 'localhost', 'localhost:5000', '127.0.0.1:5000', 'registry.example.com', '[::1]:5000', '*.example.com', 'example.com/ns', ''];
const repoNames = ['busybox', 'library/alpine', 'ns/app', 'a/b/c', 'UPPER', 'a..b', 'a__b', 'x-y', '_x'];
const digestLike = fc.oneof(
  fc.constant(`sha256:${'a'.repeat(64)}`),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }).map((h) => `sha256:${h}`),
  fc.constantFrom('sha256:', 'sha512:abc', `sha256:${'A'.repeat(64)}`, `sha256:${'a'.repeat(63)}`),
);

/** An image name: registry, path, tag and digest in any combination, each part sometimes broken. */
const imageName = fc
  .tuple(
    fc.option(wordOr(hostNames), { nil: undefined }),
    fc.array(wordOr(repoNames, fc.string({ unit: fc.constantFrom(...'abz09._-/:@A'), maxLength: 10 })), { minLength: 1, maxLength: 3 }),
    fc.option(wordOr(['latest', '1.0', 'v1_2', '-bad', 'a'.repeat(128), 'a'.repeat(129)]), { nil: undefined }),
    fc.option(digestLike, { nil: undefined }),
  )
  .map(([host, path, tag, digest]) => `${host !== undefined ? `${host}/` : ''}${path.join('/')}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`);

/** A TOML value of any type, valid or not. */
const tomlValue: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 20 }).map((s) => JSON.stringify(s)),
    imageName.map((s) => JSON.stringify(s)),
    fc.constantFrom('true', 'false', '0', '-1', '6', '1.5', '1e400', '0x10', 'inf', 'nan', '"enforcing"', '"permissive"', '"disabled"', '"all"', '"digest-only"', '"tag-only"', '"pasta"', '"slirp4netns"', '""', "'lit'", '"""multi\nline"""', '1979-05-27T07:32:00Z'),
    fc.array(tie('value'), { maxLength: 4 }).map((v) => `[${v.join(', ')}]`),
    fc.array(fc.tuple(fc.constantFrom('location', 'prefix', 'insecure', 'blocked', 'a', 'b.c'), tie('value')), { maxLength: 3 }).map((kv) => `{ ${kv.map(([k, v]) => `${k} = ${v}`).join(', ')} }`),
    fc.string({ maxLength: 10 }),
  ),
})).value;

/** A TOML document made of the given tables, keys and array-of-tables headers, with random values and random lines among them. */
function tomlDocument(keys: string[], tables: string[]): fc.Arbitrary<string> {
  const line = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(wordOr(keys, fc.string({ maxLength: 8 })), tomlValue).map(([k, v]) => `${k} = ${v}`) },
    { weight: 2, arbitrary: wordOr(tables).map((t) => (t.startsWith('[') ? t : `[${t}]`)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.constant('') },
  );
  return fc.array(line, { maxLength: 14 }).map((lines) => lines.join('\n'));
}

/** A JSON document shaped like `shape`, values sometimes of the wrong type. */
const jsonish = (shape: fc.Arbitrary<unknown>): fc.Arbitrary<string> =>
  fc.oneof({ weight: 8, arbitrary: shape.map((v) => JSON.stringify(v) ?? 'null') }, { weight: 1, arbitrary: fc.json() }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) });

const wrongValue = fc.oneof(fc.constant(null), fc.integer(), fc.boolean(), fc.string({ maxLength: 8 }), fc.constant([]), fc.constant({}));
const maybeWrong = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | unknown> => fc.oneof({ weight: 5, arbitrary: a }, { weight: 1, arbitrary: wrongValue });

// ---------------------------------------------------------------------------
// The targets

/** Image references, as users type them and as archives and registries.conf name them. */
const reference: FuzzTarget<string> = {
  name: 'reference',
  reads: 'image names (parseReference)',
  arbitrary: fc.oneof(imageName, anyText),
  check(input) {
    for (const domain of ['localhost', 'docker.io', '']) {
      const ref = clean(`parseReference(${JSON.stringify(input)})`, () => parseReference(input, domain));
      // (An empty default domain is nameMatches' way of asking whether a registry was typed: not a name to write.)
      if (ref === undefined || ref.domain === '') continue;
      // What it formats to reads back the same.
      const text = formatReference(ref);
      const again = clean(`parseReference of its own output ${JSON.stringify(text)}`, () => parseReference(text, domain));
      if (again === undefined || JSON.stringify(again) !== JSON.stringify(ref))
        throw new FuzzFinding(`${JSON.stringify(input)} parses to ${JSON.stringify(ref)}, written as ${JSON.stringify(text)}, which reads back as ${JSON.stringify(again)}`);
    }
  },
};

/** The data a `--format` template runs on: structs, maps (labels), lists, nulls, as the views make them. */
function templateData(): unknown {
  return {
    ID: 'abc123',
    Names: ['one', 'two'],
    Labels: asMap({ a: '1', 'b.c': 'x' }),
    Size: 1234,
    Ratio: 1.5,
    Running: true,
    Empty: [],
    Nothing: null,
    State: { Status: 'running', Pid: 42, Health: { Log: [{ Output: 'ok' }] } },
    Mounts: [{ Source: '/a', Destination: '/b' }],
  };
}

const templateWord = fc.constantFrom(
  '.', '.ID', '.Names', '.Labels', '.Labels.a', '.Labels.zz', '.State.Status', '.State.Health.Log', '.Mounts', '.Nothing.X', '.Size.X', '.Missing',
  'json', 'upper', 'lower', 'title', 'join', 'split', 'len', 'truncate', 'print', 'println', 'index', 'not', 'eq', 'ne', 'nosuch',
  'range', 'if', 'else', 'end', 'with', '|', '(', ')', '"', '"s"', '","', '`raw`', '1', '-1', '2.5', 'true', 'false', '$', '$x', ':=', '-', '/*', '*/', '\\', '{{', '}}',
);
const templateAction = fc
  .tuple(fc.boolean(), fc.array(fc.oneof({ weight: 6, arbitrary: templateWord }, { weight: 1, arbitrary: fc.string({ maxLength: 4 }) }), { maxLength: 6 }), fc.boolean())
  .map(([trimLeft, words, trimRight]) => `{{${trimLeft ? '- ' : ''}${words.join(' ')}${trimRight ? ' -' : ''}}}`);

/** podman's `--format` templates: parsed, then run on view-shaped data, and in header mode. */
const template: FuzzTarget<string> = {
  name: 'template',
  reads: '--format templates (format/template.ts)',
  arbitrary: fc.oneof(
    { weight: 4, arbitrary: fc.array(fc.oneof(templateAction, fc.string({ maxLength: 6 }), fc.constantFrom('\n', '\t', '{', '}', '{{')), { maxLength: 10 }).map((parts) => parts.join('')) },
    { weight: 1, arbitrary: anyText },
  ),
  check(input) {
    const t = clean(`new Template(${JSON.stringify(input)})`, () => new Template('fuzz', input));
    if (t === undefined) return;
    clean(`Template(${JSON.stringify(input)}).execute`, () => t.execute(templateData()));
    clean(`Template(${JSON.stringify(input)}).execute in header mode`, () => t.execute(templateData(), { header: (f) => f.toUpperCase() }));
  },
};

const REGISTRIES_KEYS = [
  'unqualified-search-registries', 'short-name-mode', 'credential-helpers', 'location', 'prefix', 'insecure', 'blocked', 'mirror-by-digest-only', 'pull-from-mirror',
  'registries', 'version', 'a', 'aliases',
];
const REGISTRIES_TABLES = ['[[registry]]', '[[registry.mirror]]', 'aliases', 'registries.search', 'registries.insecure', 'registries.block', 'registries', 'registry', '[[aliases]]'];

/** registries.conf (v1 and v2, with a drop-in), then the names it is asked about. */
const registriesConf: FuzzTarget<{ main: string; dropIn: string | undefined }> = {
  name: 'registries-conf',
  reads: 'registries.conf and its drop-ins (registry/registries-conf.ts)',
  arbitrary: fc.record({
    main: fc.oneof({ weight: 5, arbitrary: tomlDocument(REGISTRIES_KEYS, REGISTRIES_TABLES) }, { weight: 1, arbitrary: anyText }),
    dropIn: fc.option(tomlDocument(REGISTRIES_KEYS, REGISTRIES_TABLES), { nil: undefined }),
  }),
  check({ main, dropIn }) {
    const home = join(scratch(), 'registries', String(fileCounter++));
    const dirs: ConfDirs = { systemDir: join(home, 'etc'), configHome: join(home, 'config'), cacheHome: join(home, 'cache') };
    mkdirSync(join(dirs.configHome, 'containers', 'registries.conf.d'), { recursive: true });
    writeFileSync(join(dirs.configHome, 'containers', 'registries.conf'), main);
    if (dropIn !== undefined) writeFileSync(join(dirs.configHome, 'containers', 'registries.conf.d', '50-fuzz.conf'), dropIn);
    const conf = clean('loadRegistriesConf', () => loadRegistriesConf(dirs));
    if (conf === undefined) return;
    for (const name of ['docker.io/library/busybox:latest', 'registry.example.com/ns/app@' + `sha256:${'a'.repeat(64)}`, 'localhost:5000/x', 'a.example.com/b']) {
      clean(`registryFor(${name})`, () => registryFor(conf, name));
      clean(`pullSources(${name})`, () => pullSources(conf, name, name.includes('@')));
    }
  },
};

/** containers.conf: [engine] image_parallel_copies, the one key burrow reads. */
const containersConf: FuzzTarget<string> = {
  name: 'containers-conf',
  reads: 'containers.conf (registry/containers-conf.ts)',
  arbitrary: fc.oneof({ weight: 5, arbitrary: tomlDocument(['image_parallel_copies', 'engine', 'x'], ['engine', 'containers', 'engine.x', '[[engine]]']) }, { weight: 1, arbitrary: anyText }),
  check(input) {
    const file = fileWith('containers-conf', 'containers.conf', input);
    const n = clean('parallelCopies', () => parallelCopies({ CONTAINERS_CONF: file, HOME: scratch() }));
    if (n !== undefined && !(Number.isInteger(n) && n >= 0)) throw new FuzzFinding(`parallelCopies gave ${n}`);
  },
};

/** burrow's own burrow.toml. */
const burrowToml: FuzzTarget<string> = {
  name: 'burrow-toml',
  reads: 'burrow.toml (config/burrow-conf.ts)',
  arbitrary: fc.oneof({ weight: 5, arbitrary: tomlDocument(['default_rootless_network_cmd', 'x'], ['network', 'engine', '[[network]]', 'network.x']) }, { weight: 1, arbitrary: anyText }),
  check(input) {
    const file = fileWith('burrow-toml', 'burrow.toml', input);
    clean('readBurrowConf', () => readBurrowConf(join(file, '..')));
  },
};

const base64ish = fc.oneof(
  fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([u, p]) => Buffer.from(`${u}:${p}`).toString('base64')),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }).map((s) => Buffer.from(s, 'latin1').toString('base64')),
);
const authKey = wordOr(['docker.io', 'https://index.docker.io/v1/', 'localhost:5000', 'localhost:5000/ns', 'http://localhost:5000', 'quay.io/a/b', '']);

/** auth.json as podman and docker write it (auths, credHelpers, credsStore). Credential helpers are looked for in an empty $PATH. */
const authJson: FuzzTarget<string> = {
  name: 'auth-json',
  reads: 'auth.json (registry/auth-file.ts)',
  arbitrary: jsonish(
    fc.record(
      {
        auths: maybeWrong(fc.dictionary(authKey, maybeWrong(fc.record({ auth: maybeWrong(base64ish), identitytoken: maybeWrong(fc.string({ maxLength: 8 })) }, { requiredKeys: [] })), { maxKeys: 4 })),
        credHelpers: maybeWrong(fc.dictionary(authKey, maybeWrong(fc.constantFrom('pass', 'none')), { maxKeys: 1 })),
        credsStore: maybeWrong(fc.constantFrom('desktop', '')),
      },
      { requiredKeys: [] },
    ),
  ),
  async check(input) {
    const file = fileWith('auth-json', 'auth.json', input);
    const env = { PATH: join(scratch(), 'no-programs'), HOME: scratch() };
    for (const key of ['docker.io', 'localhost:5000/ns/app', 'quay.io']) await cleanAsync(`credentialsFor(${key})`, () => credentialsFor(env, key, file));
    // A failed spawn's pipes are closed by the event loop: back to back in promise callbacks, the fuzzer
    // would never let it run, and their file descriptors would pile up (EMFILE after about 20,000 inputs).
    await new Promise((resolve) => setImmediate(resolve));
  },
};

/** For the seccomp target: most inputs must get through the check to reach the compiler. */
const seldomWrong = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | unknown> => fc.oneof({ weight: 40, arbitrary: a }, { weight: 1, arbitrary: wrongValue });
const mostly = (words: string[]): fc.Arbitrary<string> => fc.oneof({ weight: 40, arbitrary: fc.constantFrom(...words) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });

/**
 * seccomp profiles (--security-opt seccomp=PATH, an image's label): checked
 * whole, then compiled for two capability sets; a program the compiler
 * writes must run to a verdict for any call (the interpreter of bpf.ts
 * throws on a jump past its end or a load it does not know).
 */
const seccompProfile: FuzzTarget<string> = {
  name: 'seccomp-profile',
  reads: 'seccomp profiles (system/seccomp/profile.ts, compile.ts)',
  arbitrary: jsonish(
    fc.record(
      {
        defaultAction: seldomWrong(mostly(['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_LOG'])),
        defaultErrnoRet: seldomWrong(fc.integer({ min: 0, max: 4095 })),
        architectures: seldomWrong(fc.array(mostly(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']), { maxLength: 3 })),
        flags: seldomWrong(fc.array(mostly(['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW']), { maxLength: 2 })),
        syscalls: seldomWrong(
          fc.array(
            fc.record(
              {
                names: seldomWrong(fc.array(mostly(['read', 'write', 'openat', 'personality', 'socket', 'ioctl', 'clone', 'chown32', 'arm_fadvise64_64']), { maxLength: 4 })),
                action: seldomWrong(mostly(['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRACE'])),
                errnoRet: seldomWrong(fc.integer({ min: 0, max: 4095 })),
                args: seldomWrong(
                  fc.array(
                    fc.record(
                      {
                        index: seldomWrong(fc.integer({ min: 0, max: 5 })),
                        value: seldomWrong(fc.oneof(fc.nat(), fc.constant(0xffffffff), fc.constant(2 ** 53 - 1), fc.constant(2 ** 40 + 7))),
                        valueTwo: seldomWrong(fc.nat()),
                        op: seldomWrong(mostly(['SCMP_CMP_EQ', 'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_GT', 'SCMP_CMP_GE', 'SCMP_CMP_MASKED_EQ'])),
                      },
                      { requiredKeys: [] },
                    ),
                    { maxLength: 3 },
                  ),
                ),
                includes: seldomWrong(fc.record({ caps: seldomWrong(fc.array(mostly(['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE']), { maxLength: 2 })), arches: seldomWrong(fc.array(mostly(['amd64', 'arm64']), { maxLength: 2 })), minKernel: seldomWrong(mostly(['4.8', '6.2'])) }, { requiredKeys: [] })),
                excludes: seldomWrong(fc.record({ caps: seldomWrong(fc.array(mostly(['CAP_SYS_ADMIN', 'CAP_AUDIT_WRITE']), { maxLength: 2 })) }, { requiredKeys: [] })),
              },
              { requiredKeys: [] },
            ),
            { maxLength: 6 },
          ),
        ),
      },
      { requiredKeys: [] },
    ),
  ),
  check(input) {
    const profile = clean('parseProfile', () => parseProfile(input, 'fuzz'));
    if (!profile) return;
    for (const caps of [new Set<string>(), new Set(['SYS_ADMIN', 'SYS_PTRACE', 'AUDIT_WRITE'])]) {
      const compiled = clean('seccompProgram', () => seccompProgram(profile, caps, { arch: 'x86_64', kernel: () => '6.1.0' }));
      if (!compiled) continue;
      for (const [nr, arch] of [[0, 0xc000003e], [16, 0xc000003e], [135, 0xc000003e], [999, 0xc000003e], [0x40000001, 0xc000003e], [20, 0x40000003], [0, 1]] as const)
        for (const args of [[], [0n, 0x5412n, 9n], [0xffffffff_ffffffffn, 8n, 16n]])
          clean('evaluate', () => evaluate(compiled.program, { nr, arch, args }));
    }
  },
};

/** policy.json (containers-policy.json(5)): default and per-transport requirements. */
const policyJson: FuzzTarget<string> = {
  name: 'policy-json',
  reads: 'policy.json (registry/policy.ts)',
  arbitrary: jsonish(
    fc.record(
      {
        default: maybeWrong(fc.array(maybeWrong(fc.record({ type: wordOr(['insecureAcceptAnything', 'reject', 'signedBy', 'sigstoreSigned', 'x']) }, { requiredKeys: [] })), { maxLength: 3 })),
        transports: maybeWrong(
          fc.dictionary(
            wordOr(['docker', 'docker-daemon', 'dir', 'oci', 'oci-archive', 'docker-archive', 'atomic']),
            maybeWrong(fc.dictionary(wordOr(['', 'docker.io', 'docker.io/library/busybox', 'localhost:5000/a', '*.example.com', '/tmp/x']), maybeWrong(fc.array(maybeWrong(fc.record({ type: wordOr(['insecureAcceptAnything', 'reject']) })), { maxLength: 2 })), { maxKeys: 3 })),
            { maxKeys: 3 },
          ),
        ),
      },
      { requiredKeys: [] },
    ),
  ),
  check(input) {
    const file = fileWith('policy-json', 'policy.json', input);
    for (const [transport, scope] of [['docker', 'docker.io/library/busybox:latest'], ['docker', 'localhost:5000/a@' + `sha256:${'b'.repeat(64)}`], ['oci', '/tmp/x:tag'], ['docker-archive', 'x'], ['dir', '/tmp/d']] as const)
      clean(`checkPolicy(${transport}, ${scope})`, () => checkPolicy({ HOME: scratch() }, transport, scope, file));
  },
};

/** What a registry's 401 says in WWW-Authenticate. */
const wwwAuthenticate: FuzzTarget<string> = {
  name: 'www-authenticate',
  reads: 'registries\' WWW-Authenticate challenges (registry/client.ts)',
  arbitrary: fc.oneof(
    fc
      .tuple(wordOr(['Bearer', 'Basic', 'bearer', 'Negotiate']), fc.array(fc.tuple(wordOr(['realm', 'service', 'scope', 'error']), fc.oneof(fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)), fc.string({ maxLength: 12 }))), { maxLength: 4 }), fc.constantFrom(',', ', ', ' ', ',,'))
      .map(([scheme, params, sep]) => `${scheme} ${params.map(([k, v]) => `${k}=${v}`).join(sep)}`),
    anyText,
    // long runs of the characters its regular expressions look at (a slow match is a finding)
    fc.tuple(fc.constantFrom('Bearer ', 'Basic '), fc.constantFrom('a=', 'a="', '\\', ' ', ',', '="\\'), fc.integer({ min: 1, max: 3000 })).map(([s, r, n]) => s + r.repeat(n)),
  ),
  check(input) {
    clean('parseChallenge', () => parseChallenge(input));
  },
};

/** A registry's documents: the manifest or index at the tag, and the manifests an index names (by their digest). */
interface RegistryDocs {
  top: string;
  children: string[];
  mediaType: string | undefined;
}

const mediaTypes = [MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest, MediaType.dockerManifestList, 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'application/json', 'text/plain'];
const descriptor = (types: string[]) =>
  fc.record(
    {
      mediaType: maybeWrong(wordOr(types)),
      digest: maybeWrong(digestLike),
      size: maybeWrong(fc.oneof(fc.nat(), fc.constantFrom(-1, 1.5, 2 ** 60))),
      platform: maybeWrong(fc.record({ os: maybeWrong(wordOr(['linux', 'windows'])), architecture: maybeWrong(wordOr(['amd64', 'arm64', 'arm'])), variant: maybeWrong(wordOr(['v7', 'v8', 'v6'])) }, { requiredKeys: [] })),
    },
    { requiredKeys: [] },
  );
const manifestDoc = fc.record(
  {
    schemaVersion: maybeWrong(fc.constantFrom(2, 1)),
    mediaType: maybeWrong(wordOr(mediaTypes)),
    config: maybeWrong(descriptor([MediaType.ociConfig, MediaType.dockerConfig])),
    layers: maybeWrong(fc.array(maybeWrong(descriptor([MediaType.ociLayerGzip, MediaType.dockerLayerGzip, MediaType.ociLayerZstd, 'text/plain'])), { maxLength: 3 })),
  },
  { requiredKeys: [] },
);
const indexDoc = fc.record(
  {
    schemaVersion: maybeWrong(fc.constant(2)),
    mediaType: maybeWrong(wordOr(mediaTypes)),
    manifests: maybeWrong(fc.array(maybeWrong(descriptor([MediaType.ociManifest, MediaType.dockerManifest, MediaType.ociIndex])), { maxLength: 3 })),
  },
  { requiredKeys: [] },
);

/** The store is never reached: the pull stops where it would start writing, after the manifest was checked. */
class ReachedStore extends Error {}

/**
 * A pull from a registry that serves hostile manifests and indexes: the
 * documents are checked before anything is stored. The fake client serves
 * the top document for the tag and each child by its own digest (so an
 * index's entry can name a real child).
 */
const registryManifest: FuzzTarget<RegistryDocs> = {
  name: 'registry-manifest',
  reads: 'manifests and indexes from a registry (registry/pull.ts)',
  arbitrary: fc.record({
    top: fc.oneof({ weight: 4, arbitrary: jsonish(indexDoc) }, { weight: 4, arbitrary: jsonish(manifestDoc) }),
    children: fc.array(jsonish(fc.oneof(manifestDoc, indexDoc)), { maxLength: 2 }),
    mediaType: fc.option(wordOr(mediaTypes), { nil: undefined }),
  }).map((docs) => {
    // An index's entries name the children by digest, as a registry's would.
    try {
      const top = JSON.parse(docs.top) as { manifests?: unknown };
      if (Array.isArray(top?.manifests))
        top.manifests.forEach((d: unknown, i: number) => {
          const child = docs.children[i];
          if (d !== null && typeof d === 'object' && child !== undefined) (d as Record<string, unknown>).digest = sha256(child);
        });
      return { ...docs, top: JSON.stringify(top) };
    } catch {
      return docs;
    }
  }),
  async check(docs) {
    const byDigest = new Map(docs.children.map((c) => [sha256(c), c]));
    const client = {
      registry: 'registry.example.com',
      async manifest(_repo: string, ref: string) {
        const body = ref === 'latest' ? docs.top : byDigest.get(ref as `sha256:${string}`);
        if (body === undefined) throw new BurrowError('E_REGISTRY', `manifest unknown: ${ref}`);
        return { bytes: Buffer.from(body), mediaType: ref === 'latest' ? docs.mediaType : undefined, digest: undefined };
      },
    } as unknown as RegistryClient;
    const store = {
      init() {
        throw new ReachedStore();
      },
    } as unknown as Store;
    const request = { client, repo: 'ns/app', ref: 'latest', names: [], source: 'docker://registry.example.com/ns/app:latest', platform: { os: 'linux', architecture: 'amd64' }, retries: 0 };
    try {
      await cleanAsync('pullImage', () => pullImage(store, request));
    } catch (err) {
      if (!(err instanceof FuzzFinding && err.cause instanceof ReachedStore)) throw err;
    }
  },
};

/** One tar header block, its fields given (and sometimes wrong), its checksum right unless `badSum`. */
function tarHeader(h: { name: string; size: string; type: string; prefix: string; magic: string; linkname: string; badSum: boolean }): Buffer {
  const block = Buffer.alloc(512);
  block.write(h.name, 0, 100, 'utf8');
  block.write('0000644\0', 100, 'latin1');
  block.write(h.size, 124, 12, 'latin1');
  block.write(h.type, 156, 1, 'latin1');
  block.write(h.linkname, 157, 100, 'utf8');
  block.write(h.magic, 257, 8, 'latin1');
  block.write(h.prefix, 345, 155, 'utf8');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${(h.badSum ? sum + 1 : sum).toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return block;
}

const paxData = fc
  .array(fc.tuple(wordOr(['path', 'linkpath', 'size', 'GNU.sparse.major', 'mtime']), fc.string({ maxLength: 20 })), { maxLength: 3 })
  .chain((records) =>
    fc.constantFrom('right', 'short', 'long', 'zero').map((lengths) =>
      Buffer.from(
        records
          .map(([k, v]) => {
            const body = ` ${k}=${v}\n`;
            let n = Buffer.byteLength(body) + 1;
            n += String(n).length - 1;
            const len = lengths === 'right' ? n : lengths === 'short' ? n - 3 : lengths === 'long' ? n + 1000 : 0;
            return `${len}${body}`;
          })
          .join(''),
      ),
    ),
  );

/** A tar archive: headers (ustar, pax `x`/`g`, GNU `L`/`K`) with data, sizes and checksums sometimes wrong, sometimes cut short. */
const tarBytes: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.array(
      fc.record({
        name: fc.oneof(fc.constantFrom('manifest.json', 'index.json', 'blobs/sha256/ab', 'a/../b', '/abs', ''), fc.string({ maxLength: 120 })),
        type: fc.constantFrom('0', '\0', '1', '2', '5', 'x', 'g', 'L', 'K', 'S', 'Z'),
        data: fc.oneof(paxData, fc.uint8Array({ maxLength: 1100 }).map((a) => Buffer.from(a))),
        size: fc.constantFrom('right', 'octal-junk', 'base256', 'base256-huge', 'too-big', 'spaces'),
        prefix: fc.oneof(fc.constant(''), fc.string({ maxLength: 10 })),
        magic: fc.constantFrom('ustar\x0000', 'ustar  \0', 'xxxxx'),
        linkname: fc.string({ maxLength: 10 }),
        badSum: fc.nat({ max: 9 }).map((n) => n === 0),
      }),
      { maxLength: 4 },
    ),
    fc.constantFrom('end', 'none', 'cut'),
  )
  .map(([entries, ending]) => {
    const parts: Buffer[] = [];
    for (const e of entries) {
      const n = e.data.length;
      const size =
        e.size === 'right' ? `${n.toString(8).padStart(11, '0')}\0`
        : e.size === 'octal-junk' ? '0000000009x\0'
        : e.size === 'base256' ? Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, (n >> 8) & 0xff, n & 0xff]).toString('latin1')
        : e.size === 'base256-huge' ? Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).toString('latin1')
        : e.size === 'too-big' ? '77777777777\0'
        : '           \0';
      parts.push(tarHeader({ ...e, size }), e.data, Buffer.alloc((512 - (n % 512)) % 512));
    }
    if (ending === 'end') parts.push(Buffer.alloc(1024));
    const all = Buffer.concat(parts);
    return ending === 'cut' && all.length > 0 ? all.subarray(0, all.length - 1 - (all.length % 7)) : all;
  });

/**
 * The archive walker of `load -i FILE` (image/tar-index.ts). It throws a
 * plain Error on anything unusual by design (its caller falls back to the
 * streaming reader, which words the error): here a plain Error is the clear
 * answer, and any other class a finding.
 */
const tarIndexTarget: FuzzTarget<string> = {
  name: 'tar-index',
  reads: 'tar headers of image archives (image/tar-index.ts)',
  arbitrary: tarBytes.map((b) => b.toString('base64')),
  check(input) {
    const file = fileWith('tar-index', 'archive.tar', Buffer.from(input, 'base64'));
    try {
      const entries = tarIndex(file);
      for (const e of entries) if (!(e.offset >= 0 && e.size >= 0 && e.offset + e.size <= Buffer.from(input, 'base64').length)) throw new FuzzFinding(`an entry outside the archive: ${JSON.stringify(e)}`);
    } catch (err) {
      if (err instanceof FuzzFinding) throw err;
      if (!(err instanceof Error && err.constructor === Error)) throw new FuzzFinding(`tarIndex threw ${(err as Error)?.name}: ${(err as Error)?.message}`, { cause: err });
    }
  },
};

/** What a TarReader reports for some bytes fed in pieces of `chunk` (0: all at once): its entries and their data, or its error. */
function readTar(bytes: Buffer, chunk: number): string {
  const out: string[] = [];
  const reader = new TarReader((header) => {
    out.push(JSON.stringify(header));
    const hash = createHash('sha256');
    return { data: (piece) => hash.update(piece), end: () => out.push(hash.digest('hex')) };
  });
  const size = chunk || bytes.length || 1;
  try {
    for (let at = 0; at < bytes.length; at += size) reader.write(bytes.subarray(at, at + size));
    reader.end();
  } catch (err) {
    if (!isClear(err)) throw new FuzzFinding(`TarReader threw ${(err as Error)?.name ?? typeof err}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    out.push(`error: ${(err as Error).message}`);
  }
  return out.join('\n');
}

/**
 * The layers' tar reader (layers/tar-reader.ts): a clear error or entries,
 * and the same answer however the bytes are cut into pieces (it is fed as a
 * download or a decompressor gives them).
 */
const tarReaderTarget: FuzzTarget<{ bytes: string; chunk: number }> = {
  name: 'tar-reader',
  reads: "layer tars' headers: ustar, GNU, pax (layers/tar-reader.ts)",
  arbitrary: fc.record({ bytes: tarBytes.map((b) => b.toString('base64')), chunk: fc.oneof(fc.constantFrom(1, 511, 512, 513), fc.integer({ min: 1, max: 3000 })) }),
  check(input) {
    const bytes = Buffer.from(input.bytes, 'base64');
    const whole = readTar(bytes, 0);
    const pieces = readTar(bytes, input.chunk);
    if (whole !== pieces) throw new FuzzFinding(`the tar reader read differently in pieces of ${input.chunk}:\nwhole:  ${whole}\npieces: ${pieces}`);
  },
};

/** A name a file can have: no NUL, no empty part; long, deep and not ASCII now and then. */
const fileName = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
      { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 120, unit: 'binary' }) },
      // a name of raw bytes, not always UTF-8, as readdir gives it (system/names.ts)
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 60 }).map((b) => decodeName(Buffer.from(b))) },
    ),
    { minLength: 1, maxLength: 30 },
  )
  .map((parts) => parts.map((p) => p.replace(/[\0/]/g, 'x')).join('/'));

/**
 * The packer's tar writer (layers/tar-writer.ts) read back by the
 * unpacker's reader (layers/tar-reader.ts): every header as written, PAX
 * where ustar cannot hold a name, link target or id, and the data whole.
 */
const tarWriterTarget: FuzzTarget<{ name: string; type: TarType; mode: number; uid: number; gid: number; mtime: number; linkname: string; data: string }[]> = {
  name: 'tar-writer',
  reads: 'names, link targets, ids and times a tree has, as export and commit write them (layers/tar-writer.ts)',
  arbitrary: fc.array(
    fc.record({
      name: fileName,
      type: fc.constantFrom<TarType>('file', 'directory', 'symlink', 'link', 'fifo'),
      mode: fc.integer({ min: 0, max: 0o7777 }),
      uid: fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 2 ** 32 - 2 })),
      gid: fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 2 ** 32 - 2 })),
      mtime: fc.integer({ min: 0, max: 2 ** 33 - 1 }),
      linkname: fileName,
      data: fc.string({ maxLength: 1500, unit: 'binary' }),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  check(entries) {
    const file = fileWith('tar-writer', 'out.tar', Buffer.alloc(0));
    const written: string[] = [];
    const fd = openSync(file, 'w');
    try {
      const w = new TarWriter(fd);
      for (const e of entries) {
        const data = Buffer.from(e.data);
        const name = e.type === 'directory' ? `${e.name}/` : e.name;
        const linkname = e.type === 'symlink' || e.type === 'link' ? e.linkname : undefined;
        w.header({ name, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime, ...(e.type === 'file' ? { size: data.length } : {}), ...(linkname !== undefined ? { linkname } : {}) });
        if (e.type === 'file') {
          const src = fileWith('tar-writer', 'data', data);
          const dfd = openSync(src, 'r');
          try {
            w.file(dfd, data.length);
          } finally {
            closeSync(dfd);
          }
        }
        written.push(JSON.stringify([name, e.type, e.mode, e.uid, e.gid, e.mtime, linkname ?? '', e.type === 'file' ? sha256(data) : '']));
      }
      w.end();
    } finally {
      closeSync(fd);
    }
    const read: string[] = [];
    const reader = new TarReader((h) => {
      const hash = createHash('sha256');
      const at = read.push('') - 1;
      const line = (digest: string) => JSON.stringify([h.name, h.type, h.mode & 0o7777, h.uid, h.gid, h.mtime, h.linkname, digest]);
      read[at] = line('');
      return h.type === 'file' ? { data: (piece) => hash.update(piece), end: () => (read[at] = line(`sha256:${hash.digest('hex')}`)) } : undefined;
    });
    reader.write(readFileSync(file));
    reader.end();
    if (JSON.stringify(read) !== JSON.stringify(written)) throw new FuzzFinding(`the tar read back differs:\nwritten: ${written.join('\n         ')}\nread:    ${read.join('\n         ')}`);
  },
};

const entryName = fc.oneof(
  fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom('a', 'b', '.', '..', '', '.wh.a', '.wh..wh..opq', '.wh.', '.wh..', '.wh...', '...', 'é', '\0') }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) }), { minLength: 1, maxLength: 6 }).map((p) => p.join('/')),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('/', '//', './', '/..', 'a'.repeat(4097)),
);

/** A layer entry's name, as the unpacker cleans it and reads its whiteouts (layers/apply.ts): never a path that leaves the layer. */
const layerEntryName: FuzzTarget<string> = {
  name: 'layer-entry-name',
  reads: 'tar entry names and whiteouts of layers (layers/apply.ts)',
  arbitrary: entryName,
  check(input) {
    const name = clean(`cleanName(${JSON.stringify(input)})`, () => cleanName(input));
    if (name === undefined) return;
    const parts = name === '' ? [] : name.split('/');
    if (name.startsWith('/') || parts.some((p) => p === '..' || p === '.' || p === '') || name.includes('\0'))
      throw new FuzzFinding(`cleanName(${JSON.stringify(input)}) gave ${JSON.stringify(name)}, not a clean relative path`);
    const base = parts.at(-1) ?? '';
    if (base.startsWith('.wh.') && base !== '.wh..wh..opq') {
      const target = clean(`whiteoutTarget(${JSON.stringify(name)})`, () => whiteoutTarget(name, base));
      if (target !== undefined && (target === '' || target === '.' || target === '..' || target.includes('/')))
        throw new FuzzFinding(`whiteoutTarget(${JSON.stringify(name)}) names ${JSON.stringify(target)}, not a file beside it`);
    }
  },
};

/** A GNU sparse entry in PAX 1.0 form: its pax header, then its data (the map, padded, then the pieces) in chunks. */
interface SparseInput {
  pax: Record<string, string>;
  data: string;
  chunk: number;
}

const sparseTarget: FuzzTarget<SparseInput> = {
  name: 'sparse',
  reads: 'GNU sparse maps in layer tars (layers/sparse.ts)',
  arbitrary: fc.record({
    pax: fc.record(
      {
        'GNU.sparse.major': wordOr(['1', '0']),
        'GNU.sparse.minor': wordOr(['0', '1']),
        'GNU.sparse.name': wordOr(['f', 'd/f', '']),
        'GNU.sparse.realsize': wordOr(['0', '100', '4096', '-1', '1e3', '9007199254740993', ' 5']),
      },
      { requiredKeys: [] },
    ),
    data: fc
      .tuple(
        fc.array(fc.tuple(fc.nat({ max: 5000 }), fc.nat({ max: 600 })), { maxLength: 4 }),
        fc.option(fc.constantFrom('99', '-1', 'x', '', '1048577', '1e2'), { nil: undefined }),
        fc.uint8Array({ maxLength: 700 }),
        fc.constantFrom('pad', 'nopad', 'cut'),
      )
      .map(([pieces, badCount, tail, pad]) => {
        const map = `${[badCount ?? String(pieces.length), ...pieces.flatMap(([o, l]) => [String(o), String(l)])].join('\n')}\n`;
        const padded = pad === 'pad' ? map.padEnd(Math.ceil(map.length / 512) * 512, '\0') : pad === 'cut' ? map.slice(0, -2) : map;
        return Buffer.concat([Buffer.from(padded, 'latin1'), Buffer.from(tail)]).toString('base64');
      }),
    chunk: fc.constantFrom(1, 7, 100, 512, 4096),
  }),
  check({ pax, data, chunk }) {
    const header = clean('sparseHeader', () => sparseHeader(pax, 'f'));
    if (header === undefined) return;
    const file = fileWith('sparse', 'f', '');
    const fd = openSync(file, 'w');
    try {
      const bytes = Buffer.from(data, 'base64');
      try {
        const sink = sparseWriter(fd, header, 'f');
        for (let i = 0; i < bytes.length; i += chunk) sink.write(bytes.subarray(i, i + chunk));
        sink.end();
      } catch (err) {
        // A failed write or truncate is the system's answer, which the unpacker words (systemFailure).
        if (!isClear(err) && errnoCode(err) === undefined) throw new FuzzFinding(`sparseWriter threw ${(err as Error)?.name}: ${(err as Error)?.message}`, { cause: err });
      }
    } finally {
      closeSync(fd);
    }
  },
};

/** One entry of a hostile layer: names with `..`, links out, whiteouts, and the paths that would follow them. */
interface LayerEntry {
  type: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device';
  name: string;
  linkname: string;
  data: string;
  mode: number;
  pax: Record<string, string> | undefined;
  /** more data than a stream buffers (70,000 bytes) instead of `data` */
  big?: boolean;
}

interface LayerInput {
  entries: LayerEntry[];
  /** how the bytes reach the unpacker */
  wrap: 'plain' | 'gzip' | 'cut' | 'flip';
  at: number;
  /** the size of the chunks it reads (0: all at once), as a download or a decompressor gives them */
  chunk?: number;
  /** read from a file with read(2) (applyLayerFile, as `load -i` reads a docker archive's layer), not as a stream */
  fromFile?: boolean;
}

const layerPath = fc
  .array(fc.constantFrom('a', 'b', 'l', 'out', '.', '..', '.wh.a', '.wh.l', '.wh..wh..opq', '..a', 'dir'), { minLength: 1, maxLength: 4 })
  .chain((parts) => fc.constantFrom('', '/', './').map((lead) => lead + parts.join('/')));
const linkTarget = fc.oneof(layerPath, fc.constantFrom('../outside', '../outside/file', '..', '../..', '/', '/tmp', '../../../../../../../..', 'l/../../outside', '/proc/self/cwd'));

const layerInput: fc.Arbitrary<LayerInput> = fc.record({
  entries: fc.array(
    fc.record({
      type: fc.constantFrom('file', 'file', 'directory', 'symlink', 'symlink', 'link', 'fifo', 'character-device'),
      name: layerPath,
      linkname: linkTarget,
      data: fc.string({ maxLength: 20 }),
      mode: fc.constantFrom(0o644, 0o755, 0o4755, 0o000, 0o7777),
      pax: fc.option(
        fc.dictionary(
          fc.constantFrom('path', 'linkpath', 'SCHILY.xattr.user.a', 'SCHILY.xattr.trusted.x', 'GNU.sparse.major', 'GNU.sparse.minor', 'GNU.sparse.name', 'GNU.sparse.realsize', 'mtime', 'uid', 'size'),
          fc.oneof(layerPath, fc.constantFrom('1', '0', '100', '-86400.5', '1.5', '99999999999999999999', 'x')),
        ),
        { nil: undefined },
      ),
      big: fc.nat({ max: 7 }).map((n) => n === 0),
    }),
    { minLength: 1, maxLength: 8 },
  ),
  wrap: fc.constantFrom('plain', 'plain', 'plain', 'gzip', 'cut', 'flip'),
  at: fc.nat(),
  chunk: fc.constantFrom(0, 512, 4096, 65536),
  fromFile: fc.boolean(),
});

/** The tar bytes of a layer input. */
async function layerBytes(input: LayerInput): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const ids = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  for (const e of input.entries) {
    const header = { name: e.name, type: e.type, mode: e.mode, mtime: new Date(1_700_000_000_000), ...ids, ...(e.pax ? { pax: e.pax } : {}) };
    if (e.type === 'file') pack.entry(header, e.big ? Buffer.alloc(70_000, 0x61) : e.data);
    else pack.entry({ ...header, linkname: e.type === 'symlink' || e.type === 'link' ? e.linkname : undefined });
  }
  pack.finalize();
  await done;
  let bytes = Buffer.concat(chunks);
  if (input.wrap === 'gzip') bytes = gzipSync(bytes);
  else if (input.wrap === 'cut') bytes = bytes.subarray(0, input.at % (bytes.length + 1));
  else if (input.wrap === 'flip' && bytes.length > 0) bytes[input.at % bytes.length] = (bytes[input.at % bytes.length] as number) ^ (1 << (input.at % 8));
  return bytes;
}

/** Everything under `dir` but `skip`, as "path kind size nlink" lines. */
function tree(dir: string, skip: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (path === skip) continue;
    const st = lstatSync(path);
    out.push(`${path} ${st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : 'file'} ${st.size} ${st.nlink}`);
    if (st.isDirectory()) out.push(...tree(path, skip));
  }
  return out;
}

/**
 * The layer unpacker (layers/apply.ts) on hostile layers, as `load` and
 * `pull` run it: it answers with a clear error or unpacks, and nothing
 * outside the layer's root is written, linked or given an attribute. The
 * root sits in a box beside an `outside` directory holding one file; after
 * the unpack the box holds exactly that, unchanged. Device nodes and
 * extended attributes go through a fake that checks where they are made.
 */
const layerApply: FuzzTarget<LayerInput> = {
  name: 'layer-apply',
  reads: 'layer tars: names, links, whiteouts, pax headers (layers/apply.ts)',
  arbitrary: layerInput,
  async check(input) {
    const box = join(scratch(), 'layer-apply', String(fileCounter++));
    const root = join(box, 'root');
    mkdirSync(join(box, 'outside'), { recursive: true });
    mkdirSync(root);
    writeFileSync(join(box, 'outside', 'file'), 'sentinel');
    const before = tree(box, root);
    const realRoot = realpathSync(root);
    const inside = (path: string, what: string): void => {
      const parent = realpathSync(dirname(path));
      if (parent !== realRoot && !parent.startsWith(`${realRoot}/`)) throw new FuzzFinding(`${what} \`${path}\` made outside the layer's root (in ${parent})`);
    };
    const sys: LibcCalls = {
      ...LIBC,
      mknod(path) {
        inside(path, 'a device node');
        writeFileSync(path, '', { flag: 'wx' });
      },
      lsetxattr(path) {
        inside(path, 'an extended attribute');
      },
    };
    const bytes = await layerBytes(input);
    let failure: unknown;
    try {
      if (input.fromFile && compressionOf(bytes) === undefined) {
        // (at an offset, as a layer lies in an archive; beside the box, which must not change)
        const file = `${box}.tar`;
        writeFileSync(file, Buffer.concat([Buffer.alloc(1000, 0x78), bytes]));
        const fd = openSync(file, 'r');
        try {
          await cleanAsync('applyLayerFile', () => applyLayerFile(sys, { fd, path: file, offset: 1000, length: bytes.length }, root));
        } finally {
          closeSync(fd);
          rmSync(file, { force: true });
        }
      } else {
        const size = input.chunk || bytes.length || 1;
        const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_x, i) => bytes.subarray(i * size, (i + 1) * size));
        await cleanAsync('applyLayer', () => applyLayer(sys, Readable.from(chunks), root));
      }
    } catch (err) {
      failure = err;
    }
    const after = tree(box, root);
    const sentinel = readFileSync(join(box, 'outside', 'file'), 'utf8');
    const rootKind = lstatSync(root).isDirectory();
    if (rootKind) searchable(root);
    rmSync(box, { recursive: true, force: true });
    // An escape first: it matters more than how the unpack ended.
    if (after.join('\n') !== before.join('\n') || sentinel !== 'sentinel' || !rootKind)
      throw new FuzzFinding(`the unpack changed what is outside the layer's root:\nbefore ${before.join(', ')}\nafter  ${after.join(', ')}`);
    if (failure !== undefined) throw failure;
  },
};

/** An OCI image layout: index.json, and blobs (JSON documents) that the index and manifests name by digest. */
interface LayoutInput {
  /** index.json; undefined: none (a docker archive's files, with manifest.json) */
  index: string | undefined;
  blobs: string[];
  /** a docker archive's manifest.json, and the files it names (path, content) */
  manifestJson?: string;
  files?: [string, string][];
}

const configDoc = fc.record(
  {
    architecture: maybeWrong(wordOr(['amd64', 'arm64'])),
    os: maybeWrong(wordOr(['linux'])),
    rootfs: maybeWrong(fc.record({ type: maybeWrong(fc.constant('layers')), diff_ids: maybeWrong(fc.array(maybeWrong(digestLike), { maxLength: 3 })) }, { requiredKeys: [] })),
    config: maybeWrong(fc.record({ User: maybeWrong(fc.string({ maxLength: 8 })), Env: maybeWrong(fc.array(maybeWrong(fc.string({ maxLength: 8 })), { maxLength: 2 })) }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);
const refNameAnnotation = fc.record({ 'org.opencontainers.image.ref.name': maybeWrong(wordOr(['latest', 'docker.io/library/busybox:1', 'a/b:c', 'bad name', '-x'])) }, { requiredKeys: [] });

/** Points every descriptor of `doc` (an index's manifests, a manifest's config and layers) at one of `digests`, chosen by position. */
function wire(doc: unknown, digests: string[], salt: number): unknown {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || digests.length === 0) return doc;
  const d = doc as Record<string, unknown>;
  let k = salt;
  const point = (desc: unknown): void => {
    if (desc !== null && typeof desc === 'object' && !Array.isArray(desc)) (desc as Record<string, unknown>).digest = digests[k++ % digests.length];
  };
  if (Array.isArray(d.manifests)) d.manifests.forEach(point);
  point(d.config);
  if (Array.isArray(d.layers)) d.layers.forEach(point);
  return d;
}

/** Now and then the wrong type: for documents that should mostly get past the first checks. */
const rarelyWrong = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | unknown> => fc.oneof({ weight: 15, arbitrary: a }, { weight: 1, arbitrary: wrongValue });

/** A layout that is nearly right: index -> manifest -> config and layer blobs, each digest true, a field now and then wrong. */
const nearlyValidLayout: fc.Arbitrary<LayoutInput> = fc
  .record({
    refName: fc.option(rarelyWrong(wordOr(['latest', 'docker.io/library/busybox:1', 'a/b:c', 'bad name'])), { nil: undefined }),
    entryType: rarelyWrong(fc.constantFrom(MediaType.ociManifest, MediaType.dockerManifest)),
    manifestType: rarelyWrong(fc.constantFrom(MediaType.ociManifest, MediaType.dockerManifest)),
    layerTypes: fc.array(rarelyWrong(fc.constantFrom(MediaType.ociLayerGzip, MediaType.dockerLayerGzip, MediaType.ociLayerZstd, 'text/plain')), { maxLength: 3 }),
    diffIds: fc.nat({ max: 3 }),
    diffId: rarelyWrong(digestLike),
    schemaVersion: rarelyWrong(fc.constant(2)),
    config: configDoc,
  })
  .map((g) => {
    const layerBlobs = g.layerTypes.map((_t, i) => JSON.stringify({ layer: i }));
    const config = JSON.stringify({ ...(g.config as object), rootfs: { type: 'layers', diff_ids: Array.from({ length: g.diffIds }, () => g.diffId) } });
    const manifest = JSON.stringify({
      schemaVersion: g.schemaVersion,
      mediaType: g.manifestType,
      config: { mediaType: MediaType.ociConfig, digest: sha256(config), size: config.length },
      layers: g.layerTypes.map((t, i) => ({ mediaType: t, digest: sha256(layerBlobs[i] as string), size: (layerBlobs[i] as string).length })),
    });
    const entry = { mediaType: g.entryType, digest: sha256(manifest), size: manifest.length, ...(g.refName !== undefined ? { annotations: { 'org.opencontainers.image.ref.name': g.refName } } : {}) };
    return { index: JSON.stringify({ schemaVersion: 2, manifests: [entry] }), blobs: [manifest, config, ...layerBlobs] };
  });

const chaoticLayout: fc.Arbitrary<LayoutInput> = fc
  .record({
    index: jsonish(fc.record({ schemaVersion: maybeWrong(fc.constant(2)), manifests: maybeWrong(fc.array(maybeWrong(fc.record({ mediaType: maybeWrong(wordOr([MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest])), digest: digestLike, annotations: maybeWrong(refNameAnnotation), platform: maybeWrong(fc.record({ os: maybeWrong(wordOr(['linux', 'windows'])) }, { requiredKeys: [] })) }, { requiredKeys: [] })), { maxLength: 3 })) }, { requiredKeys: [] })),
    // Objects only: a blob whose first byte is not `{` is a layer, which the unpack worker (the helper) would take.
    blobs: fc.array(fc.oneof(manifestDoc, indexDoc, configDoc), { minLength: 1, maxLength: 4 }),
    salt: fc.nat({ max: 7 }),
  })
  .map(({ index, blobs, salt }) => {
    // Wired from the last blob to the first, each naming only blobs after it, so every digest is final.
    const texts: string[] = [];
    for (let i = blobs.length - 1; i >= 0; i--) texts.unshift(JSON.stringify(wire(blobs[i], texts.map((t) => sha256(t)), salt + i)));
    let wiredIndex = index;
    try {
      wiredIndex = JSON.stringify(wire(JSON.parse(index), texts.map((t) => sha256(t)), salt)) ?? index;
    } catch {
      // not JSON: as it is
    }
    return { index: wiredIndex, blobs: texts };
  });

/** A docker archive's files in a directory: manifest.json naming a config file and layer files (JSON ones: no worker). */
const dockerLayout: fc.Arbitrary<LayoutInput> = fc
  .record({
    config: configDoc,
    layers: fc.nat({ max: 2 }),
    configName: fc.constantFrom('hex', 'config.json', '../config.json', '/etc/passwd', 'missing.json'),
    repoTags: fc.option(maybeWrong(fc.array(maybeWrong(imageName), { maxLength: 2 })), { nil: undefined }),
    entryWrong: fc.option(wrongValue, { nil: undefined }),
    extra: fc.option(fc.json(), { nil: undefined }),
  })
  .map((g) => {
    const config = JSON.stringify(g.config);
    const configPath = g.configName === 'hex' ? `${sha256(config).slice('sha256:'.length)}.json` : g.configName;
    const files: [string, string][] = [[configPath === '/etc/passwd' || configPath.startsWith('../') || configPath === 'missing.json' ? 'config.json' : configPath, config]];
    const layerPaths = Array.from({ length: g.layers }, (_x, i) => `layer${i}/layer.tar`);
    for (const l of layerPaths) files.push([l, JSON.stringify({ layer: l })]);
    const entry = g.entryWrong ?? { Config: configPath, Layers: layerPaths, ...(g.repoTags !== undefined ? { RepoTags: g.repoTags } : {}) };
    return { index: undefined, blobs: [], manifestJson: g.extra !== undefined && g.layers === 2 ? JSON.stringify(g.extra) : JSON.stringify([entry]), files };
  });

const layoutInput = fc.oneof(nearlyValidLayout, chaoticLayout, dockerLayout);

let layoutStore: FakeStore | undefined;

/**
 * `load` of an OCI image layout or a docker archive's files (image/archive.ts readDirectory,
 * then the manifest check of image/ingest.ts that commit makes): index.json,
 * nested indexes, manifests and configs, wired to each other by digest.
 * Every blob is a JSON document: a layer would go to the unpack worker,
 * which needs the helper (layer-apply fuzzes the unpacker itself). The
 * store is a FakeStore (test/helpers/fake-store.ts).
 */
const imageLayout: FuzzTarget<LayoutInput> = {
  name: 'image-layout',
  reads: 'OCI layouts and docker archives: index.json, manifest.json, manifests, configs (image/archive.ts, image/ingest.ts)',
  arbitrary: layoutInput,
  async check(input) {
    if (layoutStore === undefined) {
      const made = fakeStore();
      layoutStore = made;
      process.on('exit', () => made.remove());
    }
    const dir = join(scratch(), 'image-layout', String(fileCounter++));
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    if (input.index !== undefined) writeFileSync(join(dir, 'index.json'), input.index);
    for (const blob of input.blobs) writeFileSync(join(dir, 'blobs', 'sha256', sha256(blob).slice('sha256:'.length)), blob);
    if (input.manifestJson !== undefined) writeFileSync(join(dir, 'manifest.json'), input.manifestJson);
    for (const [name, content] of input.files ?? []) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    const ingest = new Ingest(layoutStore.store, 'oci:fuzz');
    try {
      const images = await cleanAsync('readDirectory', () => readDirectory(dir, ingest, 'oci:fuzz'));
      // What commit checks first (its unpack of late layers aside): the manifest, its config and their digests.
      const checker = ingest as unknown as { checkManifest(manifest: Manifest, what: string): unknown };
      for (const image of images ?? []) clean('Ingest.checkManifest', () => checker.checkManifest(image.manifest, 'oci:fuzz'));
    } finally {
      await ingest.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** An image config's container part as a registry or archive may have it: every field the run path reads, any type. */
const containerConfigDoc = fc.record(
  {
    User: rarelyWrong(wordOr(['', 'root', '0', '1000', '1000:1000', 'nobody', 'me:staff', 'ghost', '0:ghost', '99999999999', '-1', ':'])),
    Env: rarelyWrong(fc.array(rarelyWrong(wordOr(['PATH=/bin', 'A=1', '=x', 'NOEQ', 'HOME=/h', ''])), { maxLength: 3 })),
    Entrypoint: rarelyWrong(fc.option(fc.array(rarelyWrong(wordOr(['/bin/sh', '-c', 'echo'])), { maxLength: 3 }), { nil: null })),
    Cmd: rarelyWrong(fc.option(fc.array(rarelyWrong(wordOr(['true', 'sh', ''])), { maxLength: 3 }), { nil: null })),
    WorkingDir: rarelyWrong(wordOr(['', '/', '/app', 'relative', '/a/../..', '//x'])),
    ExposedPorts: rarelyWrong(fc.dictionary(wordOr(['80/tcp', '53/udp', '8080', '1-3/tcp', '0/tcp', '65536/tcp', 'x/tcp', '80/sctp', '10-1/tcp']), fc.constant({}), { maxKeys: 3 })),
    Volumes: rarelyWrong(fc.dictionary(wordOr(['/data', 'rel', '/', '/a/../b', '/proc']), fc.constant({}), { maxKeys: 2 })),
    Labels: rarelyWrong(fc.dictionary(fc.string({ maxLength: 5 }), rarelyWrong(fc.string({ maxLength: 5 })), { maxKeys: 2 })),
    StopSignal: rarelyWrong(wordOr(['SIGTERM', 'TERM', '15', 'SIGRTMIN+3', '0', '65', 'SIGNOPE', ' KILL '])),
    Healthcheck: rarelyWrong(
      fc.record(
        {
          Test: rarelyWrong(fc.array(rarelyWrong(wordOr(['CMD', 'CMD-SHELL', 'NONE', 'true', ''])), { maxLength: 3 })),
          Interval: rarelyWrong(fc.oneof(fc.nat(), fc.constantFrom(-1, 1.5, 1e30))),
          Timeout: rarelyWrong(fc.nat()),
          StartPeriod: rarelyWrong(fc.nat()),
          Retries: rarelyWrong(fc.oneof(fc.nat({ max: 10 }), fc.constant(-3))),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

/** The options of a plain `burrow run IMAGE`: what the image's config decides is left to it. */
function plainRunOptions(): RunOptions {
  return {
    command: [], env: [], envFile: [], workdir: undefined, hostname: undefined, user: undefined, volume: [], tmpfs: [], readOnly: false,
    network: 'none', interactive: false, tty: false, init: false, capAdd: [], capDrop: [], securityOpt: [], ulimit: [], rm: false, entrypoint: undefined,
    publishAll: true,
  } as unknown as RunOptions;
}

let imageRoot: string | undefined;

/**
 * An image config from a registry or an archive, as `run` reads it: the
 * container spec built from it (command, user looked up in the image's
 * /etc/passwd, working directory, environment), its exposed ports
 * published with -P, its healthcheck and its stop signal. Only
 * rootfs.diff_ids is checked when an image comes in (image-layout,
 * registry-manifest): every other field reaches these.
 */
const imageConfig: FuzzTarget<string> = {
  name: 'image-config',
  reads: 'image configs as run reads them (runtime/options.ts, health-config.ts, container.ts)',
  arbitrary: jsonish(fc.record({ architecture: fc.constant('amd64'), os: fc.constant('linux'), config: maybeWrong(containerConfigDoc) }, { requiredKeys: ['config'] })),
  check(input) {
    if (imageRoot === undefined) {
      imageRoot = join(scratch(), 'image-config');
      mkdirSync(join(imageRoot, 'layer', 'etc'), { recursive: true });
      mkdirSync(join(imageRoot, 'conf'));
      writeFileSync(join(imageRoot, 'layer', 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\nme:x:1000:1000::/home/me:/bin/sh\nbad line\n');
      writeFileSync(join(imageRoot, 'layer', 'etc', 'group'), 'root:x:0:\nstaff:x:50:me\n');
    }
    let config: ImageConfig;
    try {
      config = JSON.parse(input) as ImageConfig;
    } catch {
      return; // not JSON: refused where it comes in (E_CONFIG)
    }
    if (config === null || typeof config !== 'object') return; // likewise
    // As create: the config's types first (oci/image.ts), then what reads it.
    if (clean('checkContainerConfig', () => (checkContainerConfig(config), true)) === undefined) return;
    const opts = plainRunOptions();
    const ctx = { hostEnv: {}, cwd: '/', id: 'f'.repeat(64), idmap: SUBIDS, root: { kind: 'image' as const, config, layers: [join(imageRoot, 'layer')], root: join(imageRoot, 'rootfs'), overlay: undefined, volumesDir: join(imageRoot, 'volumes') }, configDir: join(imageRoot, 'conf'), runtimeDir: join(imageRoot, 'conf') };
    clean('buildSpec', () => buildSpec(opts, ctx));
    clean('requestedPorts', () => requestedPorts(opts, Object.keys(config.config?.ExposedPorts ?? {})));
    clean('resolveHealthcheck', () => resolveHealthcheck(opts as ContainerOptions, config));
    clean('stopSignal', () => stopSignal(config));
  },
};

/**
 * Every target, in the order the runners take them. Add a parser of
 * untrusted input here, in one line (seccomp profiles' parser is to join:
 * `--security-opt seccomp=PATH`'s JSON, issue #19).
 */
export const TARGETS: FuzzTarget<unknown>[] = [
  reference,
  template,
  registriesConf,
  containersConf,
  burrowToml,
  authJson,
  policyJson,
  wwwAuthenticate,
  registryManifest,
  imageLayout,
  imageConfig,
  tarIndexTarget,
  tarReaderTarget,
  tarWriterTarget,
  layerEntryName,
  layerApply,
  sparseTarget,
  seccompProfile,
].map((t) => t as unknown as FuzzTarget<unknown>); // each checks only inputs of its own arbitrary

/** The target named `name`. */
export function target(name: string): FuzzTarget<unknown> {
  const t = TARGETS.find((x) => x.name === name);
  if (t === undefined) throw new Error(`no fuzz target \`${name}\` (${TARGETS.map((x) => x.name).join(', ')})`);
  return t;
}

/** Runs one input through a target, timing it: a slow one is a finding too. */
export async function runOne(t: FuzzTarget<unknown>, input: unknown): Promise<void> {
  const start = performance.now();
  await t.check(input);
  const ms = performance.now() - start;
  if (ms > SLOW_MS) throw new FuzzFinding(`${t.name}: one input took ${Math.round(ms)} ms (more than ${SLOW_MS})`);
}
