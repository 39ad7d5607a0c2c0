import Fastify from 'fastify'
import type { Test } from 'tap'

export interface Received {
  body: any
  headers: Record<string, string | string[] | undefined>
  at: number
}

/**
 * A real webhook endpoint on port 0. `script` answers each request in turn: a status code, 'hang'
 * (never answers), or a function; after the script runs out it answers 200.
 */
export async function receiver (t: Test, script: Array<number | 'hang'> = []) {
  const app = Fastify()
  const received: Received[] = []
  const hanging: Array<() => void> = []
  let i = 0
  app.post('/*', async (request, reply) => {
    received.push({ body: request.body, headers: request.headers, at: Date.now() })
    const step = script[i++] ?? 200
    if (step === 'hang') {
      await new Promise<void>((resolve) => hanging.push(resolve))
      return await reply.code(200).send({ late: true })
    }
    return await reply.code(step).send({ ok: step < 300 })
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address() as { port: number }
  t.teardown(async () => {
    for (const release of hanging) release()
    await app.close()
  })
  return { url: `http://127.0.0.1:${address.port}/hook`, port: address.port, received, close: async () => await app.close() }
}

export { freePort as closedPort } from '../helper.js'
