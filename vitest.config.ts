import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['server/src/**/*.test.ts', 'sdk-ts/src/**/*.test.ts', 'tests/**/*.test.ts'],
    globals: false,
    // Integration tests start real broker processes; a slow CI machine needs room.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: process.env.QTASKS_TEST_REPORT ? ['default', ['json', { outputFile: process.env.QTASKS_TEST_REPORT }]] : ['default'],
  },
});
