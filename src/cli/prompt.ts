/**
 * Questions on the terminal (`login` without -u or -p): a line read from
 * standard input, without echo for a password.
 */
import { readSync } from 'node:fs';

import { BurrowError } from '../errors.js';
import { builtin } from '../lazy.js';

export async function ask(question: string, opts: { secret: boolean }): Promise<string> {
  const { isatty, ReadStream } = builtin<typeof import('node:tty')>('node:tty');
  if (!isatty(0)) throw new BurrowError('E_USAGE', `${question.replace(/:\s*$/, '').toLowerCase()}: standard input is not a terminal`);
  process.stderr.write(question);
  const input = new ReadStream(0);
  input.setRawMode(true);
  return new Promise((resolve, reject) => {
    let line = '';
    const done = (err?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.removeAllListeners('data');
      input.unref(); // burrow may end now (a cancelled question) without fd 0 being closed
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(line);
    };
    input.on('data', (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new BurrowError('E_USAGE', `${question.replace(/:\s*$/, '').toLowerCase()}: cancelled`));
        if (ch === '\u007f' || ch === '\b') {
          if (line.length > 0 && !opts.secret) process.stderr.write('\b \b');
          line = [...line].slice(0, -1).join('');
        } else {
          line += ch;
          if (!opts.secret) process.stderr.write(ch);
        }
      }
    });
  });
}


/**
 * podman's `[y/N]` question before a prune or reset: printed on stdout, the
 * answer one line of standard input (a terminal or not; its end is a no).
 * True for y or yes, in any case.
 */
export function confirm(out: NodeJS.WritableStream, warning: string): boolean {
  out.write(`${warning}\nAre you sure you want to continue? [y/N] `);
  const byte = Buffer.alloc(1);
  let line = '';
  for (;;) {
    let n: number;
    try {
      n = readSync(0, byte, 0, 1, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      n = 0;
    }
    if (n === 0 || byte[0] === 0x0a) break;
    line += String.fromCharCode(byte[0] as number);
  }
  return /^\s*y(es)?\s*$/i.test(line);
}
