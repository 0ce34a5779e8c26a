// The pretend people in the sandbox's guild. Each holds the Discord roles the sandbox policy maps to backstop's
// approver, override and viewer roles, so the page shows backstop refusing and accepting exactly as it would in a
// real server: backstop authorizes from these roles itself.

export type SandboxRole = 'approver' | 'override' | 'viewer' | 'oncall';

export interface Persona {
  key: string;
  username: string;
  /** Shown under the name on the page. */
  title: string;
  roles: SandboxRole[];
  /** Avatar color (the page draws an initial on it: the sandbox loads nothing from outside). */
  color: string;
}

export const PERSONAS: readonly Persona[] = [
  { key: 'alice', username: 'alice', title: 'SRE on call · approver', roles: ['approver', 'oncall'], color: '#5865f2' },
  { key: 'bob', username: 'bob', title: 'Backend lead · approver, override', roles: ['approver', 'override'], color: '#3ba55c' },
  { key: 'vic', username: 'vic', title: 'Product manager · viewer', roles: ['viewer'], color: '#faa61a' },
  { key: 'mallory', username: 'mallory', title: 'Just joined · no backstop role', roles: [], color: '#ed4245' },
];

export const ROLE_NAMES: Record<SandboxRole, string> = { approver: 'approver', override: 'override', viewer: 'viewer', oncall: 'on-call' };
