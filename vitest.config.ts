import { availableParallelism } from 'node:os';
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
    // Vitest's default is one worker fewer than the cores: one worker on the 2-core CI machine, and the suite then
    // ran serially for 25 minutes. Most of its time is waiting (processes starting, Docker, CronJobs at the next
    // minute), not computing: two workers took the suite from 1,526 to 925 s on the same slow machine, all passing.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
