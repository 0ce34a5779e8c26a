// The deployment_callback_url comes from the event. The event is signed, but the installation token backstop sends
// there can act on every repository of the installation: it goes only to the configured GitHub API, to the one endpoint
// GitHub documents, for the repository the event is about. Anything else is refused before a request is made.

export interface CallbackTarget {
  owner: string;
  repo: string;
  runId: number;
  /** Rebuilt from the API base and the checked parts, never the received string. */
  url: string;
}

export type CallbackCheck = { ok: true; target: CallbackTarget } | { ok: false; problem: string };

// GitHub's owner (letters, digits, hyphens) and repository names (also "." and "_"). Anything else, an escaped "/"
// included, does not match.
const CALLBACK_PATH = /^\/repos\/([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)\/actions\/runs\/(\d{1,18})\/deployment_protection_rule$/;

/** Checks the callback URL against the API base and the event's repository ("owner/name"). */
export function checkCallbackUrl(apiUrl: string, callbackUrl: string, repository: string): CallbackCheck {
  let api: URL;
  let callback: URL;
  try {
    api = new URL(apiUrl);
    callback = new URL(callbackUrl);
  } catch {
    return { ok: false, problem: `deployment_callback_url "${shorten(callbackUrl)}" is not a URL` };
  }
  const refuse = (why: string): CallbackCheck => ({ ok: false, problem: `refusing deployment_callback_url ${shorten(callbackUrl)}: ${why}` });
  if (callback.origin !== api.origin) return refuse(`it is not on the configured GitHub API ${api.origin}`);
  if (callback.username || callback.password) return refuse('it carries credentials');
  if (callback.search || callback.hash) return refuse('it has a query or fragment');
  const base = api.pathname.replace(/\/+$/, '');
  if (!callback.pathname.startsWith(`${base}/`)) return refuse(`it is not under ${api.origin}${base}`);
  const m = CALLBACK_PATH.exec(callback.pathname.slice(base.length));
  if (!m) return refuse('it is not /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule');
  const [, owner, repo, run] = m as unknown as [string, string, string, string];
  // GitHub's names are case-insensitive.
  if (`${owner}/${repo}`.toLowerCase() !== repository.toLowerCase()) return refuse(`it is for ${owner}/${repo}, not the event's repository ${repository}`);
  const runId = Number(run);
  if (!Number.isSafeInteger(runId) || runId <= 0) return refuse(`run id ${run} is not a workflow run id`);
  return { ok: true, target: { owner, repo, runId, url: `${api.origin}${base}/repos/${owner}/${repo}/actions/runs/${runId}/deployment_protection_rule` } };
}

const shorten = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}…` : text);
