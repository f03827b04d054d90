/**
 * Command lines as podman reads them (Go's pflag), rewritten into the shapes
 * clipanion reads, with pflag's words for what is wrong:
 *
 *   --rm=true, --read-only=false      a boolean with a value   -> --rm, --no-read-only
 *   -eB=2, -w/tmp, -e=B=2             a short option's value attached -> --env=B=2, --workdir=/tmp
 *   -dit, -itw/tmp                    short options bundled    -> -d -i -t, -i -t --workdir=/tmp
 *   --name -x                         a value that starts with a dash -> --name=-x
 *   -x, --bogus                       unknown flag: --bogus / unknown shorthand flag: 'x' in -x
 *   --name (last)                     flag needs an argument: --name
 *
 * Options are read up to `--`, and, for a command that passes the rest on
 * (run's COMMAND), up to its leading positionals (none at all for a command
 * that passes on everything, as sandbox); elsewhere they may stand between
 * positionals, as pflag allows. main.ts uses this only when clipanion
 * refused a line, so the lines it reads as they are cost nothing more.
 */
import { UsageError } from '../errors.js';
import type { FlagSpec } from './quick.js';

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function parseBool(name: string, value: string): boolean {
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new UsageError(`invalid argument "${value}" for "${name}" flag: strconv.ParseBool: parsing "${JSON.stringify(value).slice(1, -1)}": invalid syntax`);
}

export interface Normalized {
  argv: string[];
  /** positionals given (for "requires at least N arg(s), only received M") */
  positionals: number;
  /** `--help`, or `-h` where it is no option of the command, among the options */
  help: boolean;
}

/** `argv` (the command's path first) in clipanion's shapes; throws pflag's UsageError for an unknown flag or a missing value. */
export function normalizeArgv(spec: FlagSpec, argv: string[]): Normalized {
  const path = spec.paths.find((p) => p.every((word, i) => argv[i] === word)) ?? [];
  const out = argv.slice(0, path.length);
  // A command that passes on every word after its path (sandbox: bwrap's options are its own) has no option
  // to read, as clipanion reads it; only `--help` or `-h` as the first word asks for burrow's help page.
  if (spec.positionals[0]?.kind === 'proxy') {
    const first = argv[path.length];
    const help = first === '--help' || first === '-h';
    return { argv: argv.slice(), positionals: help ? 0 : argv.length - path.length, help };
  }
  // The long name of each option (clipanion's `--name=value` takes any value, a leading dash included).
  const long = new Map<string, string>();
  for (const group of spec.groups) {
    const l = group.find((n) => n.startsWith('--'));
    if (l !== undefined) for (const n of group) long.set(n, l);
  }
  const valued = (name: string, value: string): string[] => {
    const l = long.get(name);
    return l !== undefined ? [`${l}=${value}`] : [name, value];
  };
  const bool = (name: string, on: boolean): string => (on ? name : `--no-${(long.get(name) ?? name).replace(/^-+/, '')}`);

  let positionals = 0;
  let help = false;
  for (let i = path.length; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === '--' || (spec.proxy && positionals >= spec.required && positionals > 0)) {
      out.push(...argv.slice(i));
      if (token === '--') positionals += argv.length - i - 1;
      break;
    }
    if (token === '-' || !token.startsWith('-')) {
      out.push(token);
      positionals++;
      continue;
    }
    if (token.startsWith('--')) {
      const eq = token.indexOf('=');
      const name = eq < 0 ? token : token.slice(0, eq);
      const takes = spec.options[name];
      if (takes === undefined) {
        const negated = /^--no-(.+)$/.exec(name);
        if (name === '--help' || (negated !== null && spec.options[`--${negated[1]}`] === false && eq < 0)) {
          help ||= name === '--help';
          out.push(token);
          continue;
        }
        throw new UsageError(`unknown flag: ${name}`);
      }
      if (!takes) out.push(eq < 0 ? name : bool(name, parseBool(name, token.slice(eq + 1))));
      else if (eq >= 0) out.push(token);
      else {
        const value = argv[++i];
        if (value === undefined) throw new UsageError(`flag needs an argument: ${name}`);
        out.push(...valued(name, value));
      }
      continue;
    }
    // A bundle of short options: each a flag, until one that takes the rest (or the next argument) as its value.
    const letters = token.slice(1);
    for (let j = 0; j < letters.length; j++) {
      const name = `-${letters[j]}`;
      const takes = spec.options[name];
      if (takes === undefined) {
        if (name === '-h') {
          help = true; // where -h is not an option of the command
          out.push(name);
          continue;
        }
        throw new UsageError(`unknown shorthand flag: '${letters[j]}' in ${token}`);
      }
      const rest = letters.slice(j + 1);
      if (!takes) {
        if (rest.startsWith('=')) {
          out.push(bool(name, parseBool(name, rest.slice(1))));
          break;
        }
        out.push(name);
        continue;
      }
      if (rest !== '') out.push(...valued(name, rest.startsWith('=') ? rest.slice(1) : rest));
      else {
        const value = argv[++i];
        if (value === undefined) throw new UsageError(`flag needs an argument: '${letters[j]}' in ${token}`);
        out.push(...valued(name, value));
      }
      break;
    }
  }
  return { argv: out, positionals, help };
}
