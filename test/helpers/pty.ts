/**
 * Drives burrow from a real terminal: test/fixtures/pty-driver.py opens a pty
 * with a window size, starts burrow on it as a terminal emulator would, and
 * follows a script of expect / send / resize steps.
 */
import { fileURLToPath } from 'node:url';

import { execa } from 'execa';

import { fixtures } from './fixtures.js';
import { BURROW } from './run-cli.js';

const DRIVER = fileURLToPath(new URL('../fixtures/pty-driver.py', import.meta.url));

export type PtyStep =
  | { expect: string }
  | { send: string }
  | { resize: [number, number] }
  | { termios: string }
  | { sleep: number };

export interface TerminalMode {
  icanon?: boolean;
  echo?: boolean;
  isig?: boolean;
  error?: string;
}

export interface PtyResult {
  output: string;
  exitCode: number | null;
  signal: number | null;
  /** the terminal's mode at each `termios` step, and at the end */
  modes: Record<string, TerminalMode>;
  /** a step that timed out */
  error: string | null;
}

/** Runs `burrow ARGS` on a new pty of ROWSxCOLS (in `env`, when given, instead of the test's). */
export async function runOnPty(args: string[], steps: PtyStep[], size: [number, number] = [33, 101], timeout = 15, env?: NodeJS.ProcessEnv): Promise<PtyResult> {
  const python3 = fixtures().python3;
  if (python3 === undefined) throw new Error('python3 is missing: call requireFeature(ctx, "python3") first');
  const spec = { argv: [process.execPath, BURROW, ...args], rows: size[0], cols: size[1], steps, timeout };
  const r = await execa(python3, [DRIVER, JSON.stringify(spec)], { reject: false, timeout: (timeout + 10) * 1000, ...(env ? { env, extendEnv: false } : {}) });
  if (r.exitCode !== 0) throw new Error(`pty-driver failed (${r.exitCode}): ${r.stderr}`);
  const result = JSON.parse(r.stdout) as PtyResult;
  // burrow's stderr shares the terminal: leave out the warning a host without subordinate ids causes.
  if (fixtures().missing.subids !== undefined) result.output = result.output.replace(/^Warning: no subordinate ids[^\n]*\n/m, '');
  return result;
}
