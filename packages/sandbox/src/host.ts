import type { Server } from 'node:http';
import type { Hono } from 'hono';
import type { z } from 'zod';

/** The Discord the sandbox brings: the emulator's address and its bot's login. */
export interface SandboxDiscord {
  apiUrl: string;
  botToken: string;
  applicationId: string;
  guildId: string;
}

export interface HostedBackstop {
  /** backstop's HTTP server (for the page's address). */
  server: Pick<Server, 'address'>;
  close(): Promise<void>;
}

/** The error codes the page's routes answer with, in backstop's own error shape. */
export type SandboxErrorCode = 'BAD_REQUEST' | 'VALIDATION_FAILED' | 'CONFLICT';

/**
 * What the sandbox needs of backstop, handed in by backstop itself (`backstop demo`, the tests): the sandbox does not
 * import the product, so the product can ship without it, and every part it drives is the real one.
 */
export interface SandboxHost {
  /** What `backstop commands register` does, against the sandbox's Discord. */
  registerCommands(discord: SandboxDiscord): Promise<unknown>;
  /**
   * Every role of backstop (api, worker, gateway) in this process, logged into the sandbox's Discord, with this policy file
   * document and these API tokens; `mount` adds the page's routes to backstop's HTTP app before it listens.
   */
  start(input: { discord: SandboxDiscord; policy: string; tokens: Record<string, string>; mount(app: Hono): void }): Promise<HostedBackstop>;
  /** An error backstop's HTTP error handler answers as it answers its own: a status, a code and, for input, which field. */
  httpError(code: SandboxErrorCode, message: string, issues?: z.ZodError): Error;
}
