// The reference for every throughput figure of bench/run.ts: a bare Fastify server whose route parses
// the same JSON body the sandbox gets (Fastify's own parser) and answers a fixed body of about the
// size the sandbox answers. Plain JavaScript run by plain node, so its cold start is comparable to
// `node dist/src/server.js`.
import Fastify from 'fastify'

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 })
const FIXED = JSON.stringify({
  trackingId: '6f1c1b7e-3f55-4b7a-9d0e-2c1a7b9e4d21',
  flowKind: 'transactional',
  flow: [
    { type: 'Viber', senderInfoTrackingId: 'your-sender-info-tracking-id', to: '+306912345678', templateId: '0aac888f-2ee2-4112-9659-1755a951966a', templateLang: 'en', templateParams: { customer_name: 'Alex' }, deliveryScope: 'PRIMARY_DEVICE', ttl: 10, order: 1, failoverOnStatuses: ['EXPIRED', 'FAILED', 'UNDELIVERED'], seq: 1, expireOnDelivery: false },
    { type: 'Sms', from: 'YourBrand', to: '+306912345678', message: { body: 'We could not reach you on Viber.', flash: false }, ttl: 120, order: 2, failoverOnStatuses: ['FAILED', 'UNDELIVERED'] }
  ],
  callback: { strategy: 'OnCompletion', url: 'https://your-server.com/failover-callback' },
  createdAt: '2026-01-01T00:00:00.000Z'
})

app.post('/bare', async (request, reply) => {
  // the body was parsed; touch it so nothing can skip the work
  if (typeof request.body !== 'object' || request.body === null) return await reply.code(400).send({ code: '400000000' })
  return await reply.type('application/json').send(FIXED)
})
app.get('/bare/:id', async (request, reply) => await reply.type('application/json').send(FIXED))
app.get('/health', async () => ({ status: 'ok' }))

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
