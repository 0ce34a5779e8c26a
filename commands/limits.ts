// Shared by the definitions and the handlers, so what Discord's client enforces and what backstop checks agree.
export const REASON_MAX = 1000;
export const HISTORY_LIMIT_MAX = 25;
/** A service or environment name in the policy file: a letter or digit, then up to 62 more. */
export const NAME_MAX = 63;
/** "30m", "2h", "3d": a little room for "1.5d" and the like, none for prose. */
export const FREEZE_DURATION_MAX_LENGTH = 16;
/** A version label, as the gate and the API take it. */
export const VERSION_MAX = 100;
