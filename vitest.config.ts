// Unit tests: pure modules (pipeline math, refine, queue with fake-indexeddb) in Node.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
