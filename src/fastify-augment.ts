import type { Principal } from './auth.js'
import type { Config } from './config.js'
import type { Engine } from './engine/index.js'
import type { Seed } from './schemas/seed.js'
import type { Store } from './store/index.js'

/*
 * What buildApp (src/app.ts) decorates Fastify with, in one place: route plugins see these on the
 * instance they are given, without importing app.ts (no type-only import cycles).
 */
declare module 'fastify' {
  interface FastifyInstance {
    engine: Engine
    store: Store
    config: Config
    seed: Seed
  }
  interface FastifyContextConfig {
    /** the route's write waits for the store's group commit (Store.grouped): the sends */
    groupCommit?: boolean
    /** a control route that takes any body (a receiver), exempt from the JSON-only rule of /_sandbox */
    anyBody?: boolean
  }
  interface FastifyRequest {
    /** the bearer token's account and scopes, set by requireToken (src/auth.ts) */
    principal: Principal | null
  }
}
