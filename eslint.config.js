import neostandard from 'neostandard'
import globals from 'globals'

/*
 * neostandard (standard style, TypeScript-aware), with these decisions:
 * - `void promise` is allowed as a statement: Fastify's `void reply.send()` idiom marks a promise
 *   deliberately not awaited; as an expression it stays an error.
 * - no-unmodified-loop-condition is off: tests and the bench poll variables that callbacks change
 *   between awaits (`while (posts < n) await …`), which the rule cannot see.
 * - src/ui/*.js run in the browser (the dashboard, no build step): browser globals there.
 */
export default [
  ...neostandard({
    ts: true,
    ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'openapi/**', '.tap/**']
  }),
  {
    rules: {
      'no-void': ['error', { allowAsStatement: true }],
      'no-unmodified-loop-condition': 'off'
    }
  },
  {
    files: ['src/ui/**/*.js'],
    languageOptions: { globals: { ...globals.browser } }
  }
]
