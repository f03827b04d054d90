/**
 * Labels as podman takes them on the command line (`--label KEY=VALUE`, a
 * KEY alone: an empty value) and from `--label-file` (one per line; blank
 * lines and `#` comments skipped), for containers, pods and networks. A
 * container's are read once, when it is made, and kept in its record.
 */
import { readFileSync } from 'node:fs';

import { BurrowError, errnoCode, UsageError } from '../errors.js';

/** --label KEY=VALUE (a KEY alone: an empty value). */
export function parseLabels(labels: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of labels) {
    const eq = l.indexOf('=');
    const key = eq < 0 ? l : l.slice(0, eq);
    if (key === '') throw new UsageError(`invalid label \`${l}\`: expected KEY=VALUE`);
    out[key] = eq < 0 ? '' : l.slice(eq + 1);
  }
  return out;
}

/** The lines of a --label-file: each a label, as --label takes it. */
export function readLabelFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const why = errnoCode(err) === 'ENOENT' ? 'no such file' : errnoCode(err) === 'EISDIR' ? 'is a directory' : errnoCode(err) === 'EACCES' ? 'permission denied' : String(err);
    throw new BurrowError('E_LABEL_FILE', `label file \`${file}\`: ${why}`);
  }
  const out: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('=')) throw new UsageError(`label file \`${file}\` line ${index + 1}: \`${line.slice(0, 100)}\` is not KEY=VALUE`);
    out.push(line);
  });
  return out;
}

/** A container's own labels: its --label-file lines, then its --label (which win). */
export function containerLabels(label: string[], labelFile: string[]): Record<string, string> {
  return parseLabels([...labelFile.flatMap(readLabelFile), ...label]);
}
