/*
 * src/cli/quick.ts parses plain command lines without clipanion's state
 * machine. Wherever it answers, it must give exactly clipanion's parse; where
 * it declines, clipanion decides. Checked on the lines users type and on
 * thousands of random ones, for every command.
 */
import { Cli, type Command } from 'clipanion';
import { describe, expect, it } from 'vitest';

import type { Context } from '../../../src/cli/context.js';
import { quickProcess, quickState } from '../../../src/cli/quick.js';
import { COMMANDS } from '../../../src/cli/registry.js';

interface Internals {
  builder: {
    builders: Array<Parameters<typeof quickState>[0]>;
    compile(): { process(argv: string[]): { path: string[]; options: unknown[]; positionals: unknown[] } };
  };
}

async function cliFor(entry: (typeof COMMANDS)[number]): Promise<{ cli: Cli<Context>; internals: Internals }> {
  const cli = new Cli<Context>({ binaryName: 'burrow' });
  cli.register(await entry.load());
  return { cli, internals: cli as unknown as Internals };
}

/** clipanion's parse state, or the error it throws. */
function clipanionState(cli: Internals, argv: string[]) {
  try {
    const { path, options, positionals } = cli.builder.compile().process(argv);
    return { path, options, positionals };
  } catch (err) {
    return { error: (err as Error).name };
  }
}

const run = COMMANDS.find((c) => c.paths[0]?.[0] === 'run');
if (run === undefined) throw new Error('no run command');

describe('quickState', () => {
  it('parses the lines users type for run, as clipanion does', async () => {
    const { internals: cli } = await cliFor(run);
    const builder = cli.builder.builders[0];
    if (builder === undefined) throw new Error('no builder');
    const lines = [
      ['run', '--rootfs', '/r', 'true'],
      ['run', '--rm', '-it', '-v', '/a:/b:ro', '-e', 'A=1', '--env=B=2', '--name', 'web', 'img', 'sh', '-c', 'echo $A'],
      ['run', '-ti', '--network=host', '--cap-add', 'NET_ADMIN', '-w', '/tmp', '-u', '1000:1000', 'img'],
      ['run', '--read-only', '--tmpfs', '/tmp', '--init', '--rootfs', '/r', 'x', '--', '-y'],
      ['run', '-e', '-', 'img'],
      ['run', '--entrypoint=', 'img', '--help', '-h'],
      ['run', '-h=box', 'img'],
      ['container', 'run', '--rm', 'img'],
    ];
    for (const argv of lines) {
      const quick = quickState(builder, argv);
      expect(quick, argv.join(' ')).toBeDefined();
      expect(quick, argv.join(' ')).toEqual(clipanionState(cli, argv));
    }
  });

  it('declines what it does not handle, and clipanion decides', async () => {
    const { internals: cli } = await cliFor(run);
    const builder = cli.builder.builders[0];
    if (builder === undefined) throw new Error('no builder');
    for (const argv of [
      ['run', '--help'],
      ['run', '-h', 'host', 'img'],
      ['run', '--', 'img'],
      ['run', '--rootfs', '/r', '--', 'x'],
      ['run', '--no-rm', 'img'],
      ['run', '--rm=true', 'img'],
      ['run', '-e'],
      ['run', '-e', '--rm', 'img'],
      ['run', '-ie', 'X', 'img'],
      ['run', '--bogus', 'img'],
      ['run'],
      ['rm', 'x'],
    ])
      expect(quickState(builder, argv), argv.join(' ')).toBeUndefined();
  });

  it('agrees with clipanion on random lines, for every command', async () => {
    const pool = ['--rm', '-i', '-t', '-it', '-ti', '-ie', '-e', 'A=1', '--env=A=1', '-e=B', '-v', '/a:/b', '--name', 'x', '--name=', '--help', '-h', '-h=3',
      'host', '--', '-', '', 'img', 'cmd', '--unknown', '-x', '--no-rm', '--rm=true', '--net=host', '--format', '{{.ID}}', '-a', '-f', '-q', '--all', '--force', '-t', '5',
      '--time=3', '-o', 'out.tar', '--input', 'in.tar', '--no-trunc', '--change', 'CMD x', '-'];
    let seed = 42;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let answered = 0;
    for (const entry of COMMANDS) {
      const { internals: cli } = await cliFor(entry);
      const builder = cli.builder.builders[0];
      if (builder === undefined) throw new Error('no builder');
      for (let n = 0; n < 400; n++) {
        const argv = [...(entry.paths[next(entry.paths.length)] ?? [])];
        const length = next(7);
        for (let i = 0; i < length; i++) argv.push(pool[next(pool.length)] as string);
        const quick = quickState(builder, argv);
        if (quick === undefined) continue;
        answered++;
        expect(quick, `${argv.join(' ')}`).toEqual(clipanionState(cli, argv));
      }
    }
    expect(answered).toBeGreaterThan(500); // it does answer, so the comparison means something
  });
});

describe('quickProcess', () => {
  it('gives the command clipanion gives, fields and all', async () => {
    const { cli } = await cliFor(run);
    const context = { env: {}, cwd: '/' } as unknown as Context;
    const argv = ['run', '--rm', '-it', '-v', '/a:/b', '-e', 'A=1', '--env=B=2', '--hostname', 'h', 'img', 'sh', '-c', 'x'];
    const quick = quickProcess(cli, argv, context);
    expect(quick).toBeDefined();
    const slow = cli.process(argv, context) as Command<Context>;
    const fields = (c: object) => Object.fromEntries(Object.entries(c).filter(([k]) => k !== 'context' && k !== 'cli'));
    expect(fields(quick as object)).toEqual(fields(slow));
    expect(quick?.constructor).toBe(slow.constructor);
  });

  it('declines when more than one command is registered', async () => {
    const cli = new Cli<Context>({ binaryName: 'burrow' });
    for (const entry of COMMANDS.slice(0, 2)) cli.register(await entry.load());
    expect(quickProcess(cli, ['run', 'img'], {} as Context)).toBeUndefined();
  });
});
