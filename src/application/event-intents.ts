/**
 * Event intents, written once for every flow whose answer is stored in a document and then raised as
 * an external event to an orchestration (a customer's invitation decision, a partner switch's two
 * answers). The change and an intent ("tell the orchestration") are stored in one atomic write; the
 * request then raises the event and settles the intent. A host that dies in between leaves the
 * intent, and the recovery sweep (host start-up and a timer) raises the event again: the answering
 * party's retry cannot help, since its answer is already stored and the retry is a no-op (or 410).
 *
 * The intent is settled once the raise returned, that is once the event sits in the durable store's
 * queue, from which the orchestration consumes it at least once; the orchestrations read their
 * document on every such event, so a second raise (a recovery racing a request still running, an
 * instance already finished) changes nothing.
 */

/** Intents per query; a sweep queries again until none is left. */
export const INTENT_BATCH = 100;

/** Raises an event, trying twice; false (after `gaveUp`) when it could not be raised now. */
export async function raiseWithRetry(
  raise: () => Promise<void>,
  gaveUp: (error: unknown) => void,
): Promise<boolean> {
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      await raise();
      return true;
    } catch (error) {
      if (attempt === 2) gaveUp(error);
    }
  }
  return false;
}

/**
 * After the change and its intent were stored: raise, then settle. Left behind (the raise failed, or
 * the settle did), the intent only costs a harmless second event at the next recovery.
 */
export async function raiseThenSettle(
  raise: () => Promise<void>,
  settle: () => Promise<void>,
  gaveUp: (error: unknown) => void,
): Promise<void> {
  if (await raiseWithRetry(raise, gaveUp)) await settle().catch(() => undefined);
}

export interface IntentRecoveryResult {
  /** Events raised again on their orchestration (a finished or missing one counts: nothing to tell). */
  raised: number;
  /** Intents whose document is gone or no longer says what they announce: nothing to tell. */
  dropped: number;
  /** Intents that failed this time; they stay for the next run. */
  failed: number;
}

export interface IntentSweep<I> {
  /** Intents not yet settled, at most `limit`, oldest first. */
  pending(limit: number): Promise<I[]>;
  /** Raises the intent's event from what its document says now; false when there is nothing to tell. */
  tell(intent: I): Promise<boolean>;
  /** Forgets the intent (idempotent). */
  settle(intent: I): Promise<void>;
}

/** The recovery sweep: every pending intent told again, then settled. */
export async function recoverIntents<I>(sweep: IntentSweep<I>): Promise<IntentRecoveryResult> {
  const result: IntentRecoveryResult = { raised: 0, dropped: 0, failed: 0 };
  for (;;) {
    const intents = await sweep.pending(INTENT_BATCH);
    for (const intent of intents) {
      try {
        const told = await sweep.tell(intent);
        await sweep.settle(intent);
        if (told) result.raised++;
        else result.dropped++;
      } catch {
        // One intent that cannot be carried out now (backend throttling, say) must not hold up the
        // others; it stays, and the next run tries it again.
        result.failed++;
      }
    }
    // A batch with failures would be read again as it is: leave it to the next run.
    if (intents.length < INTENT_BATCH || result.failed > 0) return result;
  }
}
