import { createHash } from 'node:crypto';

/** Discord nonces are at most 25 characters; one per (event, purpose) makes a retried post return the first message. */
export const nonceFor = (eventId: string, purpose: string) => createHash('sha256').update(`${eventId}:${purpose}`).digest('base64url').slice(0, 25);
