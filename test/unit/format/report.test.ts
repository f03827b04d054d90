import { describe, expect, it } from 'vitest';

import { defaultHeader, goHumanSize, humanDuration, humanSize, renderReport, tabwrite } from '../../../src/format/report.js';

describe('sizes and durations as podman prints them', () => {
  it('humanSize: decimal units, 3 significant digits, a space', () => {
    expect(humanSize(0)).toBe('0 B');
    expect(humanSize(999)).toBe('999 B');
    expect(humanSize(1982256)).toBe('1.98 MB');
    expect(humanSize(1_000_000)).toBe('1 MB');
    expect(humanSize(123_456)).toBe('123 kB');
    expect(humanSize(5_867_446_000)).toBe('5.87 GB');
    // Go's %.3g switches to an exponent
    expect(humanSize(999_999)).toBe('1e+03 kB');
  });

  it('goHumanSize: 4 digits, no space (system df)', () => {
    expect(goHumanSize(1982256)).toBe('1.982MB');
    expect(goHumanSize(0)).toBe('0B');
  });

  it('humanDuration follows go-units', () => {
    expect(humanDuration(500)).toBe('Less than a second');
    expect(humanDuration(-5000)).toBe('Less than a second');
    expect(humanDuration(1000)).toBe('1 second');
    expect(humanDuration(59_000)).toBe('59 seconds');
    expect(humanDuration(60_000)).toBe('About a minute');
    expect(humanDuration(8 * 60_000)).toBe('8 minutes');
    expect(humanDuration(3_600_000)).toBe('About an hour');
    expect(humanDuration(2 * 3_600_000)).toBe('2 hours');
    expect(humanDuration(3 * 86_400_000)).toBe('3 days');
    expect(humanDuration(21 * 86_400_000)).toBe('3 weeks');
    expect(humanDuration(90 * 86_400_000)).toBe('3 months');
    expect(humanDuration(800 * 86_400_000)).toBe('2 years');
  });
});

describe('tabwrite', () => {
  it('pads cells to the widest (min 12, padding 2); the last cell stays as it is', () => {
    expect(tabwrite('A\tBB\tC\nlonger-than-twelve\tx\ty\n')).toBe('A                   BB          C\nlonger-than-twelve  x           y\n');
  });

  it('a line without tabs ends the column block', () => {
    expect(tabwrite('a\tb\nplain\nccccccccccccccc\td\n')).toBe('a           b\nplain\nccccccccccccccc  d\n');
  });

  it('counts code points, as Go counts runes: a character beyond the BMP is one, an accent one', () => {
    expect(tabwrite('\u{1F433}\u{1F433}\u{1F433}\u{1F433}\u{1F433}\u{1F433}\u{1F433}\u{1F433}\u{1F433}\u{1F433}\u{1F433}\tx\né\ty\n')).toBe(
      '\u{1F433}'.repeat(11) + '  x\n' + 'é' + ' '.repeat(12) + 'y\n',
    );
  });
});

describe('renderReport', () => {
  const rows = [{ ID: 'abc', Name: 'one' }, { ID: 'defghi', Name: 'two' }];
  const base = { name: 'things', table: 'table {{.ID}}\t{{.Name}}', headers: { ID: 'THING ID' }, rows, json: () => rows };

  it('prints the default table with its header', () => {
    expect(renderReport({ ...base, format: undefined })).toBe('THING ID    NAME\nabc         one\ndefghi      two\n');
  });

  it('takes \\t and \\n escapes and adds the final newline', () => {
    expect(renderReport({ ...base, format: '{{.ID}}\\t{{.Name}}' })).toBe('abc         one\ndefghi      two\n');
  });

  it('table with a custom template has a header; bare table is the default', () => {
    expect(renderReport({ ...base, format: 'table {{.Name}}' })).toBe('NAME\none\ntwo\n');
    expect(renderReport({ ...base, format: 'table' })).toBe(renderReport({ ...base, format: undefined }));
  });

  it('json prints the document with 4 spaces', () => {
    expect(renderReport({ ...base, format: 'json' })).toBe(`${JSON.stringify(rows, null, 4)}\n`);
  });

  it('header names split CamelCase', () => {
    expect(defaultHeader('CreatedAt')).toBe('CREATED AT');
    expect(defaultHeader('RepoDigests')).toBe('REPO DIGESTS');
    expect(defaultHeader('ID')).toBe('ID');
    expect(defaultHeader('IDMappings')).toBe('ID MAPPINGS');
  });
});
