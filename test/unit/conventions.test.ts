/**
 * The conventions test (STYLE.md): every command in src/cli/registry.ts has
 * its man page and its completion entries, and every option its clipanion
 * class declares is documented in both. Adding a command or an option without
 * its documentation fails here, naming what is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Cli } from 'clipanion';
import { describe, expect, it, vi } from 'vitest';

import type { Context } from '../../src/cli/context.js';
import { COMMANDS, MANAGEMENT } from '../../src/cli/registry.js';
import { CAPABILITIES } from '../../src/system/capabilities.js';
import { VALUE_NAMES } from '../../src/cli/values.js';

// vite resolves `clipanion` (no "exports" field) to its .mjs build, whose
// directory import Node's ES loader refuses; its CommonJS build loads fine.
vi.mock('clipanion', async () => {
  const { createRequire } = await import('node:module');
  return createRequire(import.meta.url)('clipanion') as object;
});

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

interface Documented {
  /** the command's words, as registered: ['run'], ['container', 'run'] */
  paths: string[][];
  /** every name of every option that is not hidden: '-e', '--env', ... */
  options: string[];
  /** options declared without a description (so missing from --help) */
  undescribed: string[];
  /** the man page that documents it */
  page: string;
  /** the names of each option that takes a value ("-e,--env") */
  valued: string[];
}

/** The names in a clipanion option definition: "-e,--env #0" or "--read-only". */
const optionNames = (definition: string): string[] => (definition.split(' ')[0] ?? '').split(',');

/** A command's options, from clipanion's own description of the class (nothing runs). */
async function describeCommand(entry: (typeof COMMANDS)[number]): Promise<Documented> {
  const cli = new Cli<Context>({ binaryName: 'burrow' });
  cli.register(await entry.load());
  const definitions = cli.definitions();
  const definition = definitions[0];
  if (definitions.length !== 1 || definition === undefined)
    throw new Error(`command \`${entry.paths[0]?.join(' ')}\` has no static usage: give its class one`);
  // Options with a description are listed apart; those without stay inline in
  // the usage line, as `[-q]` or `<--name #0>`.
  const described = definition.options.flatMap((o) => optionNames(o.definition));
  const undescribed = [...definition.usage.matchAll(/[[<](-[^\]>]*)[\]>]/g)].flatMap((m) => optionNames(m[1] as string));
  return {
    paths: entry.paths,
    options: [...described, ...undescribed],
    undescribed,
    page: `man/burrow-${(entry.paths[0] ?? []).join('-')}.1`,
    valued: definition.options.filter((o) => o.definition.includes(' #0')).map((o) => o.definition.split(' ')[0] as string),
  };
}

/** Roff source as the reader sees it: no font escapes, `\-` as `-`. */
function roffText(source: string): string {
  return source
    .replace(/\\f(\[[^\]]*\]|\(..|.)/g, '')
    .replace(/\\-/g, '-')
    .replace(/\\e/g, '\\');
}

/** The option names in the tag lines (`.TP` items) of a man page's OPTIONS section. */
function manOptions(source: string): Set<string> {
  const lines = roffText(source).split('\n');
  const names = new Set<string>();
  let inOptions = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith('.SH ')) inOptions = line.replace(/"/g, '').trim() === '.SH OPTIONS';
    if (!inOptions || line.trim() !== '.TP') continue;
    const tag = lines[i + 1] ?? '';
    for (const m of tag.matchAll(/(?<![\w-])(--?[A-Za-z][\w-]*)/g)) names.add(m[1] as string);
  }
  return names;
}

/** Is NAME (an option, a word) in TEXT as a whole word, not as part of a longer name? */
function mentions(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w-])${escaped}(?![\\w-])`).test(text);
}

/** fish spells `-e` and `--env` as `-s e` and `-l env`. */
function fishMentions(text: string, option: string): boolean {
  const long = /^--(.+)$/.exec(option);
  const flag = long ? `-l ${long[1]}` : `-s ${option.slice(1)}`;
  return mentions(text, flag) || mentions(text, `${long ? '--long-option' : '--short-option'} ${long ? long[1] : option.slice(1)}`);
}

const COMPLETIONS = [
  { file: 'completions/burrow.bash', shell: 'bash', mentionsOption: mentions },
  { file: 'completions/_burrow', shell: 'zsh', mentionsOption: mentions },
  { file: 'completions/burrow.fish', shell: 'fish', mentionsOption: fishMentions },
] as const;

const commands = await Promise.all(COMMANDS.map(describeCommand));

describe('the helpers of this test', () => {
  it('tell an option from a longer one that starts with it', () => {
    expect(mentions("opts='--env-file -w'", '--env')).toBe(false);
    expect(mentions("opts='--env --env-file'", '--env')).toBe(true);
    expect(mentions("'*'{-e+,--env=}'[set]'", '-e')).toBe(true);
    expect(fishMentions('complete -c burrow -l env-file -r', '--env')).toBe(false);
    expect(fishMentions('complete -c burrow -s e -l env -x', '-e')).toBe(true);
  });

  it('read option names from the OPTIONS section only', () => {
    const page = '.SH DESCRIPTION\n.TP\n.B \\-\\-nope\n.SH OPTIONS\n.TP\n.BR \\-e ", " \\-\\-env " \\fINAME\\fR"\nSet.\n.TP\n.B \\-\\-read\\-only\n';
    expect([...manOptions(page)].sort()).toEqual(['--env', '--read-only', '-e']);
  });
});

describe.each(commands.map((c) => [(c.paths[0] ?? []).join(' '), c] as const))('burrow %s', (_name, command) => {
  it('describes every option (for --help)', () => {
    expect(command.undescribed, 'options declared without a description').toEqual([]);
  });

  it(`has a man page, ${command.page}`, () => {
    expect(existsSync(join(root, command.page)), `${command.page} is missing`).toBe(true);
  });

  it('is named in its man page by every path it answers to', () => {
    const text = roffText(read(command.page));
    for (const path of command.paths) expect(text.includes(`burrow ${path.join(' ')}`), `\`burrow ${path.join(' ')}\` in ${command.page}`).toBe(true);
  });

  it('has every option, and no other, in the OPTIONS section of its man page', () => {
    const documented = manOptions(read(command.page));
    const undocumented = command.options.filter((o) => !documented.has(o));
    expect(undocumented, `options missing from OPTIONS in ${command.page}`).toEqual([]);
    const stale = [...documented].filter((o) => !command.options.includes(o));
    expect(stale, `options in ${command.page} that the command does not declare`).toEqual([]);
  });

  it('names the value of each of its options in VALUE_NAMES (src/cli/values.ts), as its man page does', () => {
    const page = roffText(read(command.page));
    for (const definition of command.valued) {
      const long = definition.split(',').find((n) => n.startsWith('--')) as string;
      expect(VALUE_NAMES[long], `${long}: no value name in src/cli/values.ts`).toBeDefined();
      // its tag line (`.BR \-e ", " \-\-env " \fINAME\fR[=\fIVALUE\fR]"`) ends with the value's name
      const tags = page.split('\n').filter((line) => /^\.[A-Z]+ /.test(line) && mentions(line, long));
      const named = tags.some((line) => line.replace(/"/g, '').replace(/ +/g, ' ').trimEnd().endsWith(` ${VALUE_NAMES[long]}`));
      expect(named, `${command.page} names the value of ${long} ${VALUE_NAMES[long]}`).toBe(true);
    }
  });

  it('is listed in burrow(1)', () => {
    const text = roffText(read('man/burrow.1'));
    const page = `burrow-${(command.paths[0] ?? []).join('-')}`;
    expect(mentions(text, page), `${page}(1) in man/burrow.1`).toBe(true);
  });

  it.each(COMPLETIONS)('is completed with every option by $file', ({ file, mentionsOption }) => {
    const text = read(file);
    for (const path of command.paths)
      for (const word of path) expect(mentions(text, word), `the command word \`${word}\` in ${file}`).toBe(true);
    const missing = command.options.filter((o) => !mentionsOption(text, o));
    expect(missing, `options of \`burrow ${command.paths[0]?.join(' ')}\` missing from ${file}`).toEqual([]);
  });
});

describe('completion files', () => {
  it('offer at the top only words that start a command (no `help`, which burrow does not have)', () => {
    const firsts = new Set(COMMANDS.flatMap((c) => c.paths.map((p) => p[0] as string)));
    const bash = /^_burrow_commands='([^']*)'/m.exec(read('completions/burrow.bash'))?.[1]?.split(' ') ?? [];
    expect(bash.length).toBeGreaterThan(10);
    expect(bash.filter((w) => !firsts.has(w))).toEqual([]);
    const zsh = [...read('completions/_burrow').matchAll(/^ {4}'([a-z-]+):[^']*'$/gm)].map((m) => m[1] as string);
    expect(zsh.length).toBeGreaterThan(10);
    expect(zsh.filter((w) => !firsts.has(w))).toEqual([]);
    const fish = [...read('completions/burrow.fish').matchAll(/-n __burrow_no_command -a (\S+)/g)].map((m) => m[1] as string);
    expect(fish.length).toBeGreaterThan(10);
    expect(fish.filter((w) => !firsts.has(w))).toEqual([]);
  });

  it.each(COMPLETIONS)('$file offers every capability of src/system/capabilities.ts', ({ file }) => {
    const text = read(file);
    const missing = [...CAPABILITIES, 'ALL'].filter((cap) => !mentions(text, cap));
    expect(missing, `capabilities missing from ${file}`).toEqual([]);
  });

  const have = (program: string): boolean => spawnSync(program, ['--version'], { stdio: 'ignore' }).status === 0;
  for (const { file, shell } of COMPLETIONS) {
    const found = have(shell);
    it.skipIf(!found)(`${file} parses (${shell} -n)${found ? '' : `: skipped, ${shell} is not installed`}`, () => {
      const r = spawnSync(shell, ['-n', join(root, file)], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  }
});

describe('man pages', () => {
  const man = spawnSync('man', ['--version'], { stdio: 'ignore' }).status === 0;
  const pages = ['man/burrow.1', ...commands.map((c) => c.page)];
  it.skipIf(!man).each(pages)(`%s renders without warnings${man ? '' : ': skipped, man is not installed'}`, (page) => {
    const r = spawnSync('man', ['--warnings', '-l', join(root, page)], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '80', MAN_KEEP_FORMATTING: '' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
  });
});

describe('messages', () => {
  /** Every `burrow WORD [WORD]` a string in src/ shows a user as a command (after a backtick or a parenthesis). */
  function namedCommands(): { file: string; words: string[] }[] {
    const out: { file: string; words: string[] }[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
        const rel = `${dir}/${entry.name}`;
        if (entry.isDirectory()) walk(rel);
        else if (rel.endsWith('.ts'))
          for (const m of read(rel).matchAll(/[`(]burrow ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?/g)) out.push({ file: rel, words: [m[1], m[2]].filter((w): w is string => w !== undefined) });
      }
    };
    walk('src');
    return out;
  }

  it('name only commands that exist', () => {
    const named = namedCommands();
    expect(named.length).toBeGreaterThan(3); // the search finds what it is meant to
    // a command, or a management word alone (`burrow image` lists its subcommands)
    const exists = (words: string[]): boolean =>
      COMMANDS.some((c) => c.paths.some((p) => p.every((w, i) => words[i] === w))) || (words.length === 1 && MANAGEMENT[words[0] as string] !== undefined);
    const unknown = named.filter((n) => !exists(n.words)).map((n) => `${n.file}: burrow ${n.words.join(' ')}`);
    expect(unknown, 'commands named in messages that burrow does not have').toEqual([]);
  });
});

describe('error codes', () => {
  it('every code a BurrowError is given in src/ is documented in burrow(1), ERROR CODES, and no other', () => {
    const codes = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
        const rel = `${dir}/${entry.name}`;
        if (entry.isDirectory()) walk(rel);
        else if (rel.endsWith('.ts')) for (const m of read(rel).matchAll(/'(E_[A-Z_]+)'/g)) codes.add(m[1] as string);
      }
    };
    walk('src');
    expect(codes.size).toBeGreaterThan(30); // the search finds what it is meant to
    const page = roffText(read('man/burrow.1'));
    const section = page.slice(page.indexOf('.SH ERROR CODES'), page.indexOf('.SH ENVIRONMENT'));
    const documented = new Set([...section.matchAll(/^\.BI? (E_[A-Z_]+)/gm)].map((m) => m[1] as string));
    expect([...codes].filter((c) => !documented.has(c)).sort(), 'codes missing from burrow(1)').toEqual([]);
    expect([...documented].filter((c) => !codes.has(c) && !c.endsWith('_')).sort(), 'codes in burrow(1) that src/ no longer has').toEqual([]);
  });
});
