/**
 * The names of containers/image's file transports (`oci:DIR[:REF]`,
 * `oci-archive:PATH[:REF]`, `docker-archive:PATH[:REF]`), apart from the
 * reading of them (image/transports.ts, image/archive.ts): the fast path
 * (src/fast.ts) tells a registry's name from a file's without loading the
 * archive readers.
 */
import { resolve } from 'node:path';

import { BurrowError } from '../errors.js';

export const FILE_TRANSPORTS = ['oci', 'oci-archive', 'docker-archive'] as const;
export type FileTransport = (typeof FILE_TRANSPORTS)[number];

export interface FileReference {
  transport: FileTransport;
  /** absolute */
  path: string;
  /** the path as given (podman names an image from `oci:` after it) */
  typed: string;
  ref: string | undefined;
}

/** `transport:PATH[:REF]`, or undefined when `input` names no file transport. */
export function parseFileReference(input: string): FileReference | undefined {
  const colon = input.indexOf(':');
  if (colon < 0) return undefined;
  const transport = input.slice(0, colon) as FileTransport;
  if (!FILE_TRANSPORTS.includes(transport)) return undefined;
  const rest = input.slice(colon + 1);
  // As containers/image: the path ends at the first colon.
  const sep = rest.indexOf(':');
  const path = sep < 0 ? rest : rest.slice(0, sep);
  const ref = sep < 0 ? undefined : rest.slice(sep + 1);
  if (path === '') throw new BurrowError('E_USAGE', `\`${input}\`: no path after \`${transport}:\``);
  if (ref === '') throw new BurrowError('E_USAGE', `\`${input}\`: an empty reference after the path`);
  return { transport, path: resolve(path), typed: path, ref };
}

/** The scope policy.json is asked about for `ref` (containers/image's StringWithinTransport). */
export function policyScope(ref: FileReference): string {
  return ref.ref === undefined ? ref.path : `${ref.path}:${ref.ref}`;
}
