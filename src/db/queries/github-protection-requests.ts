import { eq } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { githubProtectionRequests, type GithubProtectionRequestRow } from '../schema/index.ts';

export async function getGithubProtectionRequest(q: Queryable, requestId: string): Promise<GithubProtectionRequestRow | null> {
  const [row] = await q.select().from(githubProtectionRequests).where(eq(githubProtectionRequests.requestId, requestId)).limit(1);
  return row ?? null;
}
