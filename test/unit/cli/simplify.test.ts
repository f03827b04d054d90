/*
 * The bundle replaces clipanion's simplifyMachine with scripts/clipanion-simplify.cjs
 * (start-up time). Both must turn the parser of every burrow command, alone (as
 * `burrow CMD` registers it) and all together (help, typos), into the same machine.
 */
import { createRequire } from 'node:module';

import { Builtins, Cli } from 'clipanion';
import { describe, expect, it } from 'vitest';

import type { Context } from '../../../src/cli/context.js';
import { COMMANDS } from '../../../src/cli/registry.js';

interface Machine {
  nodes: unknown[];
}
const require = createRequire(import.meta.url);
const core = require('clipanion/lib/core.js') as {
  makeAnyOfMachine: (machines: Machine[]) => Machine;
  simplifyMachine: (machine: Machine) => void;
};
const fast = require('../../../scripts/clipanion-simplify.cjs') as (machine: Machine, initial: number) => void;

/** The machine clipanion simplifies for these commands, before simplification. */
async function machineOf(entries: typeof COMMANDS, builtins: boolean): Promise<Machine> {
  const cli = new Cli<Context>({ binaryName: 'burrow' });
  if (builtins) {
    cli.register(Builtins.HelpCommand);
    cli.register(Builtins.VersionCommand);
  }
  for (const entry of entries) cli.register(await entry.load());
  const builders = (cli as unknown as { builder: { builders: Array<{ compile(): { machine: Machine } }> } }).builder.builders;
  return core.makeAnyOfMachine(builders.map((b) => b.compile().machine));
}

function bothWays(machine: Machine): [Machine, Machine] {
  // structuredClone keeps the shared references (the option tests) that the duplicate checks compare.
  const original = structuredClone(machine);
  const ours = structuredClone(machine);
  core.simplifyMachine(original);
  fast(ours, 0);
  return [original, ours];
}

describe('the bundled simplifyMachine', () => {
  it('gives the same parser as clipanion for each command alone', async () => {
    for (const entry of COMMANDS) {
      const [original, ours] = bothWays(await machineOf([entry], false));
      expect(ours, entry.paths[0]?.join(' ')).toEqual(original);
    }
  });

  it('gives the same parser as clipanion for all commands with the built-in pages', async () => {
    const machine = await machineOf(COMMANDS, true);
    expect(machine.nodes.length).toBeGreaterThan(100);
    const [original, ours] = bothWays(machine);
    expect(ours).toEqual(original);
  });
});
