// Buttons and modals carry what they act on in their custom_id (max 100 characters): `bs:<action>:<argument>`.
// Parsing is strict, because a custom_id arrives from the network like any other input.

export type CustomId =
  | { action: 'approve' | 'reject' | 'details'; eventId: string }
  | { action: 'decide-modal'; decision: 'approve' | 'reject'; eventId: string }
  | { action: 'history'; page: string }
  | { action: 'unfreeze' | 'let-through' | 'let-through-modal'; freezeId: string }
  | { action: 'grant-pass'; passId: string }
  | { action: 'false-alarm' | 'false-alarm-modal'; decisionId: number };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// A health decision's id (bigserial): digits, no leading zero, within JavaScript's exact integers.
const DECISION_ID = /^[1-9][0-9]{0,14}$/;

export const customId = {
  approve: (eventId: string) => `bs:approve:${eventId}`,
  reject: (eventId: string) => `bs:reject:${eventId}`,
  details: (eventId: string) => `bs:details:${eventId}`,
  decideModal: (decision: 'approve' | 'reject', eventId: string) => `bs:decide-${decision}:${eventId}`,
  /** The page state (filters and cursor) is encoded, and must stay within the 100-character limit. */
  history: (page: string) => `bs:history:${page}`,
  unfreeze: (freezeId: string) => `bs:unfreeze:${freezeId}`,
  /** The freeze card's "Let one deploy through": opens the modal asking for the version and the reason. */
  letThrough: (freezeId: string) => `bs:let-through:${freezeId}`,
  letThroughModal: (freezeId: string) => `bs:let-through-modal:${freezeId}`,
  grantPass: (passId: string) => `bs:grant-pass:${passId}`,
  /** "False alarm" on a warning or a rejected proposal: opens the modal asking, optionally, why. */
  falseAlarm: (decisionId: number) => `bs:false-alarm:${decisionId}`,
  falseAlarmModal: (decisionId: number) => `bs:false-alarm-modal:${decisionId}`,
};

export function parseCustomId(raw: string): CustomId | null {
  const [prefix, action, ...rest] = raw.split(':');
  const arg = rest.join(':');
  if (prefix !== 'bs' || !action) return null;
  switch (action) {
    case 'approve':
    case 'reject':
    case 'details':
      return UUID.test(arg) ? { action, eventId: arg } : null;
    case 'decide-approve':
    case 'decide-reject':
      return UUID.test(arg) ? { action: 'decide-modal', decision: action === 'decide-approve' ? 'approve' : 'reject', eventId: arg } : null;
    case 'history':
      return arg.length > 0 ? { action: 'history', page: arg } : null;
    case 'unfreeze':
    case 'let-through':
    case 'let-through-modal':
      return UUID.test(arg) ? { action, freezeId: arg } : null;
    case 'grant-pass':
      return UUID.test(arg) ? { action, passId: arg } : null;
    case 'false-alarm':
    case 'false-alarm-modal':
      return DECISION_ID.test(arg) ? { action, decisionId: Number(arg) } : null;
    default:
      return null;
  }
}
