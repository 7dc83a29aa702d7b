import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // real bundler builds and a browser: keep files in separate workers, two at a time (2 cores)
    maxWorkers: 2,
  },
})
