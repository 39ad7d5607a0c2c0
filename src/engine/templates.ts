import { ApiError, ERRORS, validationError, type Problem } from '../errors.js'
import type { NewTemplate, TemplateView } from '../schemas/templates.js'
import type { Template, TemplateStatus } from '../store/catalog.js'
import type { Store } from '../store/index.js'
import { placeholders } from './render.js'
import { templateView } from './views.js'

/*
 * provider-api.md §8 without HTTP: Viber transactional templates are created PENDING, never edited
 * (delete and create anew), and reviewed through the control plane (approve or reject).
 */

/** A new PENDING template of the account's sender (its id minted only once it is valid); 400 naming every problem (unknown sender, an OTP text without {{pin}}). */
export function createTemplate (store: Store, accountId: string, senderId: string, body: NewTemplate, id: () => string, now: number): TemplateView {
  const problems: Problem[] = []
  if (!store.catalog.sender(accountId, senderId)) problems.push({ path: 'senderInfoTrackingId', entry: ERRORS.SENDER_UNKNOWN })
  const category = body.category ?? 'TRANSACTIONAL'
  if (category === 'OTP') {
    for (const [lang, text] of Object.entries(body.languages)) {
      if (!placeholders(text).includes('pin')) problems.push({ path: `languages.${lang}`, entry: ERRORS.TEMPLATE_OTP_NO_PIN })
    }
  }
  if (problems.length > 0) throw validationError(problems)
  const template: Template = { id: id(), senderInfoTrackingId: senderId, name: body.name, category, languages: body.languages, status: 'PENDING', createdAt: now }
  store.catalog.insertTemplate(accountId, template)
  return templateView(template)
}

/** POST /_sandbox/templates/{id}/approve|reject: only a PENDING template moves. */
export function reviewTemplate (store: Store, accountId: string, templateId: string, status: Exclude<TemplateStatus, 'PENDING'>): TemplateView {
  const template = store.catalog.template(accountId, templateId)
  if (!template) throw new ApiError(ERRORS.TEMPLATE_NOT_FOUND)
  if (template.status !== 'PENDING') throw new ApiError(ERRORS.TEMPLATE_NOT_PENDING, `The template is ${template.status}: only a PENDING template can be approved or rejected.`)
  store.catalog.setTemplateStatus(accountId, template.id, status)
  return templateView({ ...template, status })
}
