import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { receiveDelivery } from '../../freeze/github-protection.ts';
import { failure, UNAVAILABLE } from '../responses.ts';
import { defineRoute } from '../route.ts';
import { schemaNames } from '../schema-names.ts';

const ReceivedSchema = z
  .object({
    request_id: z.guid(),
    state: z.enum(['deciding', 'waiting', 'approved', 'rejected', 'failed']).describe('waiting: denied for now, GitHub has the reasons and is approved once the freezes lift'),
    duplicate: z.boolean().describe('A redelivery of a delivery already received: nothing new was decided'),
  })
  .register(schemaNames, { id: 'GithubDeliveryReceived' });

const IgnoredSchema = z.object({ ignored: z.string() }).register(schemaNames, { id: 'GithubDeliveryIgnored' });

// Public: GitHub sends no token. The signature over the raw body (X-Hub-Signature-256, the App's webhook secret) is the
// credential, so the handler reads the body as it came rather than through a JSON schema.
export const githubWebhookRoute = defineRoute({
  method: 'post',
  path: '/api/github/webhook',
  operationId: 'receiveGithubWebhook',
  summary: "The GitHub App's webhook: deployment_protection_rule events, answered with the gate's verdict",
  tag: 'gate',
  auth: 'public',
  responses: {
    200: { description: 'Recorded and decided (or a redelivery of one that was)', schema: ReceivedSchema },
    202: { description: 'Not an event backstop acts on (ping, another event, another action)', schema: IgnoredSchema },
    400: failure('The delivery is not a deployment_protection_rule event of the documented shape (BAD_REQUEST)'),
    401: failure('The signature does not match the body and the webhook secret, or is missing, or this backstop has no github_app to verify it with (UNAUTHORIZED); the refusal is audited'),
    ...UNAVAILABLE,
  },
  async handler({ deps, c }) {
    // Without the App's secret no signature can be verified, so no delivery is taken: the same refusal as a bad one.
    if (!deps.github) throw new AppError('UNAUTHORIZED', 'this backstop cannot verify GitHub deliveries: the policy file has no github_app section');
    const outcome = await receiveDelivery(
      { ...deps, github: deps.github },
      { id: c.req.header('x-github-delivery'), event: c.req.header('x-github-event'), signature: c.req.header('x-hub-signature-256'), rawBody: await c.req.text() },
    );
    switch (outcome.kind) {
      case 'refused':
        throw new AppError('UNAUTHORIZED', outcome.problem);
      case 'invalid':
        throw new AppError('BAD_REQUEST', outcome.problem.slice(0, 500));
      case 'ignored':
        return { status: 202, body: { ignored: outcome.reason } };
      case 'recorded':
        return { status: 200, body: { request_id: outcome.requestId, state: outcome.state as 'waiting', duplicate: outcome.duplicate } };
    }
  },
});
