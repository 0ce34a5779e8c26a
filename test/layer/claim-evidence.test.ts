import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { healthDecisions } from '../../src/db/schema/index.ts';
import { assessDeployment } from '../../src/health/assess.ts';
import { withClaimedRollback } from '../../src/pipeline/claim.ts';
import { approvedRollback } from '../support/layer/rollback.ts';
import { insertSample } from '../support/layer/rows.ts';
import { createLayerWorld, layerPolicy, type LayerWorld } from '../support/layer/world.ts';

// The worker's claim reads the database's part of validation's health assessment (pushed samples, firing alerts)
// in its own statement, before it knows the service: so it aggregates every window any service's rules use, and the
// assessment made from it must say exactly what one that reads for itself says.

const T0 = new Date('2031-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
// One service judges its error rate over a 5-minute mean (listed last), another over 2 minutes (listed first).
const SERVICES = ['other', 'plain-a', 'plain-b', 'windowed'];
const POLICY = layerPolicy(SERVICES).replace(
  '    executor: { kind: command, argv: ["true"], timeout: 20s }',
  '    executor: { kind: command, argv: ["true"], timeout: 20s }\n    rules:\n      - { name: errors-2m, metric: error_rate_per_minute, op: ">", threshold: 50, window: 2m, action: propose }',
) + `    rules:\n      - { name: errors-5m, metric: error_rate_per_minute, op: ">", threshold: 12, window: 5m, action: propose }\n`;

describe("the claim's health evidence", () => {
  let w: LayerWorld;
  beforeAll(async () => {
    w = await createLayerWorld({ start: T0, policy: POLICY });
  });
  afterAll(async () => {
    await w?.close();
  });

  it("carries the window mean of the claimed service's own rule and its firing alerts, and judges as a read of its own does", async () => {
    const { event, bad } = await approvedRollback(w, 'windowed');
    for (const [ms, rate] of [[-240_000, 10], [-60_000, 20], [-30_000, 30]] as const) await insertSample(w.db, bad.deploymentId, at(ms), rate);
    const fired = { fired: [{ fingerprint: 'f1', alertname: 'HighErrors', starts_at: at(-120_000).toISOString(), annotations: { summary: 'checkout errors' } }] };
    await w.db.insert(healthDecisions).values({ deploymentId: bad.deploymentId, service: 'windowed', environment: 'staging', action: 'propose', summary: 'Alertmanager: HighErrors', evidence: fired });

    const evidence = await withClaimedRollback(w.deps, event.eventId, 'worker-a', async ({ evidence }) => evidence, () => null);
    expect(evidence?.pushed?.windows.get(`error_rate_per_minute@${5 * 60_000}`)).toMatchObject({ mean: 20, count: 3, at: at(-30_000) });
    // The other service's window is read too (the claim cannot know which it needs), over the same samples.
    expect(evidence?.pushed?.windows.get(`error_rate_per_minute@${2 * 60_000}`)).toMatchObject({ mean: 25, count: 2 });
    expect(evidence?.pushed?.latest.error_rate_per_minute).toEqual({ value: 30, at: at(-30_000) });
    expect(evidence?.alerts).toEqual([{ alertname: 'HighErrors', fingerprint: 'f1', starts_at: at(-120_000).toISOString(), summary: 'checkout errors' }]);

    const withEvidence = await assessDeployment(w.deps, bad, { evidence: evidence! });
    const onItsOwn = await assessDeployment(w.deps, bad);
    expect(withEvidence.verdict).toBe('unhealthy');
    expect(withEvidence.summary).toMatch(/checkout errors/);
    expect({ ...withEvidence, at: null }).toEqual({ ...onItsOwn, at: null });
  });

  it('claims through one session under two configurations whose windows differ (each text its own prepared statement)', async () => {
    const first = await approvedRollback(w, 'plain-a');
    const second = await approvedRollback(w, 'plain-b');
    const plain = parseConfig(layerPolicy(SERVICES));
    if (!plain.ok) throw new Error('the plain policy does not parse');
    const claimedWith = (deps: typeof w.deps, eventId: string) => withClaimedRollback(deps, eventId, 'worker-a', async ({ claim }) => claim.fence, () => null);
    expect(await claimedWith(w.deps, first.event.eventId)).toBe(1);
    // The same process's lock session, a configuration without windowed rules: node-postgres refuses one name for two texts.
    expect(await claimedWith({ ...w.deps, config: plain.config }, second.event.eventId)).toBe(1);
  });
});
