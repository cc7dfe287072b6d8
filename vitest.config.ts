import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: the end-to-end suites run real ffmpeg processes and sockets; keep parallelism modest.
    maxWorkers: 2,
    pool: 'forks',
  },
});
