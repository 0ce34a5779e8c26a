import type { SourceTarget } from './types.ts';

const PLACEHOLDER = /\{(service|environment|version|deployment_id)\}/g;

/**
 * Substitutes {service}, {environment}, {version} and {deployment_id}, each passed through `escape`.
 * One pass over the template, so a value that itself contains "{version}" is never expanded a second time.
 */
export function fillTemplate(template: string, target: SourceTarget, escape: (value: string) => string): string {
  return template.replace(PLACEHOLDER, (_m, name: string) => {
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
