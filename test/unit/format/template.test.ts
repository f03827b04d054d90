import { describe, expect, it } from 'vitest';

import { asMap, isJsonFormat, printValue, Template } from '../../../src/format/template.js';

const run = (source: string, data: unknown): string => new Template('test', source).execute(data);

describe('Template', () => {
  const row = { ID: 'abc', Names: ['a', 'b'], Size: 12, Nested: { Inner: 'deep' }, Labels: asMap({ z: '1', a: '2' }), Empty: [] as string[], Nil: null };

  it('prints fields, nested fields and literal text', () => {
    expect(run('id={{.ID}} {{ .Nested.Inner }}!', row)).toBe('id=abc deep!');
    expect(run('{{.Size}} {{.Names}}', row)).toBe('12 [a b]');
  });

  it("prints maps as Go does, sorted, and a missing map key as <no value>", () => {
    expect(run('{{.Labels}}', row)).toBe('map[a:2 z:1]');
    expect(run('{{.Labels.a}} {{.Labels.nope}}', row)).toBe('2 <no value>');
    expect(run('{{.Nil}}', row)).toBe('<no value>');
  });

  it('has json, upper, lower, join and pipelines', () => {
    expect(run('{{json .}}', { A: 1, B: ['x'] })).toBe('{"A":1,"B":["x"]}');
    expect(run('{{json .Names}}', row)).toBe('["a","b"]');
    expect(run('{{upper .ID}} {{.ID | upper | lower}}', row)).toBe('ABC abc');
    expect(run('{{join .Names ","}}', row)).toBe('a,b');
  });

  it('has range, if/else and with', () => {
    expect(run('{{range .Names}}<{{.}}>{{end}}', row)).toBe('<a><b>');
    expect(run('{{range .Empty}}x{{else}}none{{end}}', row)).toBe('none');
    expect(run('{{if .Empty}}y{{else}}n{{end}}{{if .Names}}Y{{end}}', row)).toBe('nY');
    expect(run('{{with .Nested}}{{.Inner}}{{end}}', row)).toBe('deep');
  });

  it('trims around {{- and -}}', () => {
    expect(run('a  {{- .ID -}}  b', row)).toBe('aabcb');
  });

  it("fails on an unknown field as Go does", () => {
    expect(() => run('{{.Foo}}', row)).toThrow('template: test:1:2: executing "test" at <.Foo>: can\'t evaluate field Foo in type test');
    expect(() => run('x {{.ID.More}}', row)).toThrow("can't evaluate field More in type string");
  });

  it('fails on bad syntax when parsed, before any output', () => {
    expect(() => new Template('t', '{{.ID')).toThrow('template: t:1: unclosed action');
    expect(() => new Template('t', '{{nofunc .ID}}')).toThrow('function "nofunc" not defined');
    expect(() => new Template('t', '{{if .ID}}x')).toThrow('unexpected EOF');
    expect(() => new Template('t', '{{end}}')).toThrow('unexpected {{end}}');
    expect(() => new Template('t', '{{.ID .Size}}')).toThrow("can't give argument to non-function");
  });

  it('evaluates fields to their header in header mode', () => {
    expect(new Template('t', '{{.ID}}\t{{.Nested.Inner}}').execute({}, { header: (f) => f.toUpperCase() })).toBe('ID\tINNER');
  });
});

describe('printValue and isJsonFormat', () => {
  it('prints like fmt %v', () => {
    expect(printValue([1, null, 'x'])).toBe('[1 <nil> x]');
    expect(printValue({ a: 1, b: 'c' })).toBe('{1 c}');
    expect(printValue(true)).toBe('true');
  });

  it('recognises the json shorthands', () => {
    for (const f of ['json', 'JSON', ' json ', '{{json .}}', '{{ json . }}']) expect(isJsonFormat(f), f).toBe(true);
    for (const f of ['{{json .ID}}', 'table json', 'jsonx']) expect(isJsonFormat(f), f).toBe(false);
  });
});
