// A card links to the workflow run a deployment waits in. The event names only the API's callback URL, so the page a
// person opens is derived from it: the API host maps to its web host, and anything not shaped like GitHub's gets no
// link rather than a guessed one.

const CALLBACK_PATH = /^(\/api\/v3)?\/repos\/([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)\/actions\/runs\/(\d{1,18})\/deployment_protection_rule$/;

/** The workflow run's web page for a deployment_callback_url, or null when the URL is not one GitHub would send. */
export function workflowRunUrl(callbackUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(callbackUrl);
  } catch {
    return null;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash) return null;
  const m = CALLBACK_PATH.exec(url.pathname);
  if (!m) return null;
  const [, enterprisePrefix, owner, repo, runId] = m as unknown as [string, string | undefined, string, string, string];
  const web = enterprisePrefix ? url.origin : webOriginOf(url);
  return web && `${web}/${owner}/${repo}/actions/runs/${runId}`;
}

/** github.com's API host, and GitHub Enterprise Cloud's api.<name>.ghe.com; Enterprise Server serves its API under /api/v3. */
function webOriginOf(url: URL): string | null {
  if (url.hostname === 'api.github.com') return 'https://github.com';
  if (/^api\.[a-z0-9-]+\.ghe\.com$/.test(url.hostname)) return `https://${url.hostname.slice('api.'.length)}`;
  return null;
}
