// Unit tests: pure modules (pipeline math, refine, queue with fake-indexeddb) in Node.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    // Worker threads sharing their module cache: 9 s instead of 21 s on two cores (most of it was
    // starting a fresh process and module graph per file). Every file sets up its own state
    // (fake-indexeddb, queues, stores); shuffled orders (--sequence.shuffle) pass alike.
    pool: 'threads',
    isolate: false,
  },
});
