import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BurrowError } from '../../../src/errors.js';
import { expandEnvEntry, mergeEnv, readEnvFile } from '../../../src/runtime/envfile.js';

const HOST = { HOME: '/home/me', LANG: 'C.UTF-8', LC_ALL: 'C', LC_TIME: 'en_GB', EMPTY: '' };

describe('expandEnvEntry', () => {
  it('keeps NAME=VALUE as given, = and spaces in the value included', () => {
    expect(expandEnvEntry('A=1', HOST, 'x')).toEqual(['A=1']);
    expect(expandEnvEntry('A=b=c d', HOST, 'x')).toEqual(['A=b=c d']);
    expect(expandEnvEntry('A=', HOST, 'x')).toEqual(['A=']);
  });

  it('takes a bare NAME from the host, and drops it when the host has none', () => {
    expect(expandEnvEntry('HOME', HOST, 'x')).toEqual(['HOME=/home/me']);
    expect(expandEnvEntry('EMPTY', HOST, 'x')).toEqual(['EMPTY=']);
    expect(expandEnvEntry('NOT_SET', HOST, 'x')).toEqual([]);
  });

  it('takes NAME* as every host variable with that prefix', () => {
    expect(expandEnvEntry('LC_*', HOST, 'x').sort()).toEqual(['LC_ALL=C', 'LC_TIME=en_GB']);
    expect(expandEnvEntry('NOPE*', HOST, 'x')).toEqual([]);
  });

  it.each(['=value', 'A B=1', ' A=1', 'A\tB', ''])('refuses the name in %j, naming where it came from', (entry) => {
    expect(() => expandEnvEntry(entry, HOST, '--env `x`')).toThrow(BurrowError);
    expect(() => expandEnvEntry(entry, HOST, '--env `x`')).toThrow(/^--env `x`: invalid environment variable name/);
  });
});

describe('readEnvFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'burrow-envfile-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads NAME=VALUE and NAME lines, skipping comments and blank lines', () => {
    const path = file('ok.env', '# comment\nA=1\n\n   \nB=two words\n  C=indented\nHOME\nNOT_SET\n  # indented comment\nD=x # not a comment\n');
    expect(readEnvFile(path, HOST)).toEqual(['A=1', 'B=two words', 'C=indented', 'HOME=/home/me', 'D=x # not a comment']);
  });

  it('reads CRLF files and a last line without a newline', () => {
    expect(readEnvFile(file('crlf.env', 'A=1\r\nB=2\r\nC=3'), HOST)).toEqual(['A=1', 'B=2', 'C=3']);
  });

  it('keeps a value that is not UTF-8 as its bytes (escaped: system/names.ts), and UTF-8 as it is', () => {
    const path = join(dir, 'bytes.env');
    writeFileSync(path, Buffer.concat([Buffer.from('A=x'), Buffer.of(0xf9), Buffer.from('y\nB=caf\u00e9\n')]));
    expect(readEnvFile(path, HOST)).toEqual(['A=x\udcf9y', 'B=caf\u00e9']);
  });

  it('reads an empty file as nothing', () => {
    expect(readEnvFile(file('empty.env', ''), HOST)).toEqual([]);
  });

  it('names the file and line of a bad entry', () => {
    const path = file('bad.env', 'A=1\n# fine\nBAD NAME=2\n');
    expect(() => readEnvFile(path, HOST)).toThrow(BurrowError);
    expect(() => readEnvFile(path, HOST)).toThrow(`env file \`${path}\` line 3: invalid environment variable name \`BAD NAME\``);
  });

  it('says so when the file is missing or a directory', () => {
    expect(() => readEnvFile(join(dir, 'missing.env'), HOST)).toThrow(`env file \`${join(dir, 'missing.env')}\`: no such file`);
    mkdirSync(join(dir, 'dir.env'));
    expect(() => readEnvFile(join(dir, 'dir.env'), HOST)).toThrow(/is a directory/);
  });
});

describe('mergeEnv', () => {
  it('lets a later list replace a name, keeping its first place', () => {
    expect(mergeEnv(['PATH=/bin', 'HOME=/root'], ['A=1', 'PATH=/usr/bin'], ['HOME=/h'])).toEqual(['PATH=/usr/bin', 'HOME=/h', 'A=1']);
  });

  it('keeps values with = in them whole', () => {
    expect(mergeEnv(['A=x=y'], ['B=1'])).toEqual(['A=x=y', 'B=1']);
  });
});
