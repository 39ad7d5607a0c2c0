import { defineConfig } from 'vitest/config'

// run: npx vitest run --root examples/vitest
export default defineConfig({
  test: {
    include: ['**/*.spec.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000
  }
})
