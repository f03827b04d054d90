import { defineConfig } from 'vitest/config';

/*
 * Two projects: the unit tests need nothing built (no helper, no fixtures:
 * the system is the fake of test/helpers/fake-sys.ts where one is needed);
 * the integration tests run the real burrow and helper on fixtures that
 * test/setup/global.ts builds once per run.
 */
const shared = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
  // clipanion's ES build imports a folder, which Node refuses: let vite bundle it.
  server: { deps: { inline: ['clipanion'] } },
};

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { ...shared, name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: ['test/setup/global.ts'] } },
    ],
  },
});
