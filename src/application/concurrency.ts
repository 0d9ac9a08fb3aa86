import { ConcurrencyConflict, type Versioned } from "./ports";

/** What a decision on the current version asks for: write a new value, or stop with a result. */
export type Decision<T, R> = { write: T; after: (saved: Versioned<T>) => R | Promise<R> } | { done: R };

export interface ConditionalUpdate<T, R, V extends Versioned<T> = Versioned<T>> {
  /** Reads the current version; throws (e.g. not found) when there is nothing to decide on. */
  read(): Promise<V>;
  /** A version already read by the caller, used for the first attempt instead of reading again. */
  first?: V;
  /** Decides on what is there now; may throw a refusal. Runs again on every attempt. */
  decide(current: V): Decision<T, R> | Promise<Decision<T, R>>;
  /** The conditional replace: throws ConcurrencyConflict when the ETag no longer matches. */
  replace(next: T, etag: string): Promise<Versioned<T>>;
  /** Attempts in all, the first included. */
  attempts: number;
  /** What to throw once every attempt lost a race; by default the last ConcurrencyConflict. */
  exhausted?: () => Error;
}

/**
 * The optimistic-concurrency loop, written once: read, decide, replace on the ETag that was read,
 * and on a lost race read again and decide again on what won (which may now refuse or be done).
 */
export async function updateWithRetry<T, R, V extends Versioned<T> = Versioned<T>>(
  update: ConditionalUpdate<T, R, V>,
): Promise<R> {
  let current = update.first;
  for (let attempt = 1; ; attempt++) {
    current ??= await update.read();
    const decision = await update.decide(current);
    if ("done" in decision) return decision.done;
    let saved: Versioned<T>;
    try {
      saved = await update.replace(decision.write, current.etag);
    } catch (error) {
      if (!(error instanceof ConcurrencyConflict)) throw error;
      if (attempt >= update.attempts) throw update.exhausted?.() ?? error;
      current = undefined;
      continue;
    }
    return decision.after(saved);
  }
}
