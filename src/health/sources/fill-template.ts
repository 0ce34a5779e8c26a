import type { SourceTarget } from './types.ts';

const PLACEHOLDER = /\{(service|environment|version|deployment_id|window)\}/g;

/**
 * Substitutes {service}, {environment}, {version} and {deployment_id}, each passed through `escape`, and {window}: the
 * span judged, as a PromQL duration (backstop writes it, so it is not escaped).
 * One pass over the template, so a value that itself contains "{version}" is never expanded a second time.
 */
export function fillTemplate(template: string, target: SourceTarget, escape: (value: string) => string): string {
  return template.replace(PLACEHOLDER, (_m, name: string) => {
    if (name === 'window') return promDuration(target.windowMs ?? DEFAULT_WINDOW_MS);
    const value = name === 'service' ? target.service : name === 'environment' ? target.environment : name === 'version' ? target.version : target.deploymentId;
    return escape(value);
  });
}

/**
 * Escapes a value for the inside of a PromQL double-quoted string. The values come from the database (CI wrote them), so
 * a quote must not end the literal and inject PromQL: backslash and double quote are escaped, and line breaks and other
 * control characters are dropped (a raw newline ends a PromQL string; the rest have no place in a label value).
 */
export function promqlStringContent(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]/g, '').replace(/[\\"]/g, (c) => `\\${c}`);
}

// A query that asks {window} without a deployment to measure it from (a reading outside a watch) gets the watch's default.
const DEFAULT_WINDOW_MS = 5 * 60_000;

/** Whole seconds, at least one: PromQL rejects a zero range. */
export const promDuration = (ms: number) => `${Math.max(1, Math.round(ms / 1000))}s`;

/** The span a query's {window} covers for a deployment read now: since it began, at least a minute (a rate needs two scrapes). */
export const windowSince = (deployedAt: Date, now: Date) => Math.max(60_000, now.getTime() - deployedAt.getTime());
