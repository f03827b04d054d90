/**
 * The commands dist/fast.cjs runs without loading clipanion (src/fast.ts), by
 * their file under commands/: the fast path's one list. The build marks them
 * in the manifest (`fast`), bin/burrow.cjs sends their lines to the fast
 * bundle, and src/fast.ts must have a way to run each one (its type says so).
 */
export const FAST_COMMANDS = ['exec', 'logs', 'ps', 'pull', 'run', 'start'] as const;

export type FastCommand = (typeof FAST_COMMANDS)[number];
