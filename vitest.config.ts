import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/setup/global.ts'],
    // clipanion's ES build imports a folder, which Node refuses: let vite bundle it.
    server: { deps: { inline: ['clipanion'] } },
  },
});
