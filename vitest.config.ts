import { defineConfig } from 'vitest/config';

// Three projects, run one after another by scripts/test:
//  unit         pure and fast (`*.test.ts` outside e2e/), no root, no network
//  integration  real sshd, kernel BPF, Secret Service (`*.int.test.ts`), one file at a time
//  e2e          Chromium driven by playwright-core (`e2e/**/*.e2e.test.ts`)
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{core,electron,agent-remote,renderer,scripts,test}/**/*.test.{ts,tsx}'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          environment: 'node',
          // Timeouts catch hangs, not slowness: some unit tests build 200k-node trees or spawn
          // node, and take seconds on a loaded 2-CPU machine (speed targets live in bench/).
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts'],
          exclude: ['**/node_modules/**', 'e2e/**'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
