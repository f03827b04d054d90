import { readFileSync } from 'node:fs';

/** One line of /etc/subuid or /etc/subgid that belongs to the user. */
export interface SubidRange {
  start: number;
  count: number;
}

/**
 * The ranges of /etc/subuid or /etc/subgid for a user, matched by name or by
 * numeric id as shadow-utils does. Malformed lines are skipped, like newuidmap.
 */
export function parseSubids(text: string, user: string, id: number): SubidRange[] {
  const ranges: SubidRange[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [owner, start, count] = trimmed.split(':');
    if (owner === undefined || start === undefined || count === undefined) continue;
    if (owner !== user && owner !== String(id)) continue;
    if (!/^\d+$/.test(start) || !/^\d+$/.test(count)) continue;
    const range = { start: Number(start), count: Number(count) };
    if (range.count > 0) ranges.push(range);
  }
  return ranges;
}

export function readSubids(file: string, user: string, id: number): SubidRange[] {
  try {
    return parseSubids(readFileSync(file, 'utf8'), user, id);
  } catch {
    return [];
  }
}
