import { lawResult } from './law-result.ts';
import type { Law } from './types.ts';

// Law 3, reduce entropy (the error rate): an automatic rollback of an already stable service only adds risk. People
// are never blocked by it, because feature bugs and security fixes raise no errors. Unknown is never "stable".
export const totalCoherence: Law = (facts) => {
  const rate = facts.entropy.errorRatePerMinute;
  const limit = facts.policy.stable_error_rate_per_minute;
  const title = 'Law of Total Coherence';
  if (rate === null) return lawResult('total_coherence', title, [], ['entropy unknown: no recent health sample']);
  if (rate >= limit) return lawResult('total_coherence', title, []);
  const stable = `system already stable: error rate ${rate}/min is below ${limit}/min`;
  if (facts.triggerType === 'automatic') return lawResult('total_coherence', title, [`${stable}; an automatic rollback would only add risk`]);
  return lawResult('total_coherence', title, [], [`${stable}; manual rollback allowed (feature bugs and security fixes raise no errors)`]);
};
