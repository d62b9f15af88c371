import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing running; `cluster` (files named *.cluster.test.ts)
// gets one local kube-apiserver + registry per run from the testkit's global setup.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'bootstrap/test/**/*.test.ts'],
          exclude: ['**/*.cluster.test.ts', '**/node_modules/**'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'cluster',
          include: [
            'packages/*/test/**/*.cluster.test.ts',
            'test/**/*.cluster.test.ts',
            'bootstrap/test/**/*.cluster.test.ts',
          ],
          globalSetup: ['packages/testkit/src/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
