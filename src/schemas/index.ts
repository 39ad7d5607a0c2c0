import type { TSchema } from 'typebox'
import { ErrorSchema, OAuthErrorSchema } from './common.js'
import { SHARED_SCHEMAS } from './failover.js'
import { TrackingMessageSchema, TrackingPageSchema, TrackingSchema } from './tracking.js'
import { TemplateSchema } from './templates.js'
import { ClockSchema } from './sandbox.js'
import { LEVER_SCHEMAS } from './levers.js'

/** Schemas referenced by $id from routes: registered once with Fastify (OpenAPI components) and with Ajv. */
export const REFERENCED_SCHEMAS: TSchema[] = [
  ErrorSchema, OAuthErrorSchema, ...SHARED_SCHEMAS, TrackingMessageSchema, TrackingSchema, TrackingPageSchema, TemplateSchema, ClockSchema, ...LEVER_SCHEMAS
]
