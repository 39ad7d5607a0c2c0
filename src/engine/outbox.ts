import type { Flow, Message } from '../store/flows.js'
import type { SmsStep, TemplateViberStep, ViberStep, VoiceStep } from '../schemas/failover.js'
import type { RecipientView } from '../schemas/messages.js'
import { iso } from './views.js'

/**
 * What the recipient would have seen or heard (sandbox.md "Seeing what happened"): the rendered
 * template, the SMS text with its encoding and parts, the Viber layout, the Voice script.
 */
export function recipientView (flow: Flow, m: Message): RecipientView {
  const step = flow.request.flow[m.stepIdx]
  const base = {
    messageId: m.id,
    trackingId: flow.id,
    flowKind: flow.kind,
    channel: m.channel,
    to: m.to,
    status: m.status,
    createdAt: iso(m.createdAt),
    updatedAt: iso(m.statusAt)
  }
  switch (m.channel) {
    case 'Sms': {
      const sms = step as SmsStep
      return { ...base, from: sms.from, sms: { text: sms.message.body, encoding: m.data.encoding, parts: m.data.parts, flash: sms.message.flash ?? false } }
    }
    case 'Viber': {
      if (flow.kind === 'transactional') {
        const template = step as TemplateViberStep
        return { ...base, from: m.data.from, viber: { text: m.data.renderedText, templateId: template.templateId, templateLang: template.templateLang } }
      }
      const msg: NonNullable<ViberStep['message']> = (step as ViberStep).message ?? {}
      return {
        ...base,
        from: m.data.from,
        viber: {
          text: msg.text ?? null,
          imageUrl: msg.imageUrl ?? null,
          button: msg.action ? { caption: msg.action.caption, targetUrl: msg.action.targetUrl } : null,
          video: msg.viberVideo ?? null,
          file: msg.viberFile ?? null
        }
      }
    }
    case 'Voice': {
      const voice = step as VoiceStep
      const verbs = ((voice.dialPlan as { verbs?: unknown[] } | undefined)?.verbs ?? []) as Array<Record<string, any>>
      return {
        ...base,
        from: voice.from,
        voice: {
          say: verbs.filter((v) => v.type === 'SAY').map((v) => ({ text: v.message.text, language: v.message.language, gender: v.message.gender ?? null })),
          play: verbs.filter((v) => v.type === 'PLAY').map((v) => v.fileURL)
        }
      }
    }
  }
}
