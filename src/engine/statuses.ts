import type { Channel } from './channels.js'

/**
 * Every status a message can show, per channel, with the provider's spelling and casing
 * (provider-api.md §5: Viber upper case, Sms and Voice title case), and the detailedStatus and
 * description the sandbox shows with it. Descriptions are the sandbox's words.
 */
export interface StatusInfo {
  detailedStatus: string
  description: string
  final: boolean
}

const s = (detailedStatus: string, description: string, final: boolean): StatusInfo => ({ detailedStatus, description, final })

export const STATUSES: Record<Channel, Record<string, StatusInfo>> = {
  Viber: {
    QUEUED: s('Queued', 'The message is queued for delivery.', false),
    DELIVERED: s('Delivered', "The message was delivered to the recipient's device.", true),
    SEEN: s('Delivered', 'The recipient has seen the message.', true),
    UNDELIVERED: s('Not Viber User', 'The recipient could not be reached on Viber.', true),
    EXPIRED: s('TTL Expired', 'The message was not delivered within its ttl.', true),
    FAILED: s('System Failure', 'The message could not be sent.', true),
    UNSENT: s('Unsent', 'The balance could not pay for the message.', true)
  },
  Sms: {
    Queued: s('Queued', 'The message is queued.', false),
    Sent: s('Sent', 'The message was sent to the operator.', false),
    Delivered: s('Delivered', 'The message was delivered to the handset.', true),
    Undelivered: s('Undelivered', 'The operator could not deliver the message.', true),
    Failed: s('Failed', 'The message could not be sent.', true),
    Unsent: s('Unsent', 'The balance could not pay for the message.', true)
  },
  Voice: {
    Queued: s('Queued', 'The call is queued.', false),
    Initiated: s('Initiated', 'The call was placed.', false),
    Ringing: s('Ringing', "The recipient's phone is ringing.", false),
    InProgress: s('InProgress', 'The call was answered and the dial plan is playing.', false),
    Completed: s('Completed', 'The call completed.', true),
    Busy: s('Busy', 'The line was busy.', true),
    NoAnswer: s('NoAnswer', 'Nobody answered.', true),
    Failed: s('Failed', 'The call could not be placed.', true),
    Unsent: s('Unsent', 'The balance could not pay for the call.', true),
    Terminated: s('Terminated', 'The call was cut off when the balance ran out.', true)
  }
}

/** §5 detailedStatus values a forced status may carry. */
export const DETAILED_STATUSES: Record<Channel, readonly string[]> = {
  Viber: ['Delivered', 'Not Viber User', 'Opted Out', 'System Failure', 'Message Rejected', 'Timed Out', 'Unsupported Equipment', 'TTL Expired'],
  Sms: ['Sent', 'Delivered', 'Undelivered', 'Failed', 'Undelivered on Handset', 'Unknown Number', 'Roaming', 'Call Barred', 'Unknown Status',
    'Carrier Violation', 'Expired'],
  Voice: ['Initiated', 'Ringing', 'InProgress', 'Completed', 'Busy', 'NoAnswer', 'Failed', 'Terminated']
}

/** Statuses a control call may force (the starting and balance statuses are the sandbox's own). */
export const FORCEABLE: Record<Channel, readonly string[]> = {
  Viber: ['DELIVERED', 'SEEN', 'UNDELIVERED', 'EXPIRED', 'FAILED', 'UNSENT'],
  Sms: ['Sent', 'Delivered', 'Undelivered', 'Failed', 'Unsent'],
  Voice: ['Initiated', 'Ringing', 'InProgress', 'Completed', 'Busy', 'NoAnswer', 'Failed', 'Unsent', 'Terminated']
}

/** Every final status of provider-api.md §5, per channel: what an outcome (header, rule) may ask for. */
export const FINAL_STATUSES: Record<Channel, readonly string[]> = {
  Viber: ['DELIVERED', 'SEEN', 'UNDELIVERED', 'EXPIRED', 'FAILED', 'UNSENT'],
  Sms: ['Delivered', 'Undelivered', 'Failed', 'Unsent'],
  Voice: ['Completed', 'Busy', 'NoAnswer', 'Failed', 'Unsent', 'Terminated']
}

/** Final statuses that mean the balance (§5): a flow that fails on one has statusCode "1". */
export const BALANCE_STATUSES: Record<Channel, readonly string[]> = { Viber: ['UNSENT'], Sms: ['Unsent'], Voice: ['Unsent', 'Terminated'] }

export const INITIAL_STATUS: Record<Channel, string> = { Viber: 'QUEUED', Sms: 'Queued', Voice: 'Queued' }
export const UNSENT_STATUS: Record<Channel, string> = { Viber: 'UNSENT', Sms: 'Unsent', Voice: 'Unsent' }
export const SUCCESS: Record<Channel, readonly string[]> = { Viber: ['DELIVERED', 'SEEN'], Sms: ['Delivered'], Voice: ['Completed'] }

// sandbox.md "Outcomes": default timing in sandbox seconds after the send
export const TIMING = {
  viberFinal: 2,
  viberSeenAfterDelivery: 5,
  smsSent: 1,
  smsFinal: 3,
  voiceInitiated: 1,
  voiceRinging: 2,
  voiceAnswered: 4,
  voiceFinal: 10
} as const
