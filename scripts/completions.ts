/**
 * The shell completions (completions/burrow.bash, _burrow, burrow.fish),
 * written from the command manifest (src/cli/manifest.json) by
 * scripts/build.mjs: every command, subcommand and option, with what each
 * option's value and each operand can be. Each file is its template in
 * scripts/completions/ (the shell code) with the tables made here in place of
 * its `@GENERATED@` line. test/unit/conventions.test.ts fails when the files
 * in completions/ are not what this gives.
 *
 * What the manifest does not say is here: which values a few options take
 * (by their long name) and what an operand names (by its name).
 */
import type { Manifest, ManifestCommand, ManifestOption } from '../src/cli/manifest.js';
import { CAPABILITIES } from '../src/system/capabilities.js';

/** What completes an option's value or an operand. */
type Completer = { words: string[]; nospace?: boolean } | 'files' | 'dirs' | 'env' | 'images' | 'containers' | 'images containers' | 'pods' | 'networks' | 'none';

const LEVELS = ['debug', 'info', 'warn', 'error'];
const ULIMITS = ['cpu', 'fsize', 'data', 'stack', 'core', 'rss', 'nproc', 'nofile', 'memlock', 'as', 'locks', 'sigpending', 'msgqueue', 'nice', 'rtprio', 'rttime'].map((n) => `${n}=`);

/** Option values by long name (`--format` of save, by `save --format`). A FILE, or HOST-PATH:..., is a file. */
const VALUES: Record<string, Completer> = {
  '--log-level': { words: LEVELS },
  '--rootfs': 'dirs',
  '--env': 'env',
  '--network': { words: ['none', 'host'] },
  '--cap-add': { words: ['ALL', ...CAPABILITIES] },
  '--cap-drop': { words: ['ALL', ...CAPABILITIES] },
  '--security-opt': { words: ['no-new-privileges', 'no-new-privileges=true', 'no-new-privileges=false'] },
  '--ulimit': { words: ULIMITS, nospace: true },
  '--format': { words: ['json', 'table'] },
  'save --format': { words: ['docker-archive', 'oci-archive', 'oci-dir'] },
  '--change': { words: ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'] },
  '--type': { words: ['image', 'container', 'all'] },
  '--pod': 'pods',
  '--container': 'containers',
};

/** Operands by name (`inspect NAME`, by the command's file). */
const OPERANDS: Record<string, Completer> = {
  IMAGE: 'images',
  CONTAINER: 'containers',
  POD: 'pods',
  NETWORK: 'networks',
  TARBALL: 'files',
  'inspect NAME': 'images containers',
  'untag NAME': 'images',
};

const longName = (o: ManifestOption): string => o.names.find((n) => n.startsWith('--')) ?? (o.names[0] as string);

function valueOf(command: ManifestCommand, o: ManifestOption): Completer {
  const long = longName(o);
  const given = VALUES[`${command.file} ${long}`] ?? VALUES[long];
  if (given !== undefined) return given;
  if (o.value === 'FILE' || o.value?.startsWith('HOST-PATH')) return 'files';
  return 'none';
}

const operandOf = (command: ManifestCommand, name: string): Completer => OPERANDS[`${command.file} ${name.toUpperCase()}`] ?? OPERANDS[name.toUpperCase()] ?? 'none';

/** A command's shown options. */
const optionsOf = (c: ManifestCommand): ManifestOption[] => c.options.filter((o) => !o.hidden);

/** The first words of every path, and each management word's second words. */
function words(manifest: Manifest): { top: Map<string, string>; sub: Map<string, Map<string, ManifestCommand>> } {
  const top = new Map<string, string>();
  const sub = new Map<string, Map<string, ManifestCommand>>();
  for (const c of manifest.commands)
    for (const p of c.paths) {
      const [first, second, third] = p as [string, string | undefined, string | undefined];
      if (second === undefined) top.set(first, sentence(c.description));
      else {
        if (!top.has(first)) top.set(first, `Manage ${first === 'system' ? 'burrow' : `${first}s`}`);
        if (!sub.has(first)) sub.set(first, new Map());
        // A third word (`sandbox profile ls`): the second is a group of its own, described as one.
        const entry = third === undefined ? c : { ...c, description: `manage ${first} ${second}s` };
        if (third === undefined || !sub.get(first)?.has(second)) sub.get(first)?.set(second, entry);
      }
    }
  return { top: new Map([...top].sort(([a], [b]) => (a < b ? -1 : 1))), sub };
}

/** The commands of three words, by their first two (`sandbox profile` → ls, list, show, check). */
function groups(manifest: Manifest): Map<string, Map<string, ManifestCommand>> {
  const out = new Map<string, Map<string, ManifestCommand>>();
  for (const c of manifest.commands)
    for (const p of c.paths)
      if (p.length === 3) {
        const k = `${p[0]}_${p[1]}`;
        if (!out.has(k)) out.set(k, new Map());
        out.get(k)?.set(p[2] as string, c);
      }
  return out;
}

const sentence = (s: string): string => {
  const t = s.trim().split('\n')[0] ?? '';
  return t.charAt(0).toUpperCase() + t.slice(1);
};

/* ---------------------------------- bash ---------------------------------- */

const key = (c: ManifestCommand): string => c.file.replace(/\//g, '_');

const capabilityList = (v: Completer): boolean => typeof v === 'object' && v.words.join(' ') === ['ALL', ...CAPABILITIES].join(' ');

/** The tables of completions/burrow.bash. */
function bashTables(manifest: Manifest): string[] {
  const { top, sub } = words(manifest);
  const out = [
    '# The commands, and the options before them.',
    `_burrow_commands='${[...top.keys()].join(' ')}'`,
    "_burrow_global_opts='--log-level -h --help -v --version'",
    `_burrow_levels='${LEVELS.join(' ')}'`,
    '# src/system/capabilities.ts, and ALL',
    "_burrow_capabilities='" + wrapWords(['ALL', ...CAPABILITIES], '  ').join('\n').trimStart() + "'",
    '',
    '# The command each word or pair of words is; the subcommands of each management word.',
  ];
  for (const [word] of top) {
    const c = manifest.commands.find((m) => m.paths.some((p) => p.length === 1 && p[0] === word));
    if (c !== undefined) out.push(`_burrow_cmd_${word}=${key(c)}`);
  }
  const threes = groups(manifest);
  for (const [word, subs] of sub) {
    out.push(`_burrow_sub_${word}='${[...subs.keys()].sort().join(' ')}'`);
    for (const [second, c] of [...subs].sort(([a], [b]) => (a < b ? -1 : 1))) if (!threes.has(`${word}_${second}`)) out.push(`_burrow_cmd_${word}_${second}=${key(c)}`);
  }
  for (const [pair, subs] of threes) {
    out.push(`_burrow_sub_${pair}='${[...subs.keys()].sort().join(' ')}'`);
    for (const [third, c] of [...subs].sort(([a], [b]) => (a < b ? -1 : 1))) out.push(`_burrow_cmd_${pair}_${third}=${key(c)}`);
  }
  out.push('', '# Each command: its options that take a value, those that do not, and its operands', "# (one word a position, the last one repeating; proxy: the container's command).");
  for (const c of manifest.commands) {
    const opts = optionsOf(c);
    out.push(`_burrow_${key(c)}_arg='${opts.filter((o) => o.arity > 0).flatMap((o) => o.names).join(' ')}'`);
    out.push(`_burrow_${key(c)}_flag='${opts.filter((o) => o.arity === 0).flatMap((o) => o.names).join(' ')}'`);
    const operands = c.positionals.map((p) => (p.kind === 'proxy' ? 'proxy' : String(operandOf(c, p.name)).replace(' ', '+')));
    out.push(`_burrow_${key(c)}_operands='${operands.join(' ')}'`);
  }
  out.push('', '# Completes the value of option $2 of command $1, the current word being $3.', '_burrow_value() {', '  local cur=$3', '  case "$1 $2" in');
  const cases = new Map<string, string[]>();
  for (const c of manifest.commands)
    for (const o of optionsOf(c)) {
      if (o.arity === 0) continue;
      const v = valueOf(c, o);
      let body: string;
      if (v === 'none') continue;
      else if (v === 'files') body = 'compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur")';
      else if (v === 'dirs') body = 'compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur")';
      else if (v === 'env') body = 'compopt -o nospace 2>/dev/null; mapfile -t COMPREPLY < <(compgen -e -- "$cur")';
      else if (typeof v === 'object') {
        const list = capabilityList(v) ? '$_burrow_capabilities' : v.words.join(' ');
        body = `${v.nospace ? 'compopt -o nospace 2>/dev/null; ' : ''}mapfile -t COMPREPLY < <(compgen -W "${list}" -- "$cur")`;
      } else body = `_burrow_operand '${v}' "$cur"`;
      cases.set(body, [...(cases.get(body) ?? []), ...o.names.map((n) => `"${key(c)} ${n}"`)]);
    }
  for (const [body, patterns] of cases) {
    // A long list of patterns over several lines (a backslash-newline is nothing to bash).
    const lines = wrapWords(patterns.map((p, i) => (i < patterns.length - 1 ? `${p} |` : `${p})`)), '    ', ' \\');
    out.push(...lines.map((l, i) => (i === 0 ? l : `  ${l}`)), `      ${body} ;;`);
  }
  out.push(
    '    *) COMPREPLY=() ;;',
    '  esac',
    '  # readline replaces only what follows the last `=` or `:` of the word.',
    '  if [[ $cur == *[=:]* ]]; then',
    '    local prefix=${cur%"${cur##*[=:]}"}',
    '    COMPREPLY=("${COMPREPLY[@]#"$prefix"}")',
    '  fi',
    '  return 0',
    '}',
  );
  return out;
}

/* ---------------------------------- zsh ----------------------------------- */

/** Text inside a zsh single-quoted word. */
const zq = (s: string): string => s.replace(/'/g, `'\\''`);
/** An _arguments description (`[...]`) or message: no unescaped brackets or colons. */
const zdesc = (s: string): string => zq(s.replace(/\\/g, '\\\\').replace(/([[\]:])/g, '\\$1'));

function zshAction(v: Completer): string {
  if (v === 'files') return '_files';
  if (v === 'dirs') return '_directories';
  if (v === 'env') return '_parameters -g "*export*"';
  if (v === 'images') return '_burrow_images';
  if (v === 'containers') return '_burrow_containers';
  if (v === 'images containers') return '_burrow_images_containers';
  if (v === 'pods') return '_burrow_pods';
  if (v === 'networks') return '_burrow_networks';
  if (v === 'none') return ' ';
  if (capabilityList(v)) return '($_burrow_capabilities)';
  if (v.nospace) return '_burrow_ulimits';
  return `(${v.words.join(' ')})`;
}

function zshFunction(c: ManifestCommand): string[] {
  const specs: string[] = [];
  for (const o of optionsOf(c)) {
    const many = o.kind === 'array';
    const arg = o.arity > 0 ? `:${zdesc(o.value ?? 'value')}:${zq(zshAction(valueOf(c, o)))}` : '';
    const tail = `'[${zdesc(o.description)}]${arg}'`;
    const spelled = (n: string): string => (o.arity === 0 ? n : n.startsWith('--') ? `${n}=` : `${n}+`);
    if (o.names.length === 1) specs.push(`'${many ? '*' : ''}${spelled(o.names[0] as string)}${tail.slice(1)}`);
    else specs.push(`${many ? "'*'" : `'(${o.names.join(' ')})'`}{${o.names.map(spelled).join(',')}}${tail}`);
  }
  const lines = [`_burrow_c_${key(c)}() {`];
  const proxy = c.positionals.some((p) => p.kind === 'proxy');
  let n = 0;
  for (const p of c.positionals) {
    const name = zdesc(p.name.toLowerCase());
    if (p.kind === 'proxy') specs.push(`'*::argument:_files'`);
    else if (p.kind === 'one' || p.kind === 'optional') {
      n++;
      const spec = `${n}:${p.kind === 'optional' ? ':' : ''}${name}:${zq(zshAction(operandOf(c, p.name)))}`;
      if (n === 1 && proxy && c.options.some((o) => o.names.includes('--rootfs'))) {
        // With --rootfs, the first word after the options is the container's command.
        lines.push(`  local first='${spec}'`, `  (( \${words[(I)--rootfs(|=*)]} )) && first='1:command in the container: '`);
        specs.push('"$first"');
      } else specs.push(`'${spec}'`);
    } else specs.push(`'*:${name}:${zq(zshAction(operandOf(c, p.name)))}'`);
  }
  // -s: -it is -i -t; -A "-*": with a proxy, no options after its first word.
  lines.push(`  _arguments -s -S${proxy ? " -A '-*'" : ''} \\`);
  specs.forEach((s, i) => lines.push(`    ${s}${i < specs.length - 1 ? ' \\' : ''}`));
  lines.push('}');
  return lines;
}

function zshTables(manifest: Manifest): string[] {
  const { top, sub } = words(manifest);
  const out = ['# src/system/capabilities.ts, and ALL', '_burrow_capabilities=(', ...wrapWords(['ALL', ...CAPABILITIES], '  '), ')', ''];
  out.push('# NAME= of --ulimit NAME=SOFT[:HARD], with no space after it.', '_burrow_ulimits() {', `  compadd -S '' -- ${ULIMITS.join(' ')}`, '}', '');
  out.push('# The commands, and the subcommands of each management word.', '_burrow_commands() {', '  local -a commands=(');
  for (const [word, description] of top) out.push(`    '${word}:${zq(description.replace(/:/g, '\\:'))}'`);
  out.push('  )', "  _describe -t commands 'burrow command' commands", '}');
  for (const [word, subs] of sub) {
    out.push(`_burrow_subcommands_${word}=(`);
    for (const [second, c] of [...subs].sort(([a], [b]) => (a < b ? -1 : 1))) out.push(`      '${second}:${zq(sentence(c.description).replace(/:/g, '\\:'))}'`);
    out.push(')');
  }
  out.push('', "# The function of each command's path.", 'typeset -gA _burrow_command_functions=(');
  for (const c of manifest.commands) for (const p of c.paths) out.push(`  '${p.join(' ')}' _burrow_c_${key(c)}`);
  out.push(')', '', '# Each command: its options and operands.');
  for (const c of manifest.commands) out.push(...zshFunction(c), '');
  out.pop();
  return out;
}

/* ---------------------------------- fish ---------------------------------- */

/** A fish single-quoted word. */
const fq = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function fishValue(v: Completer): string {
  if (v === 'files') return '-r -F';
  if (v === 'dirs') return `-x -a '(__fish_complete_directories (commandline -ct | string replace -r -- "^--[a-z-]+=" ""))'`;
  if (v === 'env') return `-x -a '(set -xn)'`;
  if (v === 'images') return `-x -a '(__burrow_images)'`;
  if (v === 'containers') return `-x -a '(__burrow_containers)'`;
  if (v === 'images containers') return `-x -a '(__burrow_images; __burrow_containers)'`;
  if (v === 'pods') return `-x -a '(__burrow_pods)'`;
  if (v === 'networks') return `-x -a '(__burrow_networks)'`;
  if (v === 'none') return '-x';
  if (capabilityList(v)) return `-x -a '$__burrow_capabilities'`;
  return `-x -a ${fq(v.words.join(' '))}`;
}

function fishTables(manifest: Manifest): string[] {
  const { top, sub } = words(manifest);
  const out = ['# src/system/capabilities.ts, and ALL', 'set -g __burrow_capabilities \\', ...wrapWords(['ALL', ...CAPABILITIES], '    ', ' \\'), ''];
  out.push("# The command the words name (a command's file), and how many words name it.", 'function __burrow_command', '    switch "$argv[1] $argv[2]"');
  const paths = manifest.commands.flatMap((c) => c.paths.map((p) => ({ p, c }))).sort((a, b) => b.p.length - a.p.length);
  for (const { p, c } of paths) out.push(`        case ${fq(p.length === 1 ? `${p[0]} *` : p.join(' '))}`, `            printf '%s\\n' ${key(c)} ${p.length}`);
  out.push('    end', 'end', '');
  out.push("# Each command's options that take a value, and the operands before its proxy.");
  for (const c of manifest.commands) {
    out.push(`set -g __burrow_arg_${key(c)} ${optionsOf(c).filter((o) => o.arity > 0).flatMap((o) => o.names).join(' ')}`.trimEnd());
    const proxy = c.positionals.findIndex((p) => p.kind === 'proxy');
    if (proxy >= 0) out.push(`set -g __burrow_proxy_${key(c)} ${proxy}`);
  }
  out.push('', '# The commands.');
  for (const [word, description] of top) out.push(`complete -c burrow -n __burrow_no_command -a ${word} -d ${fq(description)}`);
  for (const [word, subs] of sub)
    for (const [second, c] of [...subs].sort(([a], [b]) => (a < b ? -1 : 1))) out.push(`complete -c burrow -n ${fq(`__burrow_subcommand_of ${word}`)} -a ${second} -d ${fq(sentence(c.description))}`);
  out.push('', '# The global options.');
  out.push(`complete -c burrow -n __burrow_no_command -l log-level -x -a ${fq(LEVELS.join(' '))} -d 'Log messages at this level and above'`);
  out.push("complete -c burrow -n __burrow_no_command -s h -l help -d 'Print the list of commands and exit'");
  out.push("complete -c burrow -n __burrow_no_command -s v -l version -d 'Print the version and exit'");
  for (const c of manifest.commands) {
    out.push('', `# burrow ${c.paths.map((p) => p.join(' ')).join(', burrow ')}`);
    for (const o of optionsOf(c)) {
      const names = o.names.map((n) => (n.startsWith('--') ? `-l ${n.slice(2)}` : `-s ${n.slice(1)}`)).join(' ');
      const value = o.arity > 0 ? ` ${fishValue(valueOf(c, o))}` : '';
      out.push(`complete -c burrow -n ${fq(`__burrow_options ${key(c)}`)} ${names}${value} -d ${fq(o.description)}`);
    }
    c.positionals.forEach((p, i) => {
      if (p.kind === 'proxy') {
        out.push(`complete -c burrow -n ${fq(`__burrow_proxy ${key(c)}`)} -F`);
        return;
      }
      const v = operandOf(c, p.name);
      if (v === 'none') return;
      const rest = p.kind === 'rest' || p.kind === 'required rest' ? ' rest' : '';
      const what = v === 'files' ? '-F' : fishValue(v).replace(/^-x /, '');
      out.push(`complete -c burrow -n ${fq(`__burrow_operand ${key(c)} ${i}${rest}`)} ${what}`);
    });
  }
  return out;
}

/** Words in lines of at most 80 characters, each prefixed with `indent` (and ended with `end` but the last). */
function wrapWords(list: string[], indent: string, end = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const w of list) {
    if (line !== '' && indent.length + line.length + 1 + w.length > 78) {
      lines.push(`${indent}${line}${end}`);
      line = w;
    } else line = line === '' ? w : `${line} ${w}`;
  }
  if (line !== '') lines.push(`${indent}${line}`);
  return lines;
}

/** The three completion files, from the manifest and the templates (file name -> its text). */
export function completions(manifest: Manifest, templates: Record<'burrow.bash' | '_burrow' | 'burrow.fish', string>): Record<string, string> {
  const fill = (template: string, tables: string[]): string => {
    if (!template.includes('# @GENERATED@\n')) throw new Error('a completion template has no `# @GENERATED@` line');
    return template.replace('# @GENERATED@\n', () => `${tables.join('\n')}\n`);
  };
  return {
    'burrow.bash': fill(templates['burrow.bash'], bashTables(manifest)),
    _burrow: fill(templates._burrow, zshTables(manifest)),
    'burrow.fish': fill(templates['burrow.fish'], fishTables(manifest)),
  };
}
