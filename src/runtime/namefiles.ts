/** A container's name files (network/setup.ts made their contents) written where the plan binds them from. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { NameFile } from './compile.js';

/** Writes each file into `dir` (replacing the last start's) and sets its source; a shared one (its source set) is left alone. */
export function writeNameFiles(dir: string, files: NameFile[]): void {
  for (const f of files) {
    if (f.source !== undefined) continue; // another container's (shared), as it is
    const source = join(dir, f.name);
    writeFileSync(source, f.content, { mode: 0o644 });
    f.source = source;
  }
}
