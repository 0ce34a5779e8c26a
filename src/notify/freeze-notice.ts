import type { DeployPassRow, FreezeRow, GithubProtectionRequestRow } from '../db/schema/index.ts';
import type { FreezeNotice } from './notifier.ts';

/** The notice of a freeze set or lifted by hand, sent once its transaction has committed. */
export function freezeNotice(kind: 'freeze_set' | 'freeze_lifted', f: FreezeRow): FreezeNotice {
  const summary =
    kind === 'freeze_set'
      ? `${f.setByName ?? f.setBy} froze ${f.service} in ${f.environment} until ${f.endsAt.toISOString()}: ${f.reason}`
      : `${f.liftedBy ?? 'someone'} lifted the freeze on ${f.service} in ${f.environment}${f.liftReason ? `: ${f.liftReason}` : ''}`;
  return { kind, id: f.freezeId, service: f.service, environment: f.environment, summary };
}

/** The notice of a pass asked for or granted, sent once its transaction has committed. */
export function passNotice(kind: 'pass_requested' | 'pass_granted', p: DeployPassRow): FreezeNotice {
  const summary =
    kind === 'pass_requested'
      ? `${p.requestedByName ?? p.requestedBy} asks to let ${p.service} ${p.version} through the freezes in ${p.environment}: ${p.reason}`
      : `${p.grantedByName ?? p.grantedBy ?? 'someone'} granted the pass for ${p.service} ${p.version} in ${p.environment}`;
  return { kind, id: p.passId, service: p.service, environment: p.environment, summary };
}

/** The notice of a GitHub deployment the gate held, or how it ended, sent once its row has changed. */
export function githubNotice(r: Pick<GithubProtectionRequestRow, 'requestId' | 'repository' | 'githubEnvironment' | 'service' | 'environment'>, state: string): FreezeNotice {
  return {
    kind: 'github_deployment',
    id: r.requestId,
    service: r.service ?? r.repository,
    environment: r.environment ?? r.githubEnvironment,
    summary: `GitHub deployment of ${r.repository} to ${r.githubEnvironment}: ${state}`,
  };
}
