/**
 * The lint rule that keeps src/'s layers going down (eslint.config.mjs):
 * eslint itself, with the project's config, on source text placed in the
 * folders of src/.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../../..', import.meta.url).pathname });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('the layering lint rule', () => {
  it.each([
    ['src/storage/fixture.ts', "import { flock } from '../system/libc.js';\nflock;\n"],
    ['src/runtime/fixture.ts', "import { execPlan } from '../system/launch.js';\nexecPlan;\n"],
    ['src/image/fixture.ts', "import { startInUserns } from '../system/userns.js';\nstartInUserns;\n"],
    ['src/cli/commands/fixture.ts', "import { removeTrees } from '../../system/userns.js';\nremoveTrees;\n"],
    ['src/layers/fixture.ts', "import { openBeneath } from '../system/libc.js';\nopenBeneath;\n"],
    ['src/runtime/fixture.ts', "import { hostIdMapping, isMapped } from '../system/idmap.js';\nhostIdMapping; isMapped;\n"],
  ])('fails %s calling the system around its Sys: %j', async (file, code) => {
    const messages = await restrictedImports(file, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/go through a Sys/);
  });

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
    const messages = await restrictedImports(file, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/Upward import/);
  });

  it.each([
    ['src/cli/commands/image/fixture.ts', "import { Store } from '../../../storage/store.js';\nStore;\n"],
    ['src/format/fixture.ts', "import { Containers } from '../storage/containers.js';\nContainers;\n"],
    ['src/runtime/fixture.ts', "import { Ingest } from '../image/ingest.js';\nIngest;\n"],
    ['src/storage/fixture.ts', "import { writeAll } from '../system/files.js';\nimport { hex } from '../oci/digest.js';\nwriteAll; hex;\n"],
    ['src/system/fixture.ts', "import { DEFAULT_PATH } from '../config/defaults.js';\nimport { BurrowError } from '../errors.js';\nDEFAULT_PATH; BurrowError;\n"],
    ['src/storage/fixture.ts', "export async function f() {\n  return import('../system/files.js');\n}\n"],
    ['src/layers/fixture.ts', "import { S_IFIFO } from '../system/libc.js';\nimport type { LibcCalls } from '../system/sys.js';\nexport const x: [number, LibcCalls | undefined] = [S_IFIFO, undefined];\n"],
    ['src/runtime/fixture.ts', "import { usernsPlan, type UsernsProcess } from '../system/userns.js';\nexport const x: [unknown, UsernsProcess | undefined] = [usernsPlan, undefined];\n"],
    ['src/system/fixture.ts', "import { flock } from './libc.js';\nimport { execPlan } from './launch.js';\nflock; execPlan;\n"],
    ['src/main.ts', "import { Store } from './storage/store.js';\nStore;\n"],
  ])('lets %s import downward: %j', async (file, code) => {
    expect(await restrictedImports(file, code)).toEqual([]);
  });
});
