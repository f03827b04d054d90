/**
 * Help pages as podman's: `burrow --help` lists the commands, one line each,
 * in groups; `burrow CMD --help` names each option's value and never shows
 * clipanion's `#0`; a management word alone lists its subcommands.
 */
import { describe, expect, it } from 'vitest';

import { COMMANDS, MANAGEMENT } from '../../src/cli/registry.js';
import { VALUE_NAMES } from '../../src/cli/values.js';
import { runCli } from '../helpers/run-cli.js';

describe('burrow --help', () => {
  it('lists every command once, by group, one line each', async () => {
    const r = await runCli(['--help']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^burrow \S+: rootless, daemonless containers\n\nUsage:\n {2}burrow \[options\] COMMAND\n/);
    for (const title of ['Containers:', 'Images:', 'System:', 'Options:']) expect(r.stdout).toContain(`\n${title}\n`);
    const words = [...new Set(COMMANDS.flatMap((c) => c.paths.map((p) => p[0] as string)))];
    for (const word of words) expect(r.stdout.match(new RegExp(`^ {2}${word} +\\S`, 'gm')), word).toHaveLength(1);
    expect(r.stdout).not.toContain('#0');
    expect(r.stdout.split('\n').every((line) => line.length <= 80)).toBe(true);
  });

  it('`burrow` alone prints it and says a command is missing, exit 125', async () => {
    const r = await runCli([]);
    expect(r.stdout).toBe((await runCli(['--help'])).stdout);
    expect(r.stderr).toBe("Error: missing command 'burrow COMMAND'\n");
    expect(r.exitCode).toBe(125);
  });

  it.each(Object.keys(MANAGEMENT))('`burrow %s` lists its subcommands (exit 125 without one, 0 with --help)', async (word) => {
    const alone = await runCli([word]);
    expect(alone.stderr).toBe(`Error: missing command 'burrow ${word} COMMAND'\n`);
    expect(alone.exitCode).toBe(125);
    const help = await runCli([word, '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toBe(alone.stdout);
    for (const c of COMMANDS) for (const p of c.paths) if (p.length === 2 && p[0] === word) expect(help.stdout).toMatch(new RegExp(`^ {2}${p[1]} +\\S`, 'm'));
  });
});

describe.each(COMMANDS.flatMap((c) => c.paths.map((p) => p.join(' '))))('burrow %s --help', (path) => {
  it('gives its usage and every option with the name of its value, never #0', async () => {
    const r = await runCli([...path.split(' '), '--help']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`\\nUsage:\\n {2}burrow ${path}( |\\n)`));
    expect(r.stdout).not.toContain('#0');
    expect(r.stdout).toMatch(/^ {2}-h, --help +Show this help$/m);
    // (not a flag of this command's that takes no value, as ps's --pod, which run's --pod POD shares its name with)
    const command = COMMANDS.find((c) => c.paths.some((p) => p.join(' ') === path));
    const flags = new Set((command?.options ?? []).filter((o) => o.arity === 0).flatMap((o) => o.names));
    for (const [name, value] of Object.entries(VALUE_NAMES))
      if (!flags.has(name) && new RegExp(`[ ,]${name}[ ,]`).test(r.stdout)) expect(r.stdout, name).toMatch(new RegExp(`${name}(, --[a-z-]+)* ${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(r.stdout.split('\n').every((line) => line.length <= 80 || /^ {2}-/.test(line))).toBe(true);
  });
});

it('`--version` and `-v` print the version as podman does (`podman version X`), exit 0', async () => {
  const { VERSION } = await import('../../src/config/install.js');
  for (const flag of ['--version', '-v']) {
    const r = await runCli([flag]);
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([0, `burrow version ${VERSION}\n`, '']);
  }
});

it('`-h` is --hostname for run and create (as podman), and asks for its value', async () => {
  for (const cmd of ['run', 'create']) {
    const r = await runCli([cmd, '-h']);
    expect(r.stderr).toBe("Error: flag needs an argument: 'h' in -h\n");
    expect(r.exitCode).toBe(125);
  }
  expect((await runCli(['images', '-h'])).stdout).toMatch(/^List images/);
});
