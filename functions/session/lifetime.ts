/** How long tokens and sessions live, from SESSION_TOKEN_HOURS and SESSION_DAYS. */
export interface LifetimeEnv {
  SESSION_TOKEN_HOURS?: string;
  SESSION_DAYS?: string;
}

function whole(value: string | undefined, fallback: number, min: number, max: number): number {
  const number = Number(value);
  return Number.isInteger(number) && number >= min && number <= max ? number : fallback;
}

/** Seconds a session token is valid: short, so a logout or a cancellation reaches every device soon. */
export function tokenLifetime(env: LifetimeEnv): number {
  return whole(env.SESSION_TOKEN_HOURS, 12, 1, 72) * 3600;
}

/** Seconds a login lasts, renewed token by token, before the reader must log in again. */
export function sessionLifetime(env: LifetimeEnv): number {
  return whole(env.SESSION_DAYS, 30, 1, 365) * 86_400;
}
