import { UsageError } from '../errors.js';

const UNITS: Record<string, number> = { '': 1, k: 1 << 10, m: 1 << 20, g: 1 << 30, t: 2 ** 40, p: 2 ** 50 };

/**
 * A size as podman's flags read it (docker's RAMInBytes: `10k`, `20mb`,
 * `1GiB`, `512`; binary units): `--log-opt max-size`, `--shm-size`. `what`
 * names it in the error (`log size`, `--shm-size`).
 */
export function parseByteSize(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`invalid ${what} \`${text}\`: a number of bytes, with k, m or g (e.g. 10m)`);
  const size = Math.floor(Number(m[1]) * (UNITS[(m[2] as string).toLowerCase()] as number));
  if (!Number.isSafeInteger(size)) throw new UsageError(`invalid ${what} \`${text}\`: too large`);
  return size;
}
