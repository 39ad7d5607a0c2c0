import type { Flow, Message } from '../store/flows.js'
import type { SmsStep, TemplateViberStep, ViberStep, VoiceStep } from '../schemas/failover.js'
import { fromMicros } from '../money.js'
import type { Tracking, TrackingMessage, TrackingViberMessage } from '../schemas/tracking.js'
import { phoneInfo } from './channels.js'
import { iso, isoOrNull } from './views.js'

export { iso }

/** A step as stored: normalize() (accept.ts) has filled in the defaults `K` of the request's step. */
type Stored<T, K extends keyof T> = T & { [P in K]-?: NonNullable<T[P]> }

// provider-api.md §4: Sms `operator` (the sandbox has one network)
export const SANDBOX_OPERATOR = 'Sandbox Mobile'

/**
 * The flow record of provider-api.md §4: the body of GET /failover/tracking/{id}, of each search
 * hit and of every callback, so the three can never drift apart.
 */
export function trackingRecord (flow: Flow, messages: Message[]): Tracking {
  return {
    trackingId: flow.id,
    flowKind: flow.kind,
    status: flow.status,
    statusCode: flow.statusCode,
    terminationChannel: flow.terminationChannel,
    totalPrice: fromMicros(flow.totalPrice),
    originatingService: 'Failover' as const,
    applicationId: flow.applicationId,
    createdAt: iso(flow.createdAt),
    updatedAt: iso(flow.updatedAt),
    messages: messages.map((m) => messageRecord(flow, m))
  }
}

export function messageRecord (flow: Flow, m: Message): TrackingMessage {
  const step = flow.request.flow[m.stepIdx]
  const common = {
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
      const sms = step as Stored<SmsStep, 'ttl'>
      return {
        type: m.channel,
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
      const viber = step as Stored<ViberStep | TemplateViberStep, 'ttl'>
      const record = {
        type: m.channel,
        ...common,
        trackingId: m.id,
        ttl: viber.ttl,
        expireOnDelivery: viber.expireOnDelivery ?? false,
        expiredOnDeliveryAt: isoOrNull(m.data.expiredOnDeliveryAt),
        inboundUrl: viber.inboundUrl ?? null
      }
      if (flow.kind === 'transactional') {
        const t = viber as Stored<TemplateViberStep, 'templateParams' | 'deliveryScope' | 'seq'>
        return { ...record, templateId: t.templateId, templateLang: t.templateLang, templateParams: t.templateParams, deliveryScope: t.deliveryScope, seq: t.seq }
      }
      const message: NonNullable<ViberStep['message']> = (viber as ViberStep).message ?? {}
      // §4's shape {text, imageUrl, action} always, null where not sent (as the record's other absent
      // fields); a video or a file is added only when sent
      const body: TrackingViberMessage['body'] = { text: message.text ?? null, imageUrl: message.imageUrl ?? null, action: message.action ?? null }
      if (message.viberVideo !== undefined) body.viberVideo = message.viberVideo
      if (message.viberFile !== undefined) body.viberFile = message.viberFile
      return { ...record, body, label: (viber as ViberStep).label ?? null }
    }
    case 'Voice': {
      const voice = step as VoiceStep
      return {
        type: m.channel,
        ...common,
        to: voice.to,
        messageId: m.id,
        conversationTrackingId: m.data.conversationTrackingId,
        duration: m.data.duration ?? 0
      }
    }
  }
}
