import type { SandboxActions } from './actions.ts';
import type { Narration } from './contract.ts';
import { SANDBOX_SERVICE } from './policy.ts';
import type { SandboxWorld } from './world.ts';

/** One request to backstop's own HTTP API, with one of the sandbox's API tokens (the CI's or a read-only one). */
export type SandboxApi = (method: 'GET' | 'POST', path: string, token: 'ci' | 'observer', body?: unknown) => Promise<{ status: number; body: any }>;

export interface ScenarioDeps {
  world: SandboxWorld;
  actions: SandboxActions;
  api: SandboxApi;
  narrate(entry: Omit<Narration, 'at'>): void;
  sleep(ms: number): Promise<void>;
  /** The pause between beats, so a person can follow (the browser test plays it faster). */
  paceMs: number;
  /** How long to wait for backstop at each stage before calling the incident stuck. */
  stageTimeoutMs?: number;
  onPlaying?(playing: boolean): void;
}

const FINAL = new Set(['succeeded', 'failed', 'rejected', 'expired', 'cancelled']);

export type ScenarioStart = { ok: true } | { ok: false; error: string };

/**
 * The scripted incident, played through the same doors a real one comes through: CI records deployments over the
 * HTTP API, the service pushes its error rate, the monitor proposes, two people approve on the card (button, then the
 * reason modal), the worker rolls back and verifies while healthy samples arrive, and alice asks for the history.
 * Meanwhile CI asks the deploy gate about its next release: told to wait during the incident, let through after it.
 */
export function createScenario(deps: ScenarioDeps) {
  const { world, actions, api, narrate } = deps;
  const stageTimeoutMs = deps.stageTimeoutMs ?? 60_000;
  let playing = false;
  let stopped = false;
  let round = 0;
  const checkStopped = () => {
    if (stopped) throw new Error('the sandbox is shutting down');
  };

  async function call(method: 'GET' | 'POST', path: string, token: 'ci' | 'observer', body?: unknown): Promise<any> {
    checkStopped();
    const res = await api(method, path, token, body);
    if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${res.body?.error?.message ?? JSON.stringify(res.body)}`);
    return res.body;
  }

  async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, everyMs = 200): Promise<T> {
    const deadline = Date.now() + stageTimeoutMs;
    for (;;) {
      checkStopped();
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`backstop did not get there in ${stageTimeoutMs / 1000} s: ${what}`);
      await deps.sleep(everyMs);
    }
  }

  const cardOf = (eventId: string) =>
    world.emu.messages().find((m) => !(m.flags & 64) && m.components.length > 0 && String(m.embeds[0]?.footer?.text ?? '').startsWith(`event ${eventId}`));

  async function approveOnCard(key: string, eventId: string, reason: string): Promise<void> {
    const person = world.person(key)!;
    const card = await until('the proposal card', () => cardOf(eventId));
    const approve = card.components[0]?.components?.find((c: { label?: string }) => c.label === 'Approve');
    if (!approve) throw new Error('the proposal card has no Approve button');
    if (approve.disabled) {
      narrate({ kind: 'step', text: `Someone on the page already resolved the card, so ${person.username} has nothing to approve` });
      return;
    }
    narrate({ kind: 'step', text: `${person.username} clicks Approve and gives a reason: “${reason}”` });
    const clicked = await actions.click(person, card.id, approve.custom_id);
    if (!clicked.ok) throw new Error(`${person.username}'s Approve was not taken: ${clicked.error}`);
    // Someone on the page got there first (as this person, or by resolving the card): backstop answered with a note
    // instead of a modal, and the incident goes on from wherever it now is.
    if (!clicked.modal) {
      narrate({ kind: 'step', text: `${person.username} had already decided, or the card was resolved: backstop says so, and the incident goes on` });
      return;
    }
    const input = clicked.modal.inputs[0]!.custom_id;
    const submitted = await actions.submitModal(person, { customId: clicked.modal.custom_id, messageId: card.id, fields: { [input]: reason } });
    if (!submitted.ok) throw new Error(`${person.username}'s approval was not taken: ${submitted.error}`);
  }

  async function play(): Promise<void> {
    round += 1;
    const good = `v1.${round * 2 + 2}.0`;
    const bad = `v1.${round * 2 + 3}.0`;
    const env = 'production';
    const beat = () => deps.sleep(deps.paceMs).then(checkStopped);

    narrate({ kind: 'step', text: `CI deploys ${SANDBOX_SERVICE} ${good} to ${env}; it passes its health checks` });
    const goodId = (await call('POST', '/api/deployments', 'ci', { service: SANDBOX_SERVICE, environment: env, version: good, git_commit: commitFor(good), deployed_by: 'github-actions' })).deployment_id;
    await call('POST', `/api/deployments/${goodId}/complete`, 'ci', { status: 'success', health_check_passed: true });
    await beat();

    narrate({ kind: 'step', text: `CI deploys ${bad}: backstop starts watching it` });
    const badId = (await call('POST', '/api/deployments', 'ci', { service: SANDBOX_SERVICE, environment: env, version: bad, git_commit: commitFor(bad), deployed_by: 'github-actions' })).deployment_id;
    await beat();

    let eventId: string | undefined;
    for (const rate of [0.4, 1.6, 3.2]) {
      narrate({ kind: 'step', text: `${bad} reports ${rate} errors/min` });
      const pushed = await call('POST', `/api/deployments/${badId}/health`, 'ci', { error_rate_per_minute: rate, recent_errors: Math.round(rate * 5) });
      eventId = pushed.decision?.event_id ?? eventId;
      if (eventId) break;
      await beat();
    }
    if (!eventId) throw new Error('the climbing error rate did not produce a rollback proposal');
    await until('the proposal card', () => cardOf(eventId));
    // From here the known-good version reports healthy while the worker rolls back and verifies, on a clock of its own
    // as a real service would: a person may approve on the card while the script waits between beats, and
    // verification (4 s) counts only what arrives after the rollback executed.
    const reporting = reportWhileRestoring(eventId, goodId);
    try {
      await afterProposal(eventId, good, env, beat);
    } finally {
      reporting.stop();
    }
  }

  function reportWhileRestoring(eventId: string, goodId: string): { stop(): void } {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || stopped) return;
      busy = true;
      void (async () => {
        const event = await call('GET', `/api/rollbacks/${eventId}`, 'observer');
        if (event.status === 'running' || event.status === 'verifying') {
          await call('POST', `/api/deployments/${goodId}/health`, 'ci', { error_rate_per_minute: 0.1, recent_errors: 0 });
        }
      })()
        // A missed report is made up by the next one; the script's own stages say when backstop is stuck.
        .catch(() => undefined)
        .finally(() => (busy = false));
    }, 400);
    return { stop: () => clearInterval(timer) };
  }

  async function afterProposal(eventId: string, good: string, env: string, beat: () => Promise<void>): Promise<void> {
    narrate({ kind: 'step', text: 'Two readings at ≥ 1 error/min: backstop proposes rolling back, and production needs two people' });
    await beat();

    // CI's next release asks the gate, as a deploy job would before it starts (GET /api/gate, or `backstop gate`).
    const next = `v1.${round * 2 + 3}.1`;
    const asked = await call('GET', `/api/gate?service=${SANDBOX_SERVICE}&environment=${env}&version=${next}`, 'ci');
    if (asked.decision !== 'deny') throw new Error(`the gate let ${next} through during the incident: ${asked.text}`);
    // No beat of its own: the approvals keep their pace.
    narrate({ kind: 'step', text: `CI wants to ship ${next} and asks the gate: ${asked.text.split('\n')[0]}` });

    await approveOnCard('alice', eventId, 'checkout 5xx confirmed on the dashboard');
    await beat();
    await approveOnCard('bob', eventId, 'agreed, v1 path is known-good');

    narrate({ kind: 'step', text: 'Two approvals: the worker validates, snapshots and rolls back; the card shows each step' });
    const status = await until('a final outcome', async () => {
      const event = await call('GET', `/api/rollbacks/${eventId}`, 'observer');
      return FINAL.has(event.status) ? (event.status as string) : undefined;
    }, 500);
    if (status !== 'succeeded') {
      narrate({ kind: 'failed', text: `The rollback ended ${status}; the card says why` });
      return;
    }
    const after = await until('the gate to open', async () => {
      const answer = await call('GET', `/api/gate?service=${SANDBOX_SERVICE}&environment=${env}&version=${next}`, 'ci');
      return answer.decision === 'allow' ? (answer.text as string) : undefined;
    });
    narrate({ kind: 'step', text: `Verified: ${good} is back and healthy. CI asks the gate again: ${after.split('\n')[0]}` });
    await beat();
    narrate({ kind: 'step', text: 'alice asks who did what' });
    const history = await actions.command(world.person('alice')!, '/rollback history limit:3');
    if (!history.ok) throw new Error(`/rollback history failed: ${history.error}`);
    narrate({ kind: 'done', text: 'Incident over. Try it yourself: pick a person, type a command, or click a card' });
  }

  return {
    get playing() {
      return playing;
    },
    stop: () => stop(),
    /**
     * Starts the incident in the background, one at a time. It refuses while a rollback someone started by hand is
     * still open for the scenario's service: backstop would (rightly) not admit a second one.
     */
    async start(): Promise<ScenarioStart> {
      if (playing) return { ok: false, error: 'the incident is already playing' };
      playing = true;
      const open = await openRollback().catch((err: Error) => ({ error: err.message }));
      if (open) {
        playing = false;
        return { ok: false, error: 'error' in open ? `could not check for open rollbacks: ${open.error}` : `a ${SANDBOX_SERVICE} rollback in production is still open (event ${open.event_id}, ${open.status}): finish it, or run /rollback cancel event_id:${open.event_id}` };
      }
      deps.onPlaying?.(true);
      void play()
        .catch((err: unknown) => narrate({ kind: 'failed', text: `The scenario stopped: ${(err as Error).message}` }))
        .finally(() => {
          playing = false;
          deps.onPlaying?.(false);
        });
      return { ok: true };
    },
  };

  /** Ends a playing incident at its next step (shutdown): nothing more is sent to backstop. */
  function stop() {
    stopped = true;
  }

  async function openRollback(): Promise<{ event_id: string; status: string } | undefined> {
    const page = await call('GET', `/api/rollbacks?service=${SANDBOX_SERVICE}&environment=production&limit=5`, 'observer');
    return (page.rollbacks as Array<{ event_id: string; status: string }>).find((r) => !FINAL.has(r.status));
  }
}

/** A plausible short commit hash per version, stable across replays. */
function commitFor(version: string): string {
  let h = 0x811c9dc5;
  for (const ch of version) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0').slice(0, 7);
}
