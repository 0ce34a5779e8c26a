import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verify } from '../../src/pipeline/verify.ts';
import { approvedRollback, claimContext } from '../support/layer/rollback.ts';
import { insertSample } from '../support/layer/rows.ts';
import { createLayerWorld, type LayerWorld } from '../support/layer/world.ts';

// The verify stage alone, on pushed samples of the restored version, with a fake clock: which samples count is decided
// by the approval time stored on the row and by stale_after (2 m by default), both against the injected clock.
// The window is 30 s, assessed every 10 s; a `sleep` moves the fake clock instead of waiting.

const T0 = new Date('2031-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const INCONCLUSIVE = /^no health data after the rollback: verification is inconclusive/;

describe('verify', () => {
  let w: LayerWorld;
  beforeAll(async () => {
    w = await createLayerWorld({ start: T0, services: ['older', 'stale', 'sick'] });
  });
  afterAll(async () => {
    await w?.close();
  });
  beforeEach(() => {
    w.clock.set(T0);
    w.slept.length = 0;
  });

  it('does not count a sample older than the approval, and counts one taken at it', async () => {
    const { event, good } = await approvedRollback(w, 'older');
    expect(event.approvedAt).toEqual(T0);
    await insertSample(w.db, good.deploymentId, at(-1), 0.2);
    w.clock.set(at(5_000));
    const ctx = await claimContext(w, event.eventId);

    const before = await verify(ctx);
    expect(before).toMatchObject({ ok: false, status: 'failed', reason: expect.stringMatching(INCONCLUSIVE) });
    expect((before.detail?.observations as Array<{ verdict: string; at: string }>).map((o) => [o.verdict, o.at])).toEqual([
      ['inconclusive', at(5_000).toISOString()],
      ['inconclusive', at(15_000).toISOString()],
      ['inconclusive', at(25_000).toISOString()],
      ['inconclusive', at(35_000).toISOString()],
    ]);
    expect(w.slept).toEqual([10_000, 10_000, 10_000]);

    await insertSample(w.db, good.deploymentId, T0, 0.2);
    const after = await verify(ctx);
    expect(after).toMatchObject({ ok: true, detail: { healthy: true, summary: expect.stringMatching(/^Healthy: /) } });
  });

  it('does not count a sample that is older than stale_after by the fake clock', async () => {
    const { event, good } = await approvedRollback(w, 'stale');
    await insertSample(w.db, good.deploymentId, at(1_000), 0.2);

    w.clock.set(at(1_000 + 2 * 60_000));
    const late = await verify(await claimContext(w, event.eventId));
    expect(late).toMatchObject({ ok: false, status: 'failed', reason: expect.stringMatching(INCONCLUSIVE) });

    // The same sample a millisecond younger is the newest observation at the first assessment, and the one that counts.
    w.clock.set(at(1_000 + 2 * 60_000 - 1));
    const inTime = await verify(await claimContext(w, event.eventId, 'worker-b'));
    expect(inTime).toMatchObject({ ok: true, detail: { healthy: true } });
    expect((inTime.detail?.observations as Array<{ verdict: string }>).map((o) => o.verdict)).toEqual(['healthy', 'inconclusive', 'inconclusive', 'inconclusive']);
  });

  it('fails when the restored version still breaches a rollback rule after the approval', async () => {
    const { event, good } = await approvedRollback(w, 'sick');
    await insertSample(w.db, good.deploymentId, at(1_000), 12);
    w.clock.set(at(5_000));
    const result = await verify(await claimContext(w, event.eventId));
    expect(result).toMatchObject({ ok: false, status: 'failed', reason: expect.stringMatching(/^rollback did not restore health: .*12/) });
  });
});
