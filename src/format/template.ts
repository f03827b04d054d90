/**
 * The part of Go's text/template that podman's `--format` is used with:
 *
 *   text {{.Field}} {{.A.B}} {{.}} {{json .}} {{json .Field}} {{upper .X}}
 *   {{.X | lower}} {{join .Names ","}} {{range .List}}...{{end}}
 *   {{if .X}}...{{else}}...{{end}} {{with .X}}...{{end}} {{- trim -}}
 *
 * Values print as Go's fmt prints them (`[a b]` for a list, `map[k:v]` for a
 * map, `<no value>` for a missing map key or a nil). A field the value does
 * not have is an error, worded as Go words it, so that scripts written for
 * podman fail the same way.
 */
import { BurrowError } from '../errors.js';

/** Objects whose keys are data (Go maps): a missing key is `<no value>`, not an error. */
const maps = new WeakSet<object>();

/** Marks `value` as a map (labels, annotations) rather than a struct. */
export function asMap<T extends object>(value: T): T {
  maps.add(value);
  return value;
}

export class TemplateError extends BurrowError {
  constructor(message: string) {
    super('E_TEMPLATE', `template: ${message}`);
  }
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipe; pos: number }
  | { kind: 'if' | 'with' | 'range'; pipe: Pipe; pos: number; body: Node[]; otherwise: Node[] };

interface Pipe {
  commands: Cmd[];
}

type Cmd = Arg[];

type Arg =
  | { kind: 'dot' }
  | { kind: 'field'; path: string[]; pos: number; text: string; receiver: 'dot' | 'pipe' }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'func'; name: string; pos: number }
  | { kind: 'sub'; pipe: Pipe };

type Func = (...args: unknown[]) => unknown;

const FUNCS: Record<string, Func> = {
  json: (v) => JSON.stringify(v === undefined ? null : v),
  upper: (v) => String(v).toUpperCase(),
  lower: (v) => String(v).toLowerCase(),
  title: (v) => String(v).replace(/\b\w/g, (c) => c.toUpperCase()),
  join: (list, sep) => (Array.isArray(list) ? list.map((x) => printValue(x)).join(String(sep)) : printValue(list)),
  split: (s, sep) => String(s).split(String(sep)),
  len: (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
  truncate: (s, n) => String(s).slice(0, Number(n)),
  print: (...args) => args.map((a) => printValue(a)).join(''),
  println: (...args) => `${args.map((a) => printValue(a)).join(' ')}\n`,
  index: (v, ...keys) => keys.reduce<unknown>((acc, k) => (acc && typeof acc === 'object' ? (acc as Record<string, unknown>)[String(k)] : undefined), v),
  not: (v) => !truthy(v),
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
};

/** Go's %v of a value. */
export function printValue(v: unknown): string {
  if (v === undefined || v === null) return '<no value>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => printNested(x)).join(' ')}]`;
  if (typeof v === 'object') {
    if (maps.has(v)) {
      const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `map[${entries.map(([k, x]) => `${k}:${printNested(x)}`).join(' ')}]`;
    }
    return `{${Object.values(v as Record<string, unknown>)
      .map((x) => printNested(x))
      .join(' ')}}`;
  }
  return String(v);
}

/** Inside a list or map Go prints nil as <nil>. */
function printNested(v: unknown): string {
  return v === undefined || v === null ? '<nil>' : printValue(v);
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object' && maps.has(v)) return Object.keys(v).length > 0;
  return true;
}

/** Where `pos` is, as Go reports it: NAME:LINE:COLUMN (column counted from 0 on the first line). */
function location(name: string, source: string, pos: number): string {
  const before = source.slice(0, pos);
  const line = before.split('\n').length;
  const nl = before.lastIndexOf('\n');
  return `${name}:${line}:${nl < 0 ? pos : pos - nl - 1}`;
}

// ---- lexing and parsing ----

interface Token {
  kind: 'field' | 'dot' | 'ident' | 'string' | 'number' | 'pipe' | 'lparen' | 'rparen';
  text: string;
  pos: number;
}

function lexAction(body: string, base: number, err: (pos: number, msg: string) => never): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i] as string;
    const pos = base + i;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '|') {
      out.push({ kind: 'pipe', text: c, pos });
      i++;
    } else if (c === '(') {
      out.push({ kind: 'lparen', text: c, pos });
      i++;
    } else if (c === ')') {
      out.push({ kind: 'rparen', text: c, pos });
      i++;
    } else if (c === '"' || c === '`') {
      let j = i + 1;
      let value = '';
      while (j < body.length && body[j] !== c) {
        if (c === '"' && body[j] === '\\' && j + 1 < body.length) {
          const e = body[j + 1] as string;
          value += ({ n: '\n', t: '\t', '\\': '\\', '"': '"' } as Record<string, string>)[e] ?? e;
          j += 2;
        } else {
          value += body[j];
          j++;
        }
      }
      if (j >= body.length) err(pos, 'unterminated quoted string');
      out.push({ kind: 'string', text: value, pos });
      i = j + 1;
    } else if (c === '.') {
      const m = /^\.(?:[A-Za-z_]\w*)?(?:\.[A-Za-z_]\w*)*/.exec(body.slice(i)) as RegExpExecArray;
      out.push({ kind: m[0] === '.' ? 'dot' : 'field', text: m[0], pos });
      i += m[0].length;
    } else if (/[-0-9]/.test(c)) {
      const m = /^-?\d+(?:\.\d+)?/.exec(body.slice(i));
      if (!m) err(pos, `bad number syntax: "${c}"`);
      out.push({ kind: 'number', text: m[0], pos });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_]\w*/.exec(body.slice(i)) as RegExpExecArray;
      out.push({ kind: 'ident', text: m[0], pos });
      i += m[0].length;
      // `(.X).Y` and `$x` are beyond this implementation.
    } else {
      err(pos, `unexpected "${c}" in command`);
    }
  }
  return out;
}

class Parser {
  private readonly nodes: Node[] = [];

  constructor(
    private readonly name: string,
    private readonly source: string,
  ) {}

  fail(pos: number, msg: string): never {
    throw new TemplateError(`${location(this.name, this.source, pos).split(':').slice(0, 2).join(':')}: ${msg}`);
  }

  parse(): Node[] {
    const src = this.source;
    const items: Array<{ kind: 'text'; text: string } | { kind: 'action'; body: string; pos: number }> = [];
    let i = 0;
    while (i < src.length) {
      const open = src.indexOf('{{', i);
      if (open < 0) {
        items.push({ kind: 'text', text: src.slice(i) });
        break;
      }
      let text = src.slice(i, open);
      let start = open + 2;
      if (src.startsWith('- ', start) || (src[start] === '-' && /\s/.test(src[start + 1] ?? ''))) {
        text = text.replace(/\s+$/, '');
        start += 1;
      }
      if (text) items.push({ kind: 'text', text });
      const close = src.indexOf('}}', start);
      if (close < 0) this.fail(open, 'unclosed action');
      let end = close;
      let trimAfter = false;
      if (src[close - 1] === '-' && /\s/.test(src[close - 2] ?? '')) {
        end = close - 1;
        trimAfter = true;
      }
      items.push({ kind: 'action', body: src.slice(start, end), pos: start });
      i = close + 2;
      if (trimAfter) while (i < src.length && /\s/.test(src[i] as string)) i++;
    }
    let k = 0;
    const block = (inside: string | undefined): { nodes: Node[]; end: 'end' | 'else' | undefined } => {
      const nodes: Node[] = [];
      while (k < items.length) {
        const item = items[k++] as (typeof items)[number];
        if (item.kind === 'text') {
          nodes.push(item);
          continue;
        }
        const tokens = lexAction(item.body, item.pos, (p, m) => this.fail(p, m));
        const first = tokens[0];
        if (first === undefined) this.fail(item.pos, 'missing value for command');
        if (first.kind === 'ident' && (first.text === 'end' || first.text === 'else')) {
          if (inside === undefined) this.fail(first.pos, `unexpected {{${first.text}}}`);
          if (tokens.length > 1) this.fail(first.pos, `unexpected ${tokens[1]?.text} in ${first.text}`);
          return { nodes, end: first.text };
        }
        if (first.kind === 'ident' && (first.text === 'if' || first.text === 'with' || first.text === 'range')) {
          if (tokens.length === 1) this.fail(first.pos, `missing value for ${first.text}`);
          const pipe = this.pipe(tokens.slice(1));
          const body = block(first.text);
          let otherwise: Node[] = [];
          if (body.end === 'else') {
            const rest = block(first.text);
            if (rest.end !== 'end') this.fail(item.pos, `unexpected EOF`);
            otherwise = rest.nodes;
          } else if (body.end !== 'end') this.fail(item.pos, 'unexpected EOF');
          nodes.push({ kind: first.text, pipe, pos: first.pos, body: body.nodes, otherwise });
          continue;
        }
        nodes.push({ kind: 'action', pipe: this.pipe(tokens), pos: first.pos });
      }
      if (inside !== undefined) this.fail(this.source.length, 'unexpected EOF');
      return { nodes, end: undefined };
    };
    this.nodes.push(...block(undefined).nodes);
    return this.nodes;
  }

  private pipe(tokens: Token[]): Pipe {
    const commands: Cmd[] = [];
    let current: Token[] = [];
    let depth = 0;
    for (const t of tokens) {
      if (t.kind === 'lparen') depth++;
      if (t.kind === 'rparen') depth--;
      if (depth < 0) this.fail(t.pos, 'unexpected right paren');
      if (t.kind === 'pipe' && depth === 0) {
        if (current.length === 0) this.fail(t.pos, 'missing command');
        commands.push(this.command(current));
        current = [];
      } else current.push(t);
    }
    if (depth !== 0) this.fail(tokens.at(-1)?.pos ?? 0, 'unclosed left paren');
    if (current.length === 0) this.fail(tokens.at(-1)?.pos ?? 0, 'missing command');
    commands.push(this.command(current));
    return { commands };
  }

  private command(tokens: Token[]): Cmd {
    const args: Arg[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i] as Token;
      switch (t.kind) {
        case 'dot':
          args.push({ kind: 'dot' });
          break;
        case 'field':
          args.push({ kind: 'field', path: t.text.slice(1).split('.'), pos: t.pos, text: t.text, receiver: 'dot' });
          break;
        case 'string':
          args.push({ kind: 'string', value: t.text });
          break;
        case 'number':
          args.push({ kind: 'number', value: Number(t.text) });
          break;
        case 'ident':
          if (t.text === 'true' || t.text === 'false') args.push({ kind: 'bool', value: t.text === 'true' });
          else if (t.text === 'nil') args.push({ kind: 'string', value: '<no value>' });
          else if (!(t.text in FUNCS)) this.fail(t.pos, `function "${t.text}" not defined`);
          else args.push({ kind: 'func', name: t.text, pos: t.pos });
          break;
        case 'lparen': {
          let depth = 1;
          let j = i + 1;
          while (j < tokens.length && depth > 0) {
            const tk = (tokens[j] as Token).kind;
            if (tk === 'lparen') depth++;
            if (tk === 'rparen') depth--;
            j++;
          }
          args.push({ kind: 'sub', pipe: this.pipe(tokens.slice(i + 1, j - 1)) });
          i = j - 1;
          break;
        }
        default:
          this.fail(t.pos, `unexpected "${t.text}" in operand`);
      }
    }
    if (args.length > 1 && args[0]?.kind !== 'func') this.fail(tokens[1]?.pos ?? 0, `can't give argument to non-function ${tokens[0]?.text}`);
    return args;
  }
}

// ---- execution ----

export interface ExecuteOptions {
  /** Header mode: every field chain evaluates to this (the name of its last field). */
  header?: (field: string) => string;
}

export class Template {
  private readonly nodes: Node[];

  /** `name` appears in errors as Go's template name does (`template: images:1:2: ...`). */
  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.nodes = new Parser(name, source).parse();
  }

  /** Renders the template with `data` as dot. */
  execute(data: unknown, opts: ExecuteOptions = {}): string {
    const out: string[] = [];
    this.run(this.nodes, data, opts, out);
    return out.join('');
  }

  private run(nodes: Node[], dot: unknown, opts: ExecuteOptions, out: string[]): void {
    for (const node of nodes) {
      switch (node.kind) {
        case 'text':
          out.push(node.text);
          break;
        case 'action':
          out.push(printValue(this.pipe(node.pipe, dot, opts)));
          break;
        case 'if': {
          const v = this.pipe(node.pipe, dot, opts);
          this.run(truthy(v) ? node.body : node.otherwise, dot, opts, out);
          break;
        }
        case 'with': {
          const v = this.pipe(node.pipe, dot, opts);
          if (truthy(v)) this.run(node.body, v, opts, out);
          else this.run(node.otherwise, dot, opts, out);
          break;
        }
        case 'range': {
          const v = this.pipe(node.pipe, dot, opts);
          let items: unknown[];
          if (Array.isArray(v)) items = v;
          else if (v && typeof v === 'object' && maps.has(v))
            items = Object.keys(v)
              .sort()
              .map((k) => (v as Record<string, unknown>)[k]);
          else if (v === undefined || v === null || opts.header) items = [];
          else throw new TemplateError(`${location(this.name, this.source, node.pos)}: range can't iterate over ${printValue(v)}`);
          if (items.length === 0) this.run(node.otherwise, dot, opts, out);
          for (const item of items) this.run(node.body, item, opts, out);
          break;
        }
      }
    }
  }

  private pipe(pipe: Pipe, dot: unknown, opts: ExecuteOptions): unknown {
    let value: unknown;
    let first = true;
    for (const cmd of pipe.commands) {
      value = this.command(cmd, dot, opts, first ? undefined : { value });
      first = false;
    }
    return value;
  }

  private command(cmd: Cmd, dot: unknown, opts: ExecuteOptions, piped: { value: unknown } | undefined): unknown {
    const head = cmd[0] as Arg;
    if (head.kind === 'func') {
      const args = cmd.slice(1).map((a) => this.arg(a, dot, opts));
      if (piped) args.push(piped.value);
      const fn = FUNCS[head.name] as Func;
      if (args.length === 0 && head.name !== 'print' && head.name !== 'println')
        throw new TemplateError(`${location(this.name, this.source, head.pos)}: executing "${this.name}" at <${head.name}>: wrong number of args for ${head.name}: want 1 got 0`);
      return fn(...args);
    }
    if (piped) throw new TemplateError(`${location(this.name, this.source, 0)}: can't give argument to non-function`);
    return this.arg(head, dot, opts);
  }

  private arg(arg: Arg, dot: unknown, opts: ExecuteOptions): unknown {
    switch (arg.kind) {
      case 'dot':
        return dot;
      case 'string':
      case 'number':
      case 'bool':
        return arg.value;
      case 'sub':
        return this.pipe(arg.pipe, dot, opts);
      case 'func':
        return (FUNCS[arg.name] as Func)();
      case 'field': {
        if (opts.header) return opts.header(arg.path.at(-1) as string);
        let v: unknown = dot;
        for (const name of arg.path) {
          if (v === undefined || v === null) {
            throw new TemplateError(`${location(this.name, this.source, arg.pos)}: executing "${this.name}" at <${arg.text}>: nil pointer evaluating interface {}.${name}`);
          }
          if (typeof v !== 'object' || Array.isArray(v)) {
            throw new TemplateError(`${location(this.name, this.source, arg.pos)}: executing "${this.name}" at <${arg.text}>: can't evaluate field ${name} in type ${goType(v)}`);
          }
          if (maps.has(v)) {
            v = (v as Record<string, unknown>)[name];
            continue;
          }
          if (!Object.prototype.hasOwnProperty.call(v, name)) {
            throw new TemplateError(`${location(this.name, this.source, arg.pos)}: executing "${this.name}" at <${arg.text}>: can't evaluate field ${name} in type ${goType(v, this.name)}`);
          }
          v = (v as Record<string, unknown>)[name];
        }
        return v;
      }
    }
  }
}

function goType(v: unknown, struct = 'struct'): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return struct;
}

/** Is `format` the JSON shorthand (podman: `json`, any case, or `{{json .}}`)? */
export function isJsonFormat(format: string): boolean {
  return /^\s*(json|\{\{\s*json\s*\.?\s*\}\})\s*$/i.test(format);
}
