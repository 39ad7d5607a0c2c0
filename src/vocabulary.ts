import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Type, type Static } from 'typebox'
import { UI_DIR } from './paths.js'

/*
 * The sandbox's words, each defined once: the type, the list a lookup walks and the schema a route
 * declares all come from the same constant here. The lists keep the order the OpenAPI document
 * shows them in.
 */

// provider-api.md §2: a step's `type` (the order the seed page's flows run in)
export const ChannelSchema = Type.Union([Type.Literal('Viber'), Type.Literal('Sms'), Type.Literal('Voice')])
export type Channel = Static<typeof ChannelSchema>
export const CHANNELS: readonly Channel[] = ChannelSchema.anyOf.map((s) => s.const)

// provider-api.md §5: the statuses a flow can be in
export const FlowStatusSchema = Type.Union([Type.Literal('Queued'), Type.Literal('InProgress'), Type.Literal('Succeeded'), Type.Literal('Failed')])
export type FlowStatus = Static<typeof FlowStatusSchema>
export const FLOW_STATUSES: readonly FlowStatus[] = FlowStatusSchema.anyOf.map((s) => s.const)
/** The statuses a flow ends in (provider-api.md §5). */
export const FINAL_FLOW_STATUSES: readonly FlowStatus[] = ['Succeeded', 'Failed']

// provider-api.md §3: a flow sent to POST /failover is standard, to /failover/transactional transactional
export const FlowKindSchema = Type.Union([Type.Literal('standard'), Type.Literal('transactional')])
export type FlowKind = Static<typeof FlowKindSchema>

// sandbox.md "Time": an account's clock runs with real time (scaled) or stands still until advanced
export const ClockModeSchema = Type.Union([Type.Literal('realtime'), Type.Literal('manual')])
export type ClockMode = Static<typeof ClockModeSchema>
export const CLOCK_MODES: readonly ClockMode[] = ClockModeSchema.anyOf.map((s) => s.const)

/** The furthest one POST /_sandbox/clock/advance {seconds} moves a clock (sandbox choice: ten years). */
export const MAX_ADVANCE_SECONDS = 10 * 365 * 86400

/**
 * The seed page's transactional example (transactional-failover.seed.txt): the OpenAPI document's
 * request example, the dashboard's demo send and the tests' fixture. One file, served to the
 * dashboard too, so the package carries it.
 */
export const SEED_EXAMPLE_FILE = join(UI_DIR, 'seed-example.json')
export const SEED_EXAMPLE: Record<string, any> = JSON.parse(readFileSync(SEED_EXAMPLE_FILE, 'utf8'))
