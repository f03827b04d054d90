/*
 * The JSON reader of auth.json and policy.json: the line of the first error
 * (Node 20's JSON.parse names none) and repeated keys, which JSON.parse
 * accepts silently.
 */
import { describe, expect, it } from 'vitest';

import { lineOf, parseJsonFile } from '../../../src/registry/json-file.js';

const parse = (text: string, duplicates = false) => parseJsonFile('E_TEST', '/f.json', text, { duplicates });

describe('parseJsonFile', () => {
  it('parses what JSON.parse parses, escapes and numbers included', () => {
    const text = '{"a\\"b": "\\u00e9\\n\\\\", "n": [-0, 1.5e-3, 2E+2, true, false, null], "o": {"a": {}}}';
    expect(parse(text, true)).toEqual(JSON.parse(text));
    expect(parse(' \n[]\n ')).toEqual([]);
  });

  const errors: [string, string, string][] = [
    ['a trailing comma', '{\n"a": 1,\n}', 'line 3: unexpected "}"'],
    ['a bare word', '{"a":\n\n  yes}', 'line 3: unexpected "y"'],
    ['an unterminated string', '{"a": "b\n', 'line 1: a control character in a string'],
    ['a bad escape', '{\n"a": "\\x"}', 'line 2: a bad escape'],
    ['a bad unicode escape', '{"a": "\\u12"}', 'line 1: a bad \\u escape'],
    ['a leading zero', '[01]', 'line 1: unexpected "1"'],
    ['text after the value', '{}\n{}', 'line 2: unexpected "{"'],
    ['nothing', '   ', 'line 1: unexpected end of the file'],
    ['a truncated file', '{"a": [1,\n2,\n', 'line 3: unexpected end of the file'],
  ];
  for (const [what, text, message] of errors)
    it(`names the line and the reason: ${what}`, () => {
      expect(() => parse(text)).toThrow(`/f.json: ${message}`);
    });

  it('refuses a repeated key, at any depth, when asked to; the same key in two objects is no repetition', () => {
    expect(parse('{"a": 1, "a": 2}')).toEqual({ a: 2 });
    expect(() => parse('{"a": 1,\n "a": 2}', true)).toThrow('/f.json: line 2: duplicate key "a"');
    expect(() => parse('{"x": [{"b": 1}, {"c": {"d": 1, "\\u0064": 2}}]}', true)).toThrow('/f.json: line 1: duplicate key "d"');
    expect(parse('{"x": {"a": 1}, "y": {"a": 1}}', true)).toEqual({ x: { a: 1 }, y: { a: 1 } });
  });

  it('counts lines from 1', () => {
    expect(lineOf('a\nb\nc', 0)).toBe(1);
    expect(lineOf('a\nb\nc', 2)).toBe(2);
    expect(lineOf('a\nb\nc', 99)).toBe(3);
  });
});
