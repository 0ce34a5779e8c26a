import { appendFile, readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { DiscordChannelApi } from '../discord/rest.ts';
import type { SignedCheckpoint } from './checkpoint.ts';

/** Somewhere a checkpoint goes that the database's users cannot rewrite. */
export interface CheckpointSink {
  name: string;
  publish(signed: SignedCheckpoint): Promise<void>;
}

/** One JSON line per checkpoint, appended: the file `audit verify --checkpoint` reads (the last line is the newest). */
export function fileSink(path: string): CheckpointSink {
  return {
    name: 'file',
    publish: (signed) => appendFile(path, `${JSON.stringify(signed)}\n`, { mode: 0o640 }),
  };
}

/** POSTs the signed checkpoint as JSON; anything but a 2xx is a failure, retried with the next checkpoint. */
export function httpSink(url: string, fetchFn: typeof fetch, timeoutMs = 10_000): CheckpointSink {
  return {
    name: 'http',
    async publish(signed) {
      const res = await fetchFn(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(signed), signal: AbortSignal.timeout(timeoutMs) });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    },
  };
}

// Discord's SUPPRESS_NOTIFICATIONS: the message is posted without a ping or a push notification.
const QUIET = 1 << 12;

/**
 * A quiet message in the channel, with the whole signed checkpoint in a code block, so that anyone in the channel can
 * hand it to `audit verify`: the channel's history is out of the database's reach.
 */
export function discordSink(api: DiscordChannelApi, channelId: string): CheckpointSink {
  return {
    name: 'discord',
    async publish(signed) {
      const { checkpoint } = signed;
      await api.post(channelId, {
        // The nonce makes a retried post of the same checkpoint one message (Discord allows 25 characters).
        nonce: `ckpt${Date.parse(checkpoint.at).toString(36)}${checkpoint.rows.toString(36)}`.slice(0, 25),
        flags: QUIET,
        embeds: [
          {
            title: 'Audit checkpoint',
            description: `${checkpoint.rows.toLocaleString('en-US')} rows, signed by key \`${checkpoint.key_id}\` at ${checkpoint.at}.\n\`\`\`json\n${JSON.stringify(signed)}\n\`\`\``,
          },
        ],
        components: [],
        allowed_mentions: { parse: [] },
      });
    },
  };
}

export type CheckpointRead = { ok: true; signed: SignedCheckpoint; source: string } | { ok: false; problem: string };

/**
 * The newest checkpoint from a file of JSON lines (a file sink's) or a URL answering one checkpoint or JSON lines.
 * A line that is not a checkpoint is skipped only if a later one is: the newest must be readable.
 */
export async function readNewestCheckpoint(source: string, fetchFn: typeof fetch): Promise<CheckpointRead> {
  let text: string;
  try {
    if (/^https?:\/\//i.test(source)) {
      const res = await fetchFn(source, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) return { ok: false, problem: `${source} answered ${res.status}` };
      text = await res.text();
    } else text = await readFile(source, 'utf8');
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { ok: false, problem: `cannot read ${source}: ${e.code === 'ENOENT' ? 'no such file' : (e.code ?? e.message)}` };
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const last = lines.at(-1);
  if (!last) return { ok: false, problem: `${source} holds no checkpoint` };
  const signed = asSignedCheckpoint(last);
  return signed ? { ok: true, signed, source } : { ok: false, problem: `the newest entry of ${source} is not a signed checkpoint` };
}

// What a sink stored, read back: the shape is checked here, the signature by verify.
const SignedCheckpointSchema = z.object({
  checkpoint: z.object({
    v: z.literal(1),
    at: z.string(),
    key_id: z.string(),
    rows: z.number().int().min(0),
    chains: z.record(z.string(), z.object({ last_id: z.number().int().min(0), last_hash: z.string(), row_count: z.number().int().min(0) })),
  }),
  signature: z.string(),
});

function asSignedCheckpoint(line: string): SignedCheckpoint | null {
  try {
    const parsed = SignedCheckpointSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // not JSON
  }
}
