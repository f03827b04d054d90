/// <reference types="vite/client" />
/*
 * src/cli/manifest.json is written by the build from the command classes
 * (src/cli/manifest.ts). It must say what the classes declare: a class changed
 * without a build fails here. And what it says must be what clipanion does
 * with the class: the kinds and defaults test/unit/cli/quick.test.ts relies on.
 */
import { describe, expect, it } from 'vitest';

import { FAST_COMMANDS } from '../../../src/cli/fast-list.js';
import { describeCommands, type Manifest } from '../../../src/cli/manifest.js';
import manifest from '../../../src/cli/manifest.json';
import { COMMANDS } from '../../../src/cli/registry.js';

const modules = import.meta.glob('../../../src/cli/commands/**/*.ts', { eager: true }) as Record<string, Record<string, unknown>>;
const byFile = Object.fromEntries(Object.entries(modules).map(([path, m]) => [path.replace(/^.*\/src\/cli\/commands\//, '').replace(/\.ts$/, ''), m]));

describe('the command manifest', () => {
  it('is what the command classes declare (run the build)', () => {
    expect(Object.keys(byFile).length).toBeGreaterThan(10);
    expect(manifest as Manifest).toEqual(describeCommands(byFile, FAST_COMMANDS));
  });

  it('names, for each command, the class its file exports, which the registry loads', async () => {
    for (const entry of COMMANDS) {
      const commandClass = await entry.load();
      expect(commandClass, entry.file).toBe(byFile[entry.file]?.[entry.export]);
      expect(commandClass.paths, entry.file).toEqual(entry.paths);
    }
  });

  it('marks the fast path\'s commands, run among them', () => {
    expect(COMMANDS.filter((c) => c.fast).map((c) => c.file)).toEqual([...FAST_COMMANDS]);
    expect(FAST_COMMANDS).toContain('run');
  });

  it('refuses a class whose first path is not its file, or without a group', () => {
    const [file, exports] = Object.entries(byFile).find(([f]) => f === 'images') as [string, Record<string, unknown>];
    expect(() => describeCommands({ 'image/ls': exports }, [])).toThrow('first path must be `image ls`');
    expect(() => describeCommands({ [file]: exports }, ['nope'])).toThrow('the fast path names commands that do not exist: nope');
  });
});
