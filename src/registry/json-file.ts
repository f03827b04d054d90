/**
 * JSON files of the containers ecosystem (auth.json, docker's config.json,
 * policy.json) parsed with the line of the first error in the message. Node
 * 20's JSON.parse names neither line nor position, so a small scan of the
 * grammar finds the place; the same scan finds a key given twice in one
 * object, which policy.json's strict parsing refuses (JSON.parse keeps the
 * last silently).
 */
import { BurrowError } from '../errors.js';

/** true, false, null or a number, where the scan stands (sticky) */
const LITERAL = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

interface Fault {
  at: number;
  reason: string;
}

/** The first place where `text` is not JSON (or, with `duplicates`, repeats a key), or undefined. */
function scan(text: string, duplicates: boolean): Fault | undefined {
  let i = 0;
  const fail = (reason?: string, at = i): never => {
    throw { at, reason: reason ?? (at >= text.length ? 'unexpected end of the file' : `unexpected ${JSON.stringify(text[at])}`) } satisfies Fault;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') {
      if ((text.charCodeAt(i) as number) < 0x20) fail('a control character in a string');
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('a bad \\u escape');
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail('a bad escape');
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      const seen = new Set<string>();
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const keyAt = i;
        const key = string();
        if (duplicates && seen.has(key)) fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
        seen.add(key);
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (c === '"') return void string();
    LITERAL.lastIndex = i;
    if (!LITERAL.test(text)) fail();
    i = LITERAL.lastIndex;
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return undefined;
  } catch (fault) {
    if (typeof fault === 'object' && fault !== null && 'at' in fault) return fault as Fault;
    throw fault;
  }
}

/** The 1-based line of offset `at` in `text`. */
export function lineOf(text: string, at: number): number {
  let line = 1;
  for (let i = 0; i < at && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * `text` of `file` parsed; a syntax error is one `code` error naming the
 * file, the line and the reason. `duplicates` refuses a key given twice in
 * one object.
 */
export function parseJsonFile(code: string, file: string, text: string, opts: { duplicates?: boolean } = {}): unknown {
  let parsed: unknown;
  let fault: Fault | undefined;
  try {
    parsed = JSON.parse(text);
    if (opts.duplicates) fault = scan(text, true);
  } catch {
    // The scanner and V8 agree on what is JSON; if they ever did not, the file is still refused.
    fault = scan(text, opts.duplicates ?? false) ?? { at: text.length, reason: 'not valid JSON' };
  }
  if (fault !== undefined) throw new BurrowError(code, `${file}: line ${lineOf(text, fault.at)}: ${fault.reason}`);
  return parsed;
}
