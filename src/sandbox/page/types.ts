// What the sandbox server sends the page (see ../routes.ts).

export interface PagePerson {
  key: string;
  username: string;
  title: string;
  roles: string[];
  color: string;
  user_id: string;
}

export interface PageMessage {
  id: string;
  channel_id: string;
  author_id: string;
  content: string;
  embeds: any[];
  components: any[];
  flags: number;
  edits: number;
  created_at: string;
  interaction: { user_id: string; name: string | null } | null;
}

export interface Narration {
  at: string;
  text: string;
  kind: 'step' | 'done' | 'failed';
}

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
  violations: number;
}

export interface ShownModal {
  custom_id: string;
  title: string;
  message_id?: string;
  inputs: Array<{ custom_id: string; label: string; style: 'short' | 'paragraph'; required: boolean; min_length?: number; max_length?: number; placeholder?: string }>;
}

export type ActionResult = { ok: true; modal?: ShownModal; choices?: Array<{ name: string; value: string }> } | { ok: false; error: string };
