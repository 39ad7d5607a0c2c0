import type { Flow, Message } from '../store/flows.js'
import type { SmsStep, TemplateViberStep, ViberStep, VoiceStep } from '../schemas/failover.js'
import { fromMicros } from '../money.js'
import { phoneInfo } from './channels.js'

/** Sandbox times as the provider writes them: ISO-8601 UTC. */
export const iso = (ms: number): string => new Date(ms).toISOString()
const isoOrNull = (ms: unknown): string | null => (typeof ms === 'number' ? iso(ms) : null)

// provider-api.md §4: Sms `operator` (the sandbox has one network)
export const SANDBOX_OPERATOR = 'Sandbox Mobile'

/**
 * The flow record of provider-api.md §4: the body of GET /failover/tracking/{id}, of each search
 * hit and of every callback, so the three can never drift apart.
 */
export function trackingRecord (flow: Flow, messages: Message[]): Record<string, unknown> {
  return {
    trackingId: flow.id,
    flowKind: flow.kind,
    status: flow.status,
    statusCode: flow.statusCode,
    terminationChannel: flow.terminationChannel,
    totalPrice: fromMicros(flow.totalPrice),
    originatingService: 'Failover',
    applicationId: flow.applicationId,
    createdAt: iso(flow.createdAt),
    updatedAt: iso(flow.updatedAt),
    messages: messages.map((m) => messageRecord(flow, m))
  }
}

export function messageRecord (flow: Flow, m: Message): Record<string, unknown> {
  const step = flow.request.flow[m.stepIdx]
  const common = {
    type: m.channel,
    order: step.order,
    failoverOnStatuses: step.failoverOnStatuses ?? [],
    to: m.to,
    from: m.channel === 'Viber' ? m.data.from : (step as SmsStep | VoiceStep).from,
    country: m.to.startsWith('+') ? (phoneInfo(m.to).country ?? null) : null,
    status: {
      name: m.status,
      reason: { detailedStatus: m.detailedStatus, description: m.description },
      updatedDate: iso(m.statusAt)
    },
    price: fromMicros(m.price),
    createdAt: iso(m.createdAt)
  }
  switch (m.channel) {
    case 'Sms': {
      const sms = step as SmsStep
      return {
        ...common,
        messageId: m.id,
        smsId: m.data.smsId,
        body: sms.message.body,
        operator: SANDBOX_OPERATOR,
        part: 1,
        parts: m.data.parts,
        latency: m.data.latency ?? null,
        label: sms.message.label ?? null,
        ttl: sms.ttl
      }
    }
    case 'Viber': {
      const viber = step as ViberStep | TemplateViberStep
      const record: Record<string, unknown> = {
        ...common,
        trackingId: m.id,
        ttl: viber.ttl,
        expireOnDelivery: viber.expireOnDelivery ?? false,
        expiredOnDeliveryAt: isoOrNull(m.data.expiredOnDeliveryAt),
        inboundUrl: viber.inboundUrl ?? null
      }
      if (flow.kind === 'transactional') {
        const t = viber as TemplateViberStep
        return { ...record, templateId: t.templateId, templateLang: t.templateLang, templateParams: t.templateParams, deliveryScope: t.deliveryScope, seq: t.seq }
      }
      const message = (viber as ViberStep).message ?? {}
      const body: Record<string, unknown> = {}
      if (message.text !== undefined) body.text = message.text
      if (message.imageUrl !== undefined) body.imageUrl = message.imageUrl
      if (message.action !== undefined) body.action = message.action
      if (message.viberVideo !== undefined) body.viberVideo = message.viberVideo
      if (message.viberFile !== undefined) body.viberFile = message.viberFile
      return { ...record, body, label: (viber as ViberStep).label ?? null }
    }
    case 'Voice': {
      const voice = step as VoiceStep
      return {
        ...common,
        to: voice.to,
        messageId: m.id,
        conversationTrackingId: m.data.conversationTrackingId,
        duration: m.data.duration ?? 0
      }
    }
  }
}
