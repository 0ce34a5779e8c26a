// Shared by the definitions and the handlers, so what Discord's client enforces and what backstop checks agree.
export const REASON_MAX = 1000;
export const HISTORY_LIMIT_MAX = 25;
