import { z } from 'zod';
import { formatIssues, type FieldError } from '../config/format-issues.ts';

// Alertmanager's webhook body (webhook_config, payload version "4"). Objects are not strict: Alertmanager adds fields over
// time, and an upgrade on their side must not make every alert bounce off backstop.

// A map of label or annotation names to strings. z.object().catchall() rather than z.record(), so a wrong type reads
// "expected an object", not zod's "expected a record".
const StringMap = z.object({}).catchall(z.string());
// Go writes RFC 3339 with nanoseconds, and "0001-01-01T00:00:00Z" for "no end yet".
const Timestamp = z.iso.datetime({ offset: true });
const AlertStatus = z.enum(['firing', 'resolved']);

export const AlertmanagerAlertSchema = z.object({
  status: AlertStatus,
  labels: StringMap,
  annotations: StringMap,
  startsAt: Timestamp,
  endsAt: Timestamp,
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1),
});

export const AlertmanagerPayloadSchema = z.object({
  version: z.literal('4'),
  receiver: z.string(),
  status: AlertStatus,
  alerts: z.array(AlertmanagerAlertSchema).min(1, 'expected at least one alert'),
  groupLabels: StringMap,
  commonLabels: StringMap,
  commonAnnotations: StringMap,
  externalURL: z.string(),
  groupKey: z.string(),
  // How many alerts Alertmanager left out because of the receiver's max_alerts.
  truncatedAlerts: z.number().int().min(0).optional(),
});

export type AlertmanagerAlert = z.infer<typeof AlertmanagerAlertSchema>;
export type AlertmanagerPayload = z.infer<typeof AlertmanagerPayloadSchema>;

export type ParsedAlertmanagerPayload = { ok: true; payload: AlertmanagerPayload } | { ok: false; errors: FieldError[] };

/** Validates a webhook body; a bad one comes back as "path: message" errors, the same shape the rest of the API reports. */
export function parseAlertmanagerPayload(body: unknown): ParsedAlertmanagerPayload {
  // reportInput lets a message tell "missing" from "wrong type"; only path and message leave this function, never the input.
  const parsed = AlertmanagerPayloadSchema.safeParse(body, { reportInput: true });
  return parsed.success ? { ok: true, payload: parsed.data } : { ok: false, errors: formatIssues(parsed.error) };
}
