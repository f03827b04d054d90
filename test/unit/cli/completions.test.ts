/*
 * The generated completions (completions/, scripts/completions.ts) complete
 * what the manifest says: asked by the shells themselves, bash always, fish
 * where it is installed. burrow is not on PATH here, so image and container
 * names complete to nothing; files do.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

const completions = fileURLToPath(new URL('../../../completions/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'burrow-complete-'));
mkdirSync(join(dir, 'rootfs'));
writeFileSync(join(dir, 'env.list'), '');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What bash's completion function offers for `line` (the cursor at its end). */
function bash(line: string): string[] {
  const script = `source ${JSON.stringify(join(completions, 'burrow.bash'))}
COMP_LINE=${JSON.stringify(line)}
read -r -a COMP_WORDS <<<"$COMP_LINE"
[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
_burrow
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '-c', script], { cwd: dir, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: dir } });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter(Boolean).sort();
}

const hasFish = spawnSync('fish', ['--version'], { stdio: 'ignore' }).status === 0;
function fish(line: string): string[] {
  const r = spawnSync('fish', ['--no-config', '-c', `source ${join(completions, 'burrow.fish')}; complete -C ${JSON.stringify(line)}`], { cwd: dir, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: dir } });
  return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0] as string).sort();
}

describe.each([
  ['bash', bash, true],
  ['fish', fish, hasFish],
] as const)('completion by %s', (shell, complete, present) => {
  const test = it.skipIf(!present);
  const skipped = present ? '' : `: skipped, ${shell} is not installed`;

  test(`offers the commands, and a management word's subcommands, and no help${skipped}`, () => {
    const top = complete('burrow ');
    expect(top).toEqual(expect.arrayContaining(['run', 'images', 'image', 'container', 'system', 'version']));
    expect(top).not.toContain('help');
    expect(complete('burrow image ')).toEqual(expect.arrayContaining(['ls', 'list', 'inspect', 'prune', 'rm']));
    expect(complete('burrow system ')).toEqual(['df', 'events', 'info', 'prune', 'reset']);
  });

  test(`offers a command's options, under each of its paths${skipped}`, () => {
    for (const line of ['burrow run --r', 'burrow container run --r']) expect(complete(line), line).toEqual(['--read-only', '--read-only-tmpfs', '--replace', '--restart', '--rm', '--rootfs']);
    expect(complete('burrow images --')).toEqual(expect.arrayContaining(['--all', '--format', '--no-trunc', '--quiet', '--log-level']));
  });

  test(`completes files and directories for the options that take a path${skipped}`, () => {
    expect(complete('burrow run --env-file en')).toEqual(['env.list']);
    expect(complete('burrow load --input en')).toEqual(['env.list']);
    expect(complete('burrow run --rootfs roo').map((w) => w.replace(/\/$/, ''))).toEqual(['rootfs']);
  });

  test(`completes the values an option takes${skipped}`, () => {
    expect(complete('burrow run --cap-add SYS_AD')).toEqual(['SYS_ADMIN']);
    expect(complete('burrow run --network ')).toEqual(['host', 'none']);
    expect(complete('burrow save --format oci-')).toEqual(['oci-archive', 'oci-dir']);
    expect(complete('burrow --log-level ')).toEqual(['debug', 'error', 'info', 'warn']);
  });

  test(`leaves the container's command to files, after IMAGE or with --rootfs${skipped}`, () => {
    expect(complete('burrow run img en')).toEqual(['env.list']);
    expect(complete('burrow run --rootfs rootfs en')).toEqual(['env.list']);
  });
});
