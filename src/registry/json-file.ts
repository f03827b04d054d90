/**
 * JSON files of the containers ecosystem (auth.json, policy.json) parsed with
 * the line of the first error in the message: Node 20's JSON.parse says
 * neither line nor position, so a small recursive-descent scan finds it.
 */
import { BurrowError } from '../errors.js';

/** The offset of the first byte that is not valid JSON in `text`. */
function errorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
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
    if (c === '"') return string();
    const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i));
    if (m === null) fail();
    i += (m as RegExpExecArray)[0].length;
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if ((text.charCodeAt(i) as number) < 0x20) fail();
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (at) {
    return at as number;
  }
}

/** `text` of `file` parsed; a syntax error is `code` with the file, the line and the reason. */
export function parseJsonFile(code: string, file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const at = errorOffset(text);
    const line = at >= 0 ? text.slice(0, at).split('\n').length : undefined;
    const reason = at >= text.length ? 'unexpected end of the file' : (err as Error).message.replace(/, ".*$/s, '').replace(/ in JSON at position \d+.*$/s, '');
    throw new BurrowError(code, `${file}: ${line !== undefined ? `line ${line}: ` : ''}${reason}`);
  }
}
