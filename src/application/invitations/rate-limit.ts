import { DomainError } from "../../domain/errors";
import { MINUTE_MS } from "../../domain/time";
import type { Clock, CreationWindow } from "../ports";

/**
 * Each accepted invitation costs customer email, and the email service is itself rate limited per
 * sender domain (docs/rules.md: 30/min, 100/hour on a custom domain), so one partner's burst must not
 * use up everyone's sending. A fixed one-minute window per partner: simple, one counter document,
 * and a client can be told exactly when the next window opens.
 */
export const RATE_WINDOW_MS = MINUTE_MS;

/** The counter outlives its window a little, then Cosmos' per-item TTL drops it. */
export const RATE_WINDOW_TTL_SECONDS = 120;

export interface CreationRateLimit {
  window: CreationWindow;
  /** Epoch ms at which the next window opens. */
  endsAt: number;
}

/** The window `now` falls in; undefined when the limit is off (0 or not configured). */
export function creationRateLimit(now: Date, perMinute: number | undefined): CreationRateLimit | undefined {
  if (!perMinute || perMinute <= 0) return undefined;
  const start = Math.floor(now.getTime() / RATE_WINDOW_MS) * RATE_WINDOW_MS;
  return {
    window: { start: new Date(start).toISOString(), limit: perMinute, ttlSeconds: RATE_WINDOW_TTL_SECONDS },
    endsAt: start + RATE_WINDOW_MS,
  };
}

/** 429 naming when to come back: whole seconds to the next window, at least one. */
export function creationRateLimited(limit: CreationRateLimit, clock: Clock): DomainError {
  const retryAfterSeconds = Math.max(1, Math.ceil((limit.endsAt - clock.now().getTime()) / 1000));
  return new DomainError(
    "rateLimited",
    `This partner may create at most ${limit.window.limit} invitations a minute; try again in ${retryAfterSeconds} seconds.`,
    { retryAfterSeconds },
  );
}
