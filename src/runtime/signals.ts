/**
 * Signals by name or number, as podman reads them (`kill -s`, StopSignal,
 * `--stop-signal`): `TERM`, `SIGTERM`, `sigterm`, `15`, and the real-time
 * ones as `RTMIN`, `RTMIN+3`, `RTMAX-1` (34 to 64, glibc's numbering).
 */
import { constants as osConstants } from 'node:os';

import { BurrowError } from '../errors.js';

const RTMIN = 34;
const RTMAX = 64;

export interface Signal {
  /** SIGTERM, SIGRTMIN+3 */
  name: string;
  number: number;
}

/** The name of signal `n` (SIGRTMIN+N for the real-time ones), or undefined for no signal. */
export function signalName(n: number): string | undefined {
  if (n >= RTMIN && n <= RTMAX) return n === RTMIN ? 'SIGRTMIN' : n === RTMAX ? 'SIGRTMAX' : `SIGRTMIN+${n - RTMIN}`;
  const signals = osConstants.signals as Record<string, number>;
  // The usual name where several share a number (SIGIOT and SIGABRT, SIGPOLL and SIGIO).
  const preferred = ['SIGABRT', 'SIGIO', 'SIGSYS'].find((name) => signals[name] === n);
  return preferred ?? Object.keys(signals).find((name) => signals[name] === n);
}

/** `text` as a signal; `what` names it in the error (`--signal`, "the image's StopSignal"). */
export function parseSignal(text: string, what: string): Signal {
  const given = text.trim().toUpperCase();
  const bad = () => new BurrowError('E_SIGNAL', `${what} \`${text}\` is not a signal: give a name (TERM, SIGKILL, RTMIN+1) or a number from 1 to 64`);
  if (/^\d+$/.test(given)) {
    const n = Number(given);
    const name = n >= 1 && n <= RTMAX ? signalName(n) : undefined;
    if (!name) throw bad();
    return { name, number: n };
  }
  const bare = given.startsWith('SIG') ? given.slice(3) : given;
  const rt = /^RT(MIN|MAX)(?:([+-])(\d+))?$/.exec(bare);
  if (rt) {
    const base = rt[1] === 'MIN' ? RTMIN : RTMAX;
    const n = base + (rt[2] === '-' ? -1 : 1) * Number(rt[3] ?? 0);
    if (n < RTMIN || n > RTMAX) throw bad();
    return { name: signalName(n) as string, number: n };
  }
  const n = (osConstants.signals as Record<string, number>)[`SIG${bare}`];
  if (n === undefined) throw bad();
  return { name: `SIG${bare}`, number: n };
}
