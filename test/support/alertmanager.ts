import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnServer } from './spawn-server.ts';

export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

export interface AlertmanagerServer {
  url: string;
  /** POST /api/v2/alerts: a firing alert with these labels (no endsAt, so it fires until resolved or resolve_timeout). */
  fireAlert(labels: Record<string, string>, annotations?: Record<string, string>): Promise<void>;
  /** The same labels again with endsAt in the past: Alertmanager marks the alert resolved and notifies send_resolved receivers. */
  resolveAlert(labels: Record<string, string>): Promise<void>;
  output(): string;
  close(): Promise<void>;
}

export interface StartAlertmanagerOptions {
  webhookUrl: string;
  /** Sent by Alertmanager as "Authorization: Bearer <token>" (http_config.authorization). */
  bearerToken?: string;
  groupBy?: string[];
  groupWaitMs?: number;
  groupIntervalMs?: number;
}

/** A real Alertmanager (Debian's /usr/bin/prometheus-alertmanager), clustering off, its one receiver a webhook. */
export async function startAlertmanager(opts: StartAlertmanagerOptions): Promise<AlertmanagerServer> {
  // A unique receiver name lets us tell our Alertmanager from a leftover one answering on a reused port.
  const receiver = `backstop-${randomUUID()}`;
  const config = {
    route: {
      receiver,
      group_by: opts.groupBy ?? ['alertname', 'service', 'environment'],
      // Short waits so the test sees a notification within a second or two instead of Alertmanager's 30 s / 5 min.
      group_wait: `${opts.groupWaitMs ?? 500}ms`,
      group_interval: `${opts.groupIntervalMs ?? 1_000}ms`,
      repeat_interval: '1h',
    },
    receivers: [
      {
        name: receiver,
        webhook_configs: [
          {
            url: opts.webhookUrl,
            send_resolved: true,
            ...(opts.bearerToken ? { http_config: { authorization: { type: 'Bearer', credentials: opts.bearerToken } } } : {}),
          },
        ],
      },
    ],
  };

  const server = await spawnServer({
    name: 'alertmanager',
    binary: ALERTMANAGER_BIN,
    prepare: (dir) => writeFile(join(dir, 'alertmanager.yml'), JSON.stringify(config, null, 2)),
    args: (dir, port) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Empty disables the gossip cluster, which would otherwise bind 0.0.0.0:9094 and clash between parallel runs.
      '--cluster.listen-address=',
    ],
    isOurs: async (url) => {
      const res = await fetch(`${url}/api/v2/status`, { signal: AbortSignal.timeout(1_000) });
      const body = (await res.json()) as { config?: { original?: string } };
      return body.config?.original?.includes(receiver) ?? false;
    },
  });

  const post = async (alerts: unknown[]) => {
    const res = await fetch(`${server.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) throw new Error(`alertmanager rejected the alert: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  // An alert's identity is its label set; remember when each started so the resolve carries the same startsAt.
  const startedAt = new Map<string, { startsAt: string; annotations: Record<string, string> }>();
  const keyOf = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));

  return {
    url: server.url,
    async fireAlert(labels, annotations = {}) {
      const startsAt = new Date().toISOString();
      startedAt.set(keyOf(labels), { startsAt, annotations });
      await post([{ labels, annotations, startsAt, generatorURL: 'http://127.0.0.1/backstop-test' }]);
    },
    async resolveAlert(labels) {
      const known = startedAt.get(keyOf(labels));
      const endsAt = new Date(Date.now() - 1_000);
      const startsAt = known?.startsAt ?? new Date(endsAt.getTime() - 1_000).toISOString();
      // endsAt must not precede startsAt, or Alertmanager rejects the alert.
      const end = new Date(Math.max(endsAt.getTime(), Date.parse(startsAt))).toISOString();
      await post([{ labels, annotations: known?.annotations ?? {}, startsAt, endsAt: end, generatorURL: 'http://127.0.0.1/backstop-test' }]);
    },
    output: server.output,
    close: server.close,
  };
}

export interface ReceivedWebhook {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Resolves with the first request (already received or still to come) that matches. */
  waitFor(match: (r: ReceivedWebhook) => boolean, timeoutMs?: number): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}

/** A local HTTP endpoint that records every request and answers 200, standing in for backstop's alert webhook. */
export async function startWebhookReceiver(path = '/alerts'): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      let json: unknown = undefined;
      try {
        json = JSON.parse(body);
      } catch {
        // Kept as text; the test decides whether that is a failure.
      }
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    waitFor(match, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = received.find(match);
          if (!hit) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(hit);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching webhook within ${timeoutMs} ms; received ${received.length}: ${received.map((r) => r.body).join('\n')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
