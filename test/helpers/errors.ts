/** What a function throws, checked to be an error of burrow's kind (unit tests of parsers and checks). */
import { expect } from 'vitest';

import { BurrowError, UsageError } from '../../src/errors.js';

/** The error `fn` throws, of class `kind` (BurrowError unless given); a test failure when it throws nothing. */
export function caught<T extends BurrowError = BurrowError>(fn: () => unknown, kind: new (...args: never[]) => T = BurrowError as unknown as new (...args: never[]) => T): T {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(kind);
    return err as T;
  }
  throw new Error('did not throw');
}

/** The UsageError `fn` throws. */
export function usageError(fn: () => unknown): UsageError {
  return caught(fn, UsageError);
}
