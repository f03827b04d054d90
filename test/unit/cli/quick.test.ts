/*
 * src/cli/quick.ts parses plain command lines without clipanion's state
 * machine, with each command's table from the manifest (src/cli/manifest.json).
 * Wherever it answers, it must give exactly the fields clipanion gives; where
 * it declines, clipanion decides. Checked on the lines users type and on
 * thousands of random ones, for every command.
 */
import { Cli, type Command } from 'clipanion';
import { describe, expect, it } from 'vitest';

import type { Context } from '../../../src/cli/context.js';
import { normalizeArgv } from '../../../src/cli/flags.js';
import { flagSpecOf, type OptionTable, quickFields, tableOf } from '../../../src/cli/quick.js';
import { COMMANDS } from '../../../src/cli/registry.js';

const context = { env: {}, cwd: '/' } as unknown as Context;

async function cliFor(entry: (typeof COMMANDS)[number]): Promise<{ cli: Cli<Context>; table: OptionTable | undefined }> {
  const cli = new Cli<Context>({ binaryName: 'burrow' });
  const command = await entry.load();
  cli.register(command);
  return { cli, table: tableOf(entry) };
}

/** clipanion's fields for argv (every field of the table), or the error it throws. */
function clipanionFields(cli: Cli<Context>, table: OptionTable, argv: string[]) {
  try {
    const command = cli.process(argv, context) as unknown as Record<string, unknown>;
    return Object.fromEntries(table.keys.map((k) => [k, command[k]]));
  } catch (err) {
    return { error: (err as Error).name };
  }
}

const run = COMMANDS.find((c) => c.paths[0]?.[0] === 'run');
if (run === undefined) throw new Error('no run command');

describe('tableOf', () => {
  it("reads run's options, kinds and defaults from the manifest", async () => {
    const { table } = await cliFor(run);
    expect(table?.paths).toEqual([['run'], ['container', 'run']]);
    expect(table?.options['-e']).toEqual({ key: 'env', kind: 'array' });
    expect(table?.options['--env']).toEqual({ key: 'env', kind: 'array' });
    expect(table?.options['--rm']).toEqual({ key: 'rm', kind: 'boolean' });
    expect(table?.options['--rootfs']).toEqual({ key: 'rootfs', kind: 'string' });
    expect(table?.defaults).toMatchObject({ env: [], rm: false, tty: false });
    expect(table?.defaults).not.toHaveProperty('rootfs');
    expect(table?.leading).toEqual(['target']);
    expect(table?.proxy).toBe('args');
  });
});

describe('quickFields', () => {
  it('parses the lines users type for run, as clipanion does', async () => {
    const { cli, table } = await cliFor(run);
    if (table === undefined) throw new Error('no table');
    const lines = [
      ['run', '--rootfs', '/r', 'true'],
      ['run', '--rm', '-it', '-v', '/a:/b:ro', '-e', 'A=1', '--env=B=2', '--name', 'web', 'img', 'sh', '-c', 'echo $A'],
      ['run', '-ti', '--network=host', '--cap-add', 'NET_ADMIN', '-w', '/tmp', '-u', '1000:1000', 'img'],
      ['run', '--read-only', '--tmpfs', '/tmp', '--init', '--rootfs', '/r', 'x', '--', '-y'],
      ['run', '-e', '-', 'img'],
      ['run', '--entrypoint=', 'img', '--help', '-h'],
      ['run', '-h=box', 'img'],
      ['container', 'run', '--rm', 'img'],
      ['run', '--', 'img'],
      ['run', '--rootfs', '/r', '--', 'x', '--', '-y'],
      ['run', '--no-rm', '--rm', '--no-read-only', 'img'],
      ['container', 'run', '-it', '--', 'img', 'sh'],
    ];
    for (const argv of lines) {
      const quick = quickFields(table, argv);
      expect(quick, argv.join(' ')).toBeDefined();
      expect(quick, argv.join(' ')).toEqual(clipanionFields(cli, table, argv));
    }
  });

  it('declines what it does not handle, and clipanion decides', async () => {
    const { table } = await cliFor(run);
    if (table === undefined) throw new Error('no table');
    for (const argv of [
      ['run', '--help'],
      ['run', '-h', 'host', 'img'],
      ['run', '--'],
      ['run', '--no-rm=1', 'img'],
      ['run', '--rm=true', 'img'],
      ['run', '-e'],
      ['run', '-e', '--rm', 'img'],
      ['run', '-ie', 'X', 'img'],
      ['run', '--bogus', 'img'],
      ['run'],
      ['rm', 'x'],
    ])
      expect(quickFields(table, argv), argv.join(' ')).toBeUndefined();
  });

  it('agrees with clipanion on random lines, for every command it has a table for', async () => {
    const pool = ['--rm', '-i', '-t', '-it', '-ti', '-ie', '-e', 'A=1', '--env=A=1', '-e=B', '-v', '/a:/b', '--name', 'x', '--name=', '--help', '-h', '-h=3',
      'host', '--', '-', '', 'img', 'cmd', '--unknown', '-x', '--no-rm', '--rm=true', '--net=host', '--format', '{{.ID}}', '-a', '-f', '-q', '--all', '--force', '-t', '5',
      '--time=3', '-o', 'out.tar', '--input', 'in.tar', '--no-trunc', '--change', 'CMD x', '-', '--log-level', 'debug'];
    let seed = 42;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let answered = 0;
    let tables = 0;
    for (const entry of COMMANDS) {
      const { cli, table } = await cliFor(entry);
      if (table === undefined) continue;
      tables++;
      for (let n = 0; n < 400; n++) {
        const argv = [...(entry.paths[next(entry.paths.length)] ?? [])];
        const length = next(7);
        for (let i = 0; i < length; i++) argv.push(pool[next(pool.length)] as string);
        const quick = quickFields(table, argv);
        if (quick === undefined) continue;
        answered++;
        expect(quick, argv.join(' ')).toEqual(clipanionFields(cli, table, argv));
      }
    }
    // It does answer, for most commands, so the comparison means something.
    expect(tables).toBeGreaterThan(COMMANDS.length / 2);
    expect(answered).toBeGreaterThan(500);
  });
});

describe('quickFields after normalizeArgv (as main.ts and src/fast.ts call it)', () => {
  it("takes pflag's shapes once rewritten, as clipanion takes the rewritten line", async () => {
    const { cli, table } = await cliFor(run);
    if (table === undefined) throw new Error('no table');
    const spec = flagSpecOf(run);
    for (const argv of [
      ['run', '--rm=true', '--read-only=false', 'img'],
      ['run', '-eB=2', '-w/tmp', '-it', 'img', 'sh'],
      ['run', '--name', '-x', '--rootfs', '/r', '--', 'true'],
      ['container', 'run', '--init=false', '--env=A=1', 'img'],
    ]) {
      const line = normalizeArgv(spec, argv).argv;
      const quick = quickFields(table, line);
      expect(quick, argv.join(' ')).toBeDefined();
      expect(quick, argv.join(' ')).toEqual(clipanionFields(cli, table, line));
    }
  });

  it("parses pull's lines (a fast-path command) as clipanion does, --tls-verify's three states included", async () => {
    const pull = COMMANDS.find((c) => c.paths[0]?.[0] === 'pull');
    if (pull === undefined) throw new Error('no pull command');
    const { cli, table } = await cliFor(pull);
    if (table === undefined) throw new Error('no table');
    const spec = flagSpecOf(pull);
    const seen = new Set<unknown>();
    for (const argv of [
      ['pull', '-q', '--tls-verify=false', '127.0.0.1:5000/bench/big:latest'],
      ['pull', '--tls-verify', 'a', 'b'],
      ['image', 'pull', '--retry', '2', '--retry-delay=1s', '--platform', 'linux/arm64', 'busybox'],
      ['pull', '--creds=u:p', '--authfile', '/a.json', '--cert-dir', '/c', '-a', 'reg/x'],
      ['pull', '--arch', 'arm', '--variant', 'v7', '--os', 'linux', 'busybox'],
    ]) {
      const line = normalizeArgv(spec, argv).argv;
      const quick = quickFields(table, line);
      expect(quick, argv.join(' ')).toBeDefined();
      expect(quick, argv.join(' ')).toEqual(clipanionFields(cli, table, line));
      seen.add(quick?.tlsVerify);
    }
    expect(seen).toEqual(new Set([false, true, undefined]));
  });
});

describe('a command made from the quick fields (as main.ts makes it)', () => {
  it('is the command clipanion gives, fields and all', async () => {
    const { cli, table } = await cliFor(run);
    if (table === undefined) throw new Error('no table');
    const argv = ['run', '--rm', '-it', '-v', '/a:/b', '-e', 'A=1', '--env=B=2', '--hostname', 'h', 'img', 'sh', '-c', 'x'];
    const fields = quickFields(table, argv);
    expect(fields).toBeDefined();
    const quick = Object.assign(new ((await run.load()) as unknown as new () => object)(), fields);
    const slow = cli.process(argv, context) as Command<Context>;
    const own = (c: object) => Object.fromEntries(Object.entries(c).filter(([k]) => k !== 'context' && k !== 'cli' && k !== 'path'));
    expect(own(quick)).toEqual(own(slow));
    expect(quick.constructor).toBe(slow.constructor);
  });
});
