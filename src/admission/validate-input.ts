import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';

export const ReasonSchema = z
  .string({ error: 'reason is required' })
  .trim()
  .min(1, 'reason must not be empty')
  .max(1000, 'reason must be at most 1000 characters')
  // PostgreSQL cannot store U+0000, nor an unpaired surrogate (no UTF-8 form); the CLI and Discord reach the core
  // without the HTTP boundary's check.
  .refine((r) => !r.includes('\u0000'), 'reason must not contain NUL characters')
  .refine((r) => !/\p{Cs}/u.test(r), 'reason must not contain an unpaired surrogate (\\ud800–\\udfff)');

export const UuidSchema = z.uuid({ error: 'expected a UUID such as 3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c' });

/** The core re-checks what every boundary checks, so the CLI and future callers cannot skip it. */
export function requireReason(reason: unknown, field = 'reason'): string {
  const parsed = ReasonSchema.safeParse(reason);
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', `${field}: ${parsed.error.issues[0]?.message}`, { details: [{ path: field, message: parsed.error.issues[0]?.message }] });
  return parsed.data;
}

export function requireUuid(value: unknown, field: string): string {
  const parsed = UuidSchema.safeParse(value);
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', `${field}: expected a UUID, got ${JSON.stringify(String(value).slice(0, 60))}`, { details: [{ path: field, message: 'expected a UUID' }] });
  return parsed.data;
}

export const isUuid = (value: unknown): value is string => UuidSchema.safeParse(value).success;
