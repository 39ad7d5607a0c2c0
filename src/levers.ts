import type { App } from './app.js'
import { Journal, registerJournal } from './journal.js'
import { Faults, registerFaults } from './faults.js'

declare module 'fastify' {
  interface FastifyInstance {
    journal: Journal
    faults: Faults
  }
}

/** The request journal and fault injection (sandbox.md "Test levers"): their hooks, in the order they must run. */
export function registerLevers (app: App): void {
  const journal = new Journal(app.store, app.engine.time, {
    maxRows: app.config.SANDBOX_JOURNAL_MAX_ROWS,
    retentionHours: app.config.SANDBOX_JOURNAL_RETENTION_HOURS,
    maxBodyBytes: app.config.SANDBOX_JOURNAL_MAX_BODY_BYTES
  })
  const faults = new Faults(app.config.SANDBOX_FAULT_SEED)
  app.decorate('journal', journal)
  app.decorate('faults', faults)
  // journal onRequest → faults (onRequest, onSend) → journal onSend/onResponse: the journal sees the answer the client got
  registerJournal(app, journal, () => registerFaults(app, faults, journal))
}
