// What the sandbox server and its page say to each other: the routes send these shapes and the page reads them.
// Types only, with no imports beyond the emulator's own types, so the browser code type-checks against the same file.
import type { EmulatedMessage } from '@backstop/discord-emulator/types';

export type PageMessage = EmulatedMessage;

export interface Narration {
  at: string;
  text: string;
  kind: 'step' | 'done' | 'failed';
}

export interface PagePerson {
  key: string;
  username: string;
  title: string;
  roles: string[];
  color: string;
  user_id: string;
}

/** Everything a fresh page needs to draw the channel as it is now. */
export interface Snapshot {
  guild_id: string;
  channel: { id: string; name: string };
  bot: { id: string; username: string };
  people: PagePerson[];
  role_names: Record<string, string>;
  commands: any[];
  messages: PageMessage[];
  narration: Narration[];
  playing: boolean;
  /** Anything backstop sent that real Discord would refuse; the page shows the count, and it should stay 0. */
  violations: number;
}

/** A modal backstop asked Discord to show, in the shape the page renders. */
export interface ShownModal {
  custom_id: string;
  title: string;
  message_id?: string;
  inputs: Array<{ custom_id: string; label: string; style: 'short' | 'paragraph'; required: boolean; min_length?: number; max_length?: number; placeholder?: string }>;
}

/** What a person's action led to. `error` is what Discord's own client would say; backstop's replies arrive as messages. */
export type ActionResult = { ok: true; modal?: ShownModal; choices?: Array<{ name: string; value: string }> } | { ok: false; error: string };
