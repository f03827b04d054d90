import { defineConfig } from 'vitest/config';

/*
 * Three projects: the unit tests need nothing built (no helper, no fixtures:
 * the system is the fake of test/helpers/fake-sys.ts where one is needed);
 * the integration tests run the real burrow and helper on fixtures that
 * test/setup/global.ts builds once per run; nosubids is integration tests
 * for a user with no subordinate ids (they skip for one who has them:
 * `npm test` as root runs them as such a user of its own).
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
      { test: { ...shared, name: 'nosubids', include: ['test/nosubids/**/*.test.ts'], globalSetup: ['test/setup/global.ts'] } },
    ],
  },
});
