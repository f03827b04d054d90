/**
 * The short-name prompt: which registry a short name means, asked on the
 * terminal as podman asks it (containers/image's pkg/shortnames with
 * promptui), when registries.conf gives several and no alias.
 */
import { BurrowError } from '../errors.js';
import { builtin } from '../lazy.js';

/**
 * A choice on the terminal, as podman's short-name prompt (promptui's
 * Select): the items under the question, the current one marked `▸`, moved
 * with the arrow keys (or j/k), taken with Enter; Ctrl-C or Ctrl-D cancels.
 * Drawn on standard error; returns the index chosen.
 */
export async function choose(question: string, items: string[], what: string): Promise<number> {
  const { isatty, ReadStream } = builtin<typeof import('node:tty')>('node:tty');
  if (!isatty(0)) throw new BurrowError('E_USAGE', `${what}: standard input is not a terminal`);
  const out = process.stderr;
  let current = 0;
  const draw = (first: boolean) => {
    let frame = first ? '' : `\x1b[${items.length + 1}F`;
    frame += `\x1b[2K? ${question}: \n`;
    items.forEach((item, i) => (frame += `\x1b[2K  ${i === current ? '▸' : ' '} ${item}\n`));
    out.write(frame);
  };
  // Raw before the menu shows: a key pressed as soon as it is seen is a key, not a signal.
  const input = new ReadStream(0);
  input.setRawMode(true);
  draw(true);
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.removeAllListeners('data');
      // Not closed (fd 0 is the container's stdin still), but no longer keeping burrow alive.
      input.unref();
      // The menu gives way to the choice, as promptui leaves it.
      out.write(`\x1b[${items.length + 1}F\x1b[J`);
      if (err) return reject(err);
      out.write(`✔ ${items[current]}\n`);
      resolve(current);
    };
    input.on('data', (chunk: Buffer) => {
      const keys = chunk.toString('latin1');
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        if (k === '\r' || k === '\n') return done();
        if (k === '\u0003' || k === '\u0004') return done(new BurrowError('E_USAGE', `${what}: cancelled`));
        let step = 0;
        if (k === '\x1b' && keys[i + 1] === '[' && (keys[i + 2] === 'A' || keys[i + 2] === 'B')) {
          step = keys[i + 2] === 'A' ? -1 : 1;
          i += 2;
        } else if (k === 'k') step = -1;
        else if (k === 'j') step = 1;
        if (step !== 0) {
          current = Math.min(items.length - 1, Math.max(0, current + step));
          draw(false);
        }
      }
    });
  });
}
