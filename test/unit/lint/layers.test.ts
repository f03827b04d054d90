/**
 * The lint rule that keeps src/'s layers going down (eslint.config.mjs):
 * eslint itself, with the project's config, on source text placed in the
 * folders of src/.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../../..', import.meta.url).pathname });

async function upwardImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('the layering lint rule', () => {
  it.each([
    ['src/storage/fixture.ts', "import { runContainer } from '../runtime/container.js';\nrunContainer;\n"],
    ['src/storage/fixture.ts', "import type { Ingest } from '../image/ingest.js';\nexport type X = Ingest;\n"],
    ['src/system/fixture.ts', "export { Store } from '../storage/store.js';\n"],
    ['src/layers/fixture.ts', "import { COMMANDS } from '../cli/registry.js';\nCOMMANDS;\n"],
    ['src/image/fixture.ts', "import { imageRows } from '../format/image-view.js';\nimageRows;\n"],
    ['src/runtime/fixture.ts', "import { main } from '../main.js';\nmain;\n"],
    ['src/config/fixture.ts', "import { Store } from '../storage/store.js';\nStore;\n"],
    ['src/oci/fixture.ts', "import { writeAll } from '../system/files.js';\nwriteAll;\n"],
    ['src/storage/fixture.ts', "export async function f() {\n  return import('../runtime/container.js');\n}\n"],
    ['src/storage/deeper/fixture.ts', "import { Ingest } from '../../image/ingest.js';\nIngest;\n"],
  ])('fails %s importing upward: %j', async (file, code) => {
    const messages = await upwardImports(file, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/Upward import/);
  });

  it.each([
    ['src/cli/commands/image/fixture.ts', "import { Store } from '../../../storage/store.js';\nStore;\n"],
    ['src/format/fixture.ts', "import { Containers } from '../storage/containers.js';\nContainers;\n"],
    ['src/runtime/fixture.ts', "import { Ingest } from '../image/ingest.js';\nIngest;\n"],
    ['src/storage/fixture.ts', "import { writeAll } from '../system/files.js';\nimport { hex } from '../oci/digest.js';\nwriteAll; hex;\n"],
    ['src/system/fixture.ts', "import { DEFAULT_PATH } from '../config/defaults.js';\nimport { BurrowError } from '../errors.js';\nDEFAULT_PATH; BurrowError;\n"],
    ['src/storage/fixture.ts', "export async function f() {\n  return import('../system/libc.js');\n}\n"],
    ['src/main.ts', "import { Store } from './storage/store.js';\nStore;\n"],
  ])('lets %s import downward: %j', async (file, code) => {
    expect(await upwardImports(file, code)).toEqual([]);
  });
});
