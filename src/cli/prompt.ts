/**
 * Questions on the terminal (`login` without -u or -p): a line read from
 * standard input, without echo for a password.
 */
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

