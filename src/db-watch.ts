import { ApiError, ERRORS } from './errors.js'
import type { App } from './app.js'

// how often a quiet server looks at its database file (requests look at it too)
const CHECK_EVERY_MS = 2_000
// a read (GET, HEAD) may go by a look this recent: one stat per request was 6% of a tracking GET
// (issue 15); so may a send, whose group commit looks once more before it commits (one stat per
// send was 3% of its CPU); any other write looks now, so none answers 200 into a file that is gone
const READ_REUSE_MS = 100

/**
 * Issue 11, point 4: a database file deleted or replaced under the running server. SQLite keeps
 * writing to the unlinked file, so every answer would be a 200 for data lost at the next start.
 * The file's identity (device + inode) is checked on a timer, on each request (a read or a send may
 * reuse a look under 100 ms old) and before each group commit of sends: once it
 * changes, the problem is logged once, /_sandbox/health answers 503 with it, and every other
 * request gets DATABASE_GONE (503).
 */
export function watchDatabase (app: App): void {
  let logged = false
  let lastAt = -Infinity
  let last: string | undefined
  const check = (): string | undefined => {
    const problem = app.store.fileProblem()
    lastAt = performance.now()
    last = problem
    if (problem !== undefined && !logged) {
      logged = true
      app.log.error({ db: app.config.SANDBOX_DB }, problem)
    }
    return problem
  }
  const gone = (problem: string): ApiError => new ApiError(ERRORS.DATABASE_GONE, `${ERRORS.DATABASE_GONE.message} (${problem})`)
  app.store.beforeGroup = () => {
    const problem = check()
    return problem === undefined ? undefined : () => gone(problem)
  }
  const timer = setInterval(check, CHECK_EVERY_MS)
  timer.unref()
  app.addHook('onClose', async () => clearInterval(timer))
  // callback-style: no promise per request on the hot path
  app.addHook('onRequest', (request, _reply, done) => {
    // the health route reports the problem itself, as its 503
    if (request.url === '/_sandbox/health' || request.url.startsWith('/_sandbox/health?')) return done()
    const reuse = request.method === 'GET' || request.method === 'HEAD' || request.routeOptions.config?.groupCommit === true
    const problem = reuse && performance.now() - lastAt < READ_REUSE_MS ? last : check()
    done(problem === undefined ? undefined : gone(problem))
  })
}
