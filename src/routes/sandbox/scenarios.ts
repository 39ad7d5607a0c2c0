import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../../schemas/common.js'
import { ScenariosSchema } from '../../schemas/sandbox.js'
import { CONTROL, controlAccount } from './context.js'

/** sandbox.md "Outcomes" layer 2: the account's ordered scenario rules. */
export const scenarioRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/scenarios', { schema: { ...CONTROL, summary: "The account's scenario rules", response: { 200: ScenariosSchema, ...errorResponses(404) } } },
    async (request) => app.store.accounts.get(controlAccount(app, request))!.scenarios)

  app.put('/scenarios', {
    schema: { ...CONTROL, summary: 'Replace the scenario rules (first match wins)', body: ScenariosSchema, response: { 200: ScenariosSchema, ...errorResponses(400, 404) } }
  }, async (request) => {
    return app.engine.setScenarios(controlAccount(app, request), request.body)
  })
}
