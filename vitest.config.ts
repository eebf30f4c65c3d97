import { defineConfig } from 'vitest/config';

// One runner for every workspace. Packages resolve each other's source through the
// "@skiff/source" export condition, so tests need no build; process-level tests spawn dist/.
export default defineConfig({
  resolve: { conditions: ['@skiff/source'] },
  ssr: { resolve: { conditions: ['@skiff/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'bench/**/*.test.mjs'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.case.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
