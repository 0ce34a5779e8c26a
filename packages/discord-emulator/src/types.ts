// Shapes shared by the emulator's modules and its public API.

export interface EmulatedUser {
  id: string;
  username: string;
  roles: string[];
}

/** A message as a person in the channel sees it now (edits applied). */
export interface EmulatedMessage {
  id: string;
  channel_id: string;
  author_id: string;
  content: string;
  embeds: any[];
  components: any[];
  /** Discord message flags: 64 ephemeral, 128 loading ("thinking…"), 4 suppress embeds, 32768 components v2. */
  flags: number;
  allowed_mentions: unknown;
  nonce: string | number | null;
  /** Uploaded files (multipart `files[n]`), with the size received. */
  attachments: Array<{ id: string; filename: string; size: number; content_type?: string }>;
  /** How many times the message was edited after it was posted. */
  edits: number;
  /** ISO timestamp of the post (Discord's `timestamp`). */
  created_at: string;
  /**
   * The interaction this message answers: who ran it (an ephemeral reply is shown to that person only) and, for a
   * slash command, its name. Null for messages posted to the channel.
   */
  interaction: { user_id: string; name: string | null } | null;
}

export interface EmulatedInteraction {
  id: string;
  token: string;
  /** ms from dispatch to the first callback POST (undefined until acknowledged) */
  ackMs?: number;
  /** Interaction callback bodies in order (4 reply, 5 defer, 6 deferred update, 7 update, 8 autocomplete, 9 modal). */
  callbacks: Array<{ type: number; data?: any }>;
  /** The original response message as it is now (after @original edits); includes flags (64 = ephemeral). */
  original(): EmulatedMessage | undefined;
  followUps(): EmulatedMessage[];
  /** Resolves with fn(this) once it is truthy, e.g. i => i.original()?.content (default timeout 5 s). */
  until<T>(fn: (i: EmulatedInteraction) => T | undefined | null | false, timeoutMs?: number): Promise<T>;
}

export interface RequestRecord {
  method: string;
  /** Path below /api/v10, e.g. /channels/123/messages, with %40original decoded. */
  path: string;
  status: number;
  at: number;
}

/** Where violations go: every module that notices the bot doing something Discord would refuse pushes here. */
export type ViolationSink = (message: string) => void;
