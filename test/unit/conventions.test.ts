/**
 * The conventions test (STYLE.md): every command of the manifest
 * (src/cli/manifest.json, read from the command classes when burrow is built)
 * has its man page, its completion entries and an integration test that runs
 * it, and every option it declares is documented in its man page's OPTIONS
 * section (and no other) and completed. Adding a command or an option without
 * its documentation fails here, naming what is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { completions } from '../../scripts/completions.js';
import type { Manifest } from '../../src/cli/manifest.js';
import manifest from '../../src/cli/manifest.json';
import { COMMANDS, MANAGEMENT } from '../../src/cli/registry.js';
import { CAPABILITIES } from '../../src/system/capabilities.js';
import { VALUE_NAMES } from '../../src/cli/values.js';

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

/** A command's options, from the manifest. */
function describeCommand(entry: (typeof COMMANDS)[number]): Documented {
  const shown = entry.options.filter((o) => !o.hidden);
  return {
    paths: entry.paths,
    options: shown.flatMap((o) => o.names),
    undescribed: shown.filter((o) => o.description.trim() === '').flatMap((o) => o.names),
    page: `man/burrow-${(entry.paths[0] ?? []).join('-')}.1`,
    valued: shown.filter((o) => o.arity > 0).map((o) => o.names.join(',')),
  };
}

/** The command lines the integration tests spell out: every list of quoted words (as `run(['images', '-q'])` passes one). */
function testedLines(): string[][] {
  const lines: string[][] = [];
  const dir = join(root, 'test', 'integration');
  // help.test.ts asks every command for its help: that runs none of them.
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.test.ts') && f !== 'help.test.ts'))
    for (const m of read(`test/integration/${file}`).matchAll(/\[\s*((?:'[^'\n]*'|"[^"\n]*")(?:\s*,\s*(?:'[^'\n]*'|"[^"\n]*"))*)/g))
      lines.push([...(m[1] as string).matchAll(/'([^'\n]*)'|"([^"\n]*)"/g)].map((w) => (w[1] ?? w[2]) as string));
  return lines;
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

const commands = COMMANDS.map(describeCommand);
const tested = testedLines();

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

  it('is run by an integration test (test/integration/*.test.ts spells out one of its paths)', () => {
    const runs = tested.some((line) => command.paths.some((path) => path.every((word, i) => line[i] === word)));
    expect(runs, `no test in test/integration/ runs \`burrow ${command.paths[0]?.join(' ')}\``).toBe(true);
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
  it('are what scripts/completions.ts makes of the manifest and the templates in scripts/completions/ (run the build)', () => {
    const names = ['burrow.bash', '_burrow', 'burrow.fish'] as const;
    const made = completions(manifest as Manifest, Object.fromEntries(names.map((n) => [n, read(`scripts/completions/${n}`)])) as Record<(typeof names)[number], string>);
    for (const name of names) expect(read(`completions/${name}`), `completions/${name} is stale`).toBe(made[name]);
  });

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
