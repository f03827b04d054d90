/*
 * The registry client's pure parts and the ecosystem's files, each in a
 * temporary directory: certs.d, WWW-Authenticate challenges, the platform
 * chosen from an index, Go durations. registries.conf, auth files and
 * policy.json: registries-conf.test.ts, auth-file.test.ts, policy.test.ts.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseDuration } from '../../../src/cli/duration.js';
import { tlsMaterial } from '../../../src/registry/certs.js';
import { parseChallenge } from '../../../src/registry/client.js';
import { choosePlatform } from '../../../src/registry/pull.js';
import type { Index } from '../../../src/oci/image.js';

function dirs() {
  const root = mkdtempSync(join(tmpdir(), 'burrow-regconf-'));
  const env = { HOME: join(root, 'home'), XDG_CONFIG_HOME: join(root, 'config'), XDG_RUNTIME_DIR: join(root, 'run'), BURROW_CONTAINERS_CONF_DIR: join(root, 'etc'), PATH: process.env.PATH };
  for (const d of [env.HOME, join(env.XDG_CONFIG_HOME, 'containers'), env.XDG_RUNTIME_DIR, join(env.BURROW_CONTAINERS_CONF_DIR, 'registries.conf.d')]) mkdirSync(d, { recursive: true });
  return { root, env, etc: env.BURROW_CONTAINERS_CONF_DIR, user: join(env.XDG_CONFIG_HOME, 'containers') };
}

describe('certs.d', () => {
  it('takes *.crt as CAs and NAME.cert with NAME.key as a client pair; a .cert alone is an error', () => {
    const d = dirs();
    const dir = join(d.user, 'certs.d', 'r.example:5000');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'ca.crt'), 'CA');
    writeFileSync(join(dir, 'client.cert'), 'CERT');
    writeFileSync(join(dir, 'client.key'), 'KEY');
    expect(tlsMaterial(d.env, 'r.example:5000')).toEqual({ ca: ['CA'], cert: 'CERT', key: 'KEY', dirs: [dir] });
    expect(tlsMaterial(d.env, 'r.example')).toEqual({ ca: [], dirs: [] });
    writeFileSync(join(dir, 'other.cert'), 'X');
    expect(() => tlsMaterial(d.env, 'r.example:5000')).toThrow('missing key other.key');
  });
});

describe('the protocol', () => {
  it('parses WWW-Authenticate challenges', () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' },
    });
    expect(parseChallenge('Basic realm="x"')).toEqual({ scheme: 'basic', params: { realm: 'x' } });
    expect(parseChallenge('Negotiate abc')).toBeUndefined();
  });

  it("chooses the platform's manifest from an index, with arm's variants as podman", () => {
    const m = (architecture: string, variant?: string) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${architecture}${variant ?? ''}`.padEnd(71, '0') as `sha256:${string}`,
      size: 1,
      platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) },
    });
    const index: Index = { schemaVersion: 2, manifests: [m('amd64'), m('arm64', 'v8'), m('arm', 'v6'), m('arm', 'v7')] };
    expect(choosePlatform(index, { os: 'linux', architecture: 'amd64' }, 'x').platform?.architecture).toBe('amd64');
    expect(choosePlatform(index, { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'x').platform?.variant).toBe('v8');
    expect(choosePlatform(index, { os: 'linux', architecture: 'arm', variant: 'v7' }, 'x').platform?.variant).toBe('v7');
    expect(choosePlatform({ schemaVersion: 2, manifests: [m('arm', 'v6')] }, { os: 'linux', architecture: 'arm', variant: 'v7' }, 'x').platform?.variant).toBe('v6');
    expect(() => choosePlatform(index, { os: 'linux', architecture: 's390x' }, 'r/x:1')).toThrow(
      'r/x:1: no image for linux/s390x in the manifest list (it has linux/amd64, linux/arm64/v8, linux/arm/v6, linux/arm/v7)',
    );
  });

  it('reads Go durations', () => {
    expect(parseDuration('2s', '--retry-delay')).toBe(2000);
    expect(parseDuration('1m30s', '--retry-delay')).toBe(90_000);
    expect(parseDuration('10ms', '--retry-delay')).toBe(10);
    expect(() => parseDuration('5', '--retry-delay')).toThrow('invalid argument "5" for "--retry-delay" flag: time: invalid duration "5"');
  });
});
