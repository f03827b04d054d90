/*
 * certs.d as containers/image reads it: which directory (the first that
 * exists, or --cert-dir alone), CAs from *.crt, a client pair from
 * NAME.cert and NAME.key, and the errors that name the file.
 */
import { chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { BurrowError } from '../../../src/errors.js';
import { certDirs, tlsMaterial } from '../../../src/registry/certs.js';
import { confTree } from '../../helpers/containers-conf.js';

const ROOT = process.getuid?.() === 0;

/** A self-signed EC client certificate (CN=burrow-test-client, valid to 2126) and its key, made with openssl. */
const CERT = `-----BEGIN CERTIFICATE-----
MIIBkDCCATegAwIBAgIUFBovR5kTFD7rP4Ei72yFpV/vhKMwCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSYnVycm93LXRlc3QtY2xpZW50MCAXDTI2MTIwNTAyMTIwOFoY
DzIxMjYxMTExMDIxMjA4WjAdMRswGQYDVQQDDBJidXJyb3ctdGVzdC1jbGllbnQw
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARGo6yzP2uEmou6GE0K3yIwxpc44vts
YZ6eJHQ74hnyeY8K1lPvSHQZV6Bwb55GElX1cU2nuVDkSOSGHepI7rdoo1MwUTAd
BgNVHQ4EFgQUbEmZqBJNd+Qn7dHXfi6EJ2V65g4wHwYDVR0jBBgwFoAUbEmZqBJN
d+Qn7dHXfi6EJ2V65g4wDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBE
AiBx+ppN1YPGuTaRNSHuK6a0wmg9lz+GQQ02EYDM/lHfeAIge8Yd+Oa+2XJwqt2p
FTVL9tN4yRacEcVaoND9ZrJbh3A=
-----END CERTIFICATE-----
`;
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgVLVKd7BI0NC+jdTW
3QILpRDC1dmXfKkNDGGsa3mVUlWhRANCAARGo6yzP2uEmou6GE0K3yIwxpc44vts
YZ6eJHQ74hnyeY8K1lPvSHQZV6Bwb55GElX1cU2nuVDkSOSGHepI7rdo
-----END PRIVATE KEY-----
`;
/** A second pair: CERT2 (CN=burrow-test-other) and KEY2, which does not match CERT. */
const CERT2 = `-----BEGIN CERTIFICATE-----
MIIBkDCCATWgAwIBAgIUM855EFE4u/eTGenIouqmsYR1Cb0wCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRYnVycm93LXRlc3Qtb3RoZXIwIBcNMjYxMjA1MDIxMjA4WhgP
MjEyNjExMTEwMjEyMDhaMBwxGjAYBgNVBAMMEWJ1cnJvdy10ZXN0LW90aGVyMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEcs/0JgILXHMKtJ+u2hMeKz6aNlwLHsjl
QY5WNLpwsC50bLmllgjgZmn7RzJeWgJ8QW8BuJxVHOoiUj8xW5KoxKNTMFEwHQYD
VR0OBBYEFC6q02KL34kaY+WnwW0iAtFKeeurMB8GA1UdIwQYMBaAFC6q02KL34ka
Y+WnwW0iAtFKeeurMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIh
AI7vztG9jt21GDE8L/Qcu3MV0yaVijwpHJjQ6Ae2fUL9AiEA8HEsDbd0RPu41agd
pTlzkNDT1JEZ68gNcIfyWVn316c=
-----END CERTIFICATE-----
`;
const KEY2 = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgexRoSTO97OSZkLhm
jFup2kwYH824wggU+k7naQOqu9yhRANCAARyz/QmAgtccwq0n67aEx4rPpo2XAse
yOVBjlY0unCwLnRsuaWWCOBmaftHMl5aAnxBbwG4nFUc6iJSPzFbkqjE
-----END PRIVATE KEY-----
`;

function caught(fn: () => unknown): BurrowError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BurrowError);
    expect((err as BurrowError).code).toBe('E_CERTS');
    return err as BurrowError;
  }
  throw new Error('did not throw');
}

describe('certs.d', () => {
  it("looks in the user's certs.d, the system's, then docker's, for HOST[:PORT]; --cert-dir alone", () => {
    const t = confTree();
    expect(certDirs(t.env, 'r.example:5000')).toEqual([
      join(t.user, 'certs.d', 'r.example:5000'),
      join(t.etc, 'certs.d', 'r.example:5000'),
      '/etc/docker/certs.d/r.example:5000',
    ]);
    expect(certDirs(t.env, 'r.example', '/given')).toEqual(['/given']);
  });

  it('takes every *.crt as a CA and NAME.cert with NAME.key as the client pair, from the first directory that exists only', () => {
    const t = confTree();
    const user = join(t.user, 'certs.d', 'r.example:5000');
    const system = join(t.etc, 'certs.d', 'r.example:5000');
    t.write(join(system, 'system.crt'), 'SYSTEM CA');
    expect(tlsMaterial(t.env, 'r.example:5000')).toEqual({ ca: ['SYSTEM CA'], dirs: [system] });
    t.write(join(user, 'b.crt'), 'CA B');
    t.write(join(user, 'a.crt'), 'CA A');
    t.write(join(user, 'client.cert'), CERT);
    t.write(join(user, 'client.key'), KEY);
    t.write(join(user, 'README'), 'ignored');
    expect(tlsMaterial(t.env, 'r.example:5000')).toEqual({ ca: ['CA A', 'CA B'], cert: CERT, key: KEY, dirs: [user] });
    // Several pairs: each must load, the first by name is presented.
    t.write(join(user, 'another.cert'), CERT2);
    t.write(join(user, 'another.key'), KEY2);
    t.write(join(user, 'second.cert'), CERT);
    t.write(join(user, 'second.key'), KEY);
    expect(tlsMaterial(t.env, 'r.example:5000')).toMatchObject({ cert: CERT2, key: KEY2 });
    t.write(join(user, 'second.key'), KEY2);
    expect(caught(() => tlsMaterial(t.env, 'r.example:5000')).message).toMatch(/second\.cert and second\.key: not a usable client certificate and key/);
    // The port is part of the name: r.example has no directory.
    expect(tlsMaterial(t.env, 'r.example')).toEqual({ ca: [], dirs: [] });
  });

  it('--cert-dir replaces the certs.d directories; one that does not exist is an error', () => {
    const t = confTree();
    t.write(join(t.user, 'certs.d', 'r.example', 'ca.crt'), 'CERTS.D CA');
    const given = join(t.root, 'given');
    t.write(join(given, 'ca.crt'), 'GIVEN CA');
    expect(tlsMaterial(t.env, 'r.example', given)).toEqual({ ca: ['GIVEN CA'], dirs: [given] });
    expect(caught(() => tlsMaterial(t.env, 'r.example', join(t.root, 'nope'))).message).toBe(`--cert-dir \`${join(t.root, 'nope')}\`: no such directory`);
  });

  it('a .cert without its .key, a .key without its .cert, or a pair that does not match, is an error naming the file', () => {
    const t = confTree();
    const dir = join(t.user, 'certs.d', 'r.example');
    t.write(join(dir, 'client.cert'), CERT);
    const lone = caught(() => tlsMaterial(t.env, 'r.example'));
    expect(lone.message).toBe(`${join(dir, 'client.cert')}: missing key client.key for the client certificate client.cert`);
    expect(lone.hint).toBe('CA certificates take the extension .crt');
    const t2 = confTree();
    const dir2 = join(t2.user, 'certs.d', 'r.example');
    t2.write(join(dir2, 'client.key'), KEY);
    expect(caught(() => tlsMaterial(t2.env, 'r.example')).message).toBe(`${join(dir2, 'client.key')}: missing client certificate client.cert for the key client.key`);
    t2.write(join(dir2, 'client.cert'), CERT);
    t2.write(join(dir2, 'client.key'), KEY2);
    expect(caught(() => tlsMaterial(t2.env, 'r.example')).message).toMatch(
      new RegExp(`^${join(dir2, 'client.cert').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} and client.key: not a usable client certificate and key: .*key values mismatch`),
    );
  });

  it('passes over a dangling *.crt link, as containers/image does', () => {
    const t = confTree();
    const dir = join(t.user, 'certs.d', 'r.example');
    t.write(join(dir, 'real.crt'), 'REAL');
    symlinkSync(join(t.root, 'gone.crt'), join(dir, 'dangling.crt'));
    expect(tlsMaterial(t.env, 'r.example').ca).toEqual(['REAL']);
  });

  // Root reads and lists mode-000 files and directories: these cannot be shown as root.
  it.skipIf(ROOT)('an unreadable *.crt is an error naming it (skipped as root: root reads it)', () => {
    const t = confTree();
    const dir = join(t.user, 'certs.d', 'r.example');
    t.write(join(dir, 'real.crt'), 'REAL');
    chmodSync(join(dir, 'real.crt'), 0);
    expect(caught(() => tlsMaterial(t.env, 'r.example')).message).toBe(`${join(dir, 'real.crt')}: permission denied`);
  });

  it.skipIf(ROOT)('passes over a certs.d directory it may not list; a --cert-dir it may not list is an error (skipped as root: root lists it)', () => {
    const t = confTree();
    const user = join(t.user, 'certs.d', 'r.example');
    mkdirSync(user, { recursive: true });
    t.write(join(user, 'ca.crt'), 'USER');
    chmodSync(user, 0);
    try {
      expect(tlsMaterial(t.env, 'r.example')).toEqual({ ca: [], dirs: [] });
      expect(caught(() => tlsMaterial(t.env, 'r.example', user)).message).toBe(`${user}: permission denied`);
    } finally {
      chmodSync(user, 0o700);
    }
  });
});
