import type * as constants from '../src/system/plan-constants.js';

/** The text of build/plan-constants.h for the constants of src/system/plan-constants.ts. */
export function planConstantsHeader(c: typeof constants): string;
