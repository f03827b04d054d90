/*
 * The registry client's pure parts: WWW-Authenticate challenges, the
 * platform chosen from an index, Go durations. The ecosystem's files have
 * their own: registries-conf, auth-file, policy and certs .test.ts.
 */
import { describe, expect, it } from 'vitest';

import { parseDuration } from '../../../src/cli/duration.js';
import { parseChallenge } from '../../../src/registry/client.js';
import { choosePlatform } from '../../../src/registry/pull.js';
import type { Index } from '../../../src/oci/image.js';

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
