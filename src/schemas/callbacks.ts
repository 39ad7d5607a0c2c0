import { Type, type Static } from 'typebox'

/** A callback as GET /_sandbox/callbacks shows it: every attempt, and the next one (sandbox.md "Seeing what happened"). */
export const CallbackViewSchema = Type.Object({
  id: Type.String(),
  trackingId: Type.String(),
  kind: Type.Union([Type.Literal('change'), Type.Literal('completion'), Type.Literal('inbound')]),
  url: Type.String(),
  state: Type.Union([Type.Literal('waiting'), Type.Literal('pending'), Type.Literal('delivering'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Array(Type.Object({
    attempt: Type.Integer(),
    at: Type.String({ format: 'date-time', description: 'sandbox time' }),
    realAt: Type.String({ format: 'date-time', description: 'wall-clock time' }),
    status: Type.Union([Type.Integer(), Type.Null()], { description: 'HTTP status, or null when no answer came' }),
    error: Type.Union([Type.String(), Type.Null()]),
    latencyMs: Type.Integer()
  })),
  nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  body: Type.Unknown({ description: 'what was (or will be) POSTed' })
}, { $id: 'CallbackView' })
export type CallbackView = Static<typeof CallbackViewSchema>
