/*
 * JSON text stored shorter (issue 15, "100k flows"; migration 010): the keys and values the sandbox
 * writes into every flow's request, message and due event take one or two characters each instead of
 * ten to thirty. JSON.stringify never writes a character below U+0020 as itself (it escapes them), so
 * each can stand for a fragment: U+0001–U+001E one character, U+001F followed by a printable ASCII
 * character two. `unpack` is the exact inverse of `pack` for any JSON text, wherever a fragment occurs
 * (a string value included), and leaves text with no such character (every row written before 010)
 * as it is. Where a fragment sits in these lists is what stored rows mean by it: the lists only grow,
 * at their ends.
 */

// one character each: what the send writes into every flow (its request, its first message and that
// message's status events)
const SHORT = [
  '{"flow":[{', '"type":"Viber"', '"type":"Sms"', '"type":"Voice"', ',"senderInfoTrackingId":"', ',"to":"+', ',"templateId":"',
  ',"templateLang":"', ',"templateParams":{', ',"deliveryScope":"PRIMARY_DEVICE"', ',"ttl":', ',"order":', ',"failoverOnStatuses":[',
  '"EXPIRED"', '"FAILED"', '"UNDELIVERED"', ',"expireOnDelivery":false', ',"seq":', ',"from":"', ',"message":{"body":"', '","flash":false}',
  '"Failed"', '"Undelivered"', '{"outcome":"', '","source":"default"}', '{"status":', ',"renderedText":"', '"DELIVERED"',
  ',"callback":{"strategy":"', '","url":"'
]
// two characters each (U+001F and one of these' index + 0x20): the rest of the request's vocabulary
// and the fields a message gains as it moves
const LONG = [
  '"Expired"', '"SEEN"', '"Delivered"', '"Sent"', '"OnChange"', '"OnCompletion"', ',"label":"', ',"inboundUrl":"', ',"restrictions":{',
  ',"dialPlan":', ',"bargeIn":', ',"repeat":', ',"machineDetection":', ',"urlShortener":', ',"text":"', ',"imageUrl":"', ',"deliveredAt":',
  ',"seenAt":', ',"sentAt":', ',"latency":', ',"answeredAt":', ',"duration":', ',"expiredOnDeliveryAt":', '","source":"header"}',
  '","source":"scenario"', '","source":"magic"}', ',"afterSeconds":', '{"from":"', ',"deliveryScope":"ALL_DEVICES"',
  ',"expireOnDelivery":true', '","flash":true}', ',"language":"', ',"viberVideo":{', ',"viberFile":{', ',"action":{'
]

const FRAGMENTS = [...SHORT, ...LONG]
const CODES = [...SHORT.map((_, i) => String.fromCharCode(i + 1)), ...LONG.map((_, i) => '\u001f' + String.fromCharCode(i + 0x20))]
const CODE_OF = new Map(FRAGMENTS.map((f, i) => [f, CODES[i]]))
const FRAGMENT_OF = new Map(CODES.map((c, i) => [c, FRAGMENTS[i]]))
// the longest fragment first wherever two could start at the same place
const FIND = new RegExp([...FRAGMENTS].sort((a, b) => b.length - a.length).map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g')
// eslint-disable-next-line no-control-regex -- the codes are control characters, on purpose
const CODE = /\u001f[\u0020-\u007e]|[\u0001-\u001e]/g

if (SHORT.length > 30 || LONG.length > 95) throw new Error('packed-json: no code left for a fragment')

/** JSON text with each known fragment replaced by its code. */
export function pack (json: string): string {
  return json.replace(FIND, (fragment) => CODE_OF.get(fragment)!)
}

/** The JSON text `pack` was given; any JSON text with no code in it comes back unchanged. */
export function unpack (text: string): string {
  return text.replace(CODE, (code) => FRAGMENT_OF.get(code) ?? code)
}
