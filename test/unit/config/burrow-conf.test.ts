/*
 * burrow's own configuration file, burrow.toml (src/config/burrow-conf.ts),
 * read from temporary configuration directories: absent, valid, and each
 * kind of mistake (malformed TOML, an unknown table or key, a wrong value),
 * which is an E_BURROW_CONF error naming the file.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { burrowConfFile, readBurrowConf } from '../../../src/config/burrow-conf.js';
import { BurrowError, UsageError } from '../../../src/errors.js';

let root: string;
let count = 0;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'burrow-conf-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A new configuration directory whose burrow.toml holds `text` (none when undefined). */
function confDir(text?: string): string {
  const dir = join(root, `c${count++}`);
  mkdirSync(dir);
  if (text !== undefined) writeFileSync(join(dir, 'burrow.toml'), text);
  return dir;
}

/** The error reading `dir` gives (it must be an E_BURROW_CONF BurrowError). */
function confError(dir: string): BurrowError {
  try {
    readBurrowConf(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(BurrowError);
    expect(err).not.toBeInstanceOf(UsageError);
    expect((err as BurrowError).code).toBe('E_BURROW_CONF');
    return err as BurrowError;
  }
  throw new Error('did not throw');
}

describe('burrowConfFile', () => {
  it('is burrow.toml in the configuration directory', () => {
    expect(burrowConfFile('/home/me/.config/burrow')).toBe('/home/me/.config/burrow/burrow.toml');
  });
});

describe('readBurrowConf', () => {
  it('gives no settings when there is no file, or no directory', () => {
    expect(readBurrowConf(confDir())).toStrictEqual({ network: {} });
    expect(readBurrowConf(join(root, 'missing'))).toStrictEqual({ network: {} });
  });

  it('gives no settings for an empty file, a file of comments, or an empty [network]', () => {
    expect(readBurrowConf(confDir(''))).toStrictEqual({ network: {} });
    expect(readBurrowConf(confDir('# nothing set\n\n'))).toStrictEqual({ network: {} });
    expect(readBurrowConf(confDir('[network]\n'))).toStrictEqual({ network: {} });
  });

  it('reads network.default_rootless_network_cmd as the default command', () => {
    expect(readBurrowConf(confDir('[network]\ndefault_rootless_network_cmd = "pasta"\n'))).toStrictEqual({ network: { defaultCommand: 'pasta' } });
    expect(readBurrowConf(confDir('# slower, but everywhere\n[network]\ndefault_rootless_network_cmd = "slirp4netns" # comment\n'))).toStrictEqual({
      network: { defaultCommand: 'slirp4netns' },
    });
    expect(readBurrowConf(confDir('network.default_rootless_network_cmd = "slirp4netns"\n'))).toStrictEqual({ network: { defaultCommand: 'slirp4netns' } });
  });

  it("names the file and line of malformed TOML, in smol-toml's words", () => {
    const dir = confDir('[network]\ndefault_rootless_network_cmd = pasta\n');
    expect(confError(dir).message).toBe(`${join(dir, 'burrow.toml')}: line 2: invalid value`);
    const unclosed = confDir('[network\n');
    expect(confError(unclosed).message).toBe(`${join(unclosed, 'burrow.toml')}: line 1: illegal character in key`);
  });

  it('refuses a key given twice as malformed', () => {
    const dir = confDir('[network]\ndefault_rootless_network_cmd = "pasta"\ndefault_rootless_network_cmd = "pasta"\n');
    expect(confError(dir).message).toBe(`${join(dir, 'burrow.toml')}: line 3: trying to redefine an already defined table or value`);
  });

  it('refuses an unknown table, naming file and table', () => {
    const dir = confDir('[network]\ndefault_rootless_network_cmd = "pasta"\n[storage]\ndriver = "overlay"\n');
    expect(confError(dir).message).toBe(`${join(dir, 'burrow.toml')}: unknown table [storage]`);
  });

  it('refuses a key outside [network] as an unknown table', () => {
    const dir = confDir('default_rootless_network_cmd = "pasta"\n');
    expect(confError(dir).message).toBe(`${join(dir, 'burrow.toml')}: unknown table [default_rootless_network_cmd]`);
  });

  it('refuses network given as a value rather than a table', () => {
    const dir = confDir('network = "pasta"\n');
    expect(confError(dir).message).toBe(`${join(dir, 'burrow.toml')}: network must be a table`);
    const list = confDir('network = ["pasta"]\n');
    expect(confError(list).message).toBe(`${join(list, 'burrow.toml')}: network must be a table`);
  });

  it('refuses an unknown key of [network], naming file and key', () => {
    const dir = confDir('[network]\ndefault_rootless_network_cmd = "pasta"\ndefault_network = "bridge"\n');
    expect(confError(dir).message).toBe(`${join(dir, 'burrow.toml')}: unknown key network.default_network`);
  });

  it.each(['"bridge"', '"Pasta"', '""', '1', 'true', '["pasta"]'])('refuses default_rootless_network_cmd = %s, naming file and key', (value) => {
    const dir = confDir(`[network]\ndefault_rootless_network_cmd = ${value}\n`);
    expect(confError(dir).message).toBe(`${join(dir, 'burrow.toml')}: network.default_rootless_network_cmd must be "pasta" or "slirp4netns"`);
  });

  it('names the file when burrow.toml is not a file', () => {
    const dir = confDir();
    mkdirSync(join(dir, 'burrow.toml'));
    expect(confError(dir).message).toBe(`${join(dir, 'burrow.toml')}: illegal operation on a directory`);
  });
});
