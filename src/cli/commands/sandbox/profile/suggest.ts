import { readFileSync } from 'node:fs';

import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, describeError } from '../../../../errors.js';
import { type AuditEntry, suggest } from '../../../../sandbox/audit.js';
import { BurrowCommand } from '../../../base.js';

export class SandboxProfileSuggestCommand extends BurrowCommand {
  static override paths = [['sandbox', 'profile', 'suggest']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'suggest profile lines from an audit log',
    details: `
      Reads the log \`burrow sandbox --audit FILE\` wrote (one JSON object a line: what the sandboxed program tried and the sandbox refused for want of a path) and prints the [filesystem] lines of a profile that would give it: the paths it looked for that the host has, read-only; where a write met a read-only mount, read-write (the file, or the directory a new one was to be made in). Three or more paths in one directory become the directory. Review them before use: they grant what the program asked for, nothing checks that it should have it.
    `,
    examples: [
      ['Learn what a tool needs', '$0 sandbox --profile cli-offline --audit tool.log -- ./tool'],
      ['Then the lines that would give it that', '$0 sandbox profile suggest tool.log'],
    ],
  });

  file = Option.String({ name: 'FILE' });

  async execute(): Promise<number> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      throw new BurrowError('E_AUDIT', `audit log \`${this.file}\`: ${describeError(err)}`);
    }
    const entries: AuditEntry[] = [];
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let e: unknown;
      try {
        e = JSON.parse(line);
      } catch {
        throw new BurrowError('E_AUDIT', `audit log \`${this.file}\`: line ${i + 1}: not JSON`);
      }
      const o = e as Partial<AuditEntry>;
      if (typeof o.op !== 'string' || typeof o.path !== 'string' || (o.refused !== 'missing' && o.refused !== 'read-only') || typeof o.host !== 'boolean')
        throw new BurrowError('E_AUDIT', `audit log \`${this.file}\`: line ${i + 1}: not an audit record (op, path, refused, host)`);
      entries.push(o as AuditEntry);
    });
    const { readOnly, readWrite } = suggest(entries);
    const list = (paths: string[]): string => `[${paths.map((p) => JSON.stringify(p)).join(', ')}]`;
    this.context.stdout.write(`# from ${this.file}: ${entries.length} refusal${entries.length === 1 ? '' : 's'}\n[filesystem]\n`);
    if (readOnly.length > 0) this.context.stdout.write(`read-only = ${list(readOnly)}\n`);
    if (readWrite.length > 0) this.context.stdout.write(`read-write = ${list(readWrite)}\n`);
    return 0;
  }
}
