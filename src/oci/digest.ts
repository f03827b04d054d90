import { BurrowError } from '../errors.js';
import { builtin } from '../lazy.js';

export type Digest = `sha256:${string}`;

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && DIGEST.test(value);
}

/** Checks a digest from an untrusted manifest or archive. */
export function parseDigest(value: unknown, what: string): Digest {
  if (!isDigest(value)) throw new BurrowError('E_DIGEST', `${what}: invalid digest \`${String(value).slice(0, 100)}\` (only sha256 is supported)`);
  return value;
}

export function hex(digest: Digest): string {
  return digest.slice('sha256:'.length);
}

export function sha256(data: Buffer | string): Digest {
  const { createHash } = builtin<typeof import('node:crypto')>('node:crypto');
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The chain id of a layer stack (OCI image spec): the base's diff id, then sha256("<parent> <diff>"). */
export function chainIds(diffIds: Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const diff of diffIds) {
    const parent = out[out.length - 1];
    out.push(parent === undefined ? diff : sha256(`${parent} ${diff}`));
  }
  return out;
}
