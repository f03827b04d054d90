/**
 * File names are bytes on Linux, and a layer or a container may hold names
 * that are not UTF-8 (Latin-1 names from an old tar, a file a program made
 * from raw bytes). JavaScript strings are not bytes: Node decodes such a name
 * with U+FFFD in place of each bad byte, and the name is lost (two names may
 * even become one). burrow keeps them as Python's `surrogateescape` does: a
 * byte that is not part of valid UTF-8 becomes the lone surrogate
 * U+DC80 + byte, which no valid UTF-8 decodes to, and it goes back to that
 * byte where the name meets the kernel or a tar. A valid UTF-8 name is the
 * plain string, so the usual name costs one check on each side.
 *
 * Names enter as bytes (`decodeName`: a tar header, readdir and readlink with
 * `encoding: 'buffer'`) and leave through `fsPath` (what Node's fs and libc.ts
 * take) or `nameBytes` (a tar header, output).
 */
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';

/**
 * Whether a string may hold an escaped byte: a code unit in U+DC80..U+DCFF. Without the u flag (four times as
 * fast on the unpacker's paths, measured) it also meets the low half of a valid surrogate pair (an emoji):
 * `ESCAPED`, with the flag, where a pair is one code point and does not match, decides those.
 */
const MAYBE_ESCAPED = /[\uDC80-\uDCFF]/;
const ESCAPED = /[\uDC80-\uDCFF]/u;

/** The name in `bytes[start, end)`: UTF-8, each byte that is not part of valid UTF-8 escaped. */
export function decodeName(bytes: Buffer, start = 0, end = bytes.length): string {
  // Node puts U+FFFD where a byte is not valid UTF-8: without one, the string is the name.
  const text = bytes.toString('utf8', start, end);
  if (!text.includes('\ufffd') || isUtf8(bytes.subarray(start, end))) return text;
  let out = '';
  let i = start;
  while (i < end) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    const len = sequenceLength(bytes, i, end);
    if (len === 0) {
      out += String.fromCharCode(0xdc00 + b);
      i++;
    } else {
      out += bytes.toString('utf8', i, i + len);
      i += len;
    }
  }
  return out;
}

/** The length of the valid UTF-8 sequence at `i` (2 to 4 bytes), or 0 when there is none (RFC 3629: no overlong form, no surrogate, nothing above U+10FFFF). */
function sequenceLength(bytes: Buffer, i: number, end: number): number {
  const b = bytes[i] as number;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < end && (bytes[i + k] as number) >= lo && (bytes[i + k] as number) <= hi;
  if (b >= 0xc2 && b <= 0xdf) return cont(1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    const lo = b === 0xe0 ? 0xa0 : 0x80;
    const hi = b === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    const lo = b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** Whether `name` holds an escaped byte (so Node's own UTF-8 encoding of it would lose that byte). */
export function hasEscapes(name: string): boolean {
  return MAYBE_ESCAPED.test(name) && ESCAPED.test(name);
}

/** The bytes of a name: UTF-8, each escaped byte itself again. */
export function nameBytes(name: string): Buffer {
  if (!hasEscapes(name)) return Buffer.from(name);
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0xdc80 || c > 0xdcff) continue;
    // (a low surrogate after a high one is half of a valid pair, not an escape)
    const prev = i > 0 ? name.charCodeAt(i - 1) : 0;
    if (prev >= 0xd800 && prev <= 0xdbff) continue;
    parts.push(Buffer.from(name.slice(from, i)), Buffer.of(c - 0xdc00));
    from = i + 1;
  }
  parts.push(Buffer.from(name.slice(from)));
  return Buffer.concat(parts);
}

/** A path as Node's fs takes it: the string itself, or its bytes where it holds an escaped byte. */
export function fsPath(path: string): string | Buffer {
  return hasEscapes(path) ? nameBytes(path) : path;
}

/** A path as a C string for libc (libc.ts): the string (koffi encodes it), or its bytes and a NUL. */
export function cPath(path: string): string | Buffer {
  return hasEscapes(path) ? Buffer.concat([nameBytes(path), Buffer.of(0)]) : path;
}

/**
 * burrow's own words with their bytes: Node decodes argv as UTF-8 with U+FFFD
 * for a bad byte, so where a word has one, the words are read again from
 * /proc/self/cmdline (the last `argv.length` of them: Node's own and the
 * script's come first) and decoded as names are. A word of Node's that does
 * not match the raw one it should come from leaves argv as Node gave it.
 */
export function wholeArgv(argv: string[]): string[] {
  if (!argv.some((word) => word.includes('\ufffd'))) return argv;
  let raw: Buffer;
  try {
    raw = readFileSync('/proc/self/cmdline');
  } catch {
    return argv;
  }
  // (a multi-byte sequence never spans a NUL, so the words decode as the whole does)
  const words = (text: string): string[] => text.replace(/\0$/, '').split('\0');
  const lossy = words(raw.toString('utf8'));
  if (lossy.length < argv.length || lossy.slice(lossy.length - argv.length).some((w, i) => w !== argv[i])) return argv;
  return words(decodeName(raw)).slice(lossy.length - argv.length);
}
