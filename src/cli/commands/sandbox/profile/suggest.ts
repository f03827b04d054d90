import { readFileSync } from 'node:fs';

import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, describeError } from '../../../../errors.js';
import { type AuditEntry, auditEntry, suggest } from '../../../../sandbox/audit.js';
import { BurrowCommand } from '../../../base.js';

export class SandboxProfileSuggestCommand extends BurrowCommand {
  static override paths = [['sandbox', 'profile', 'suggest']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'suggest profile lines from an audit log',
    details: `
      Reads the log \`burrow sandbox --audit FILE\` wrote (one JSON object a line: what the sandboxed program tried and the sandbox refused, for want of a path or by its Landlock rules) and prints the lines of a profile that would give it. [filesystem]: the paths it looked for that the host has, read-only; where a write met a read-only mount, read-write (the file, or the directory a new one was to be made in). [landlock]: for what Landlock refused, a read-only, read-exec or read-write rule (on the file, or the directory a new one was to be made in), and the TCP ports it was refused to bind or connect to. Three or more paths in one directory become the directory. Review them before use: they grant what the program asked for, nothing checks that it should have it.
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
      const entry = auditEntry(e);
      if (!entry) throw new BurrowError('E_AUDIT', `audit log \`${this.file}\`: line ${i + 1}: not an audit record (op, path, refused, host; or op, port, refused)`);
      entries.push(entry);
    });
    const { readOnly, readWrite, landlock } = suggest(entries);
    const lines = (table: string, keys: [string, (string | number)[]][]): string => {
      const set = keys.filter(([, values]) => values.length > 0);
      return set.length === 0 ? '' : `[${table}]\n${set.map(([key, values]) => `${key} = [${values.map((v) => JSON.stringify(v)).join(', ')}]\n`).join('')}`;
    };
    this.context.stdout.write(
      `# from ${this.file}: ${entries.length} refusal${entries.length === 1 ? '' : 's'}\n` +
        lines('filesystem', [['read-only', readOnly], ['read-write', readWrite]]) +
        lines('landlock', [['read-only', landlock.readOnly], ['read-exec', landlock.readExec], ['read-write', landlock.readWrite], ['bind-tcp', landlock.bindTcp], ['connect-tcp', landlock.connectTcp]]),
    );
    return 0;
  }
}
