import type { PartnerRepository } from "../application/ports";
import type { Partner } from "../domain/model";

/**
 * How long a partner read (or its absence) is reused. Partners change only through the operator's
 * `PUT /api/partners/{id}` and rarely; every invitation step reads its partner (and asks whether the
 * customer's tenant is an enrolled partner), so without this each lifecycle paid about five point
 * reads for the same few documents (issue 11). A write through this instance replaces its entry at
 * once; another instance's write is seen here within the TTL at most.
 */
export const PARTNER_CACHE_TTL_MS = 30_000;

interface Entry {
  at: number;
  value: Promise<Partner | undefined>;
}

/**
 * A read-through cache in front of the partner repository: the document stays the truth (every
 * write goes straight to it, and refreshes the entry), reads within the TTL are answered from
 * memory, and concurrent reads of one partner share a single request. Callers get copies.
 */
export class CachedPartnerRepository implements PartnerRepository {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly inner: PartnerRepository,
    private readonly options: { ttlMs?: number; now?: () => number; maxEntries?: number } = {},
  ) {}

  private now(): number {
    return this.options.now?.() ?? performance.now();
  }

  async get(id: string): Promise<Partner | undefined> {
    const now = this.now();
    let entry = this.entries.get(id);
    if (!entry || now - entry.at >= (this.options.ttlMs ?? PARTNER_CACHE_TTL_MS)) {
      const value = this.inner.get(id);
      entry = { at: now, value };
      this.remember(id, entry);
      // A failed read is not an answer to keep.
      value.catch(() => {
        if (this.entries.get(id)?.value === value) this.entries.delete(id);
      });
    }
    const found = await entry.value;
    return found ? structuredClone(found) : undefined;
  }

  async put(partner: Partner): Promise<{ created: boolean; partner: Partner }> {
    this.entries.delete(partner.id);
    const result = await this.inner.put(partner);
    this.remember(partner.id, { at: this.now(), value: Promise.resolve(structuredClone(result.partner)) });
    return result;
  }

  resellerIdsOf(providerId: string): Promise<string[]> {
    return this.inner.resellerIdsOf(providerId);
  }

  private remember(id: string, entry: Entry): void {
    // Bounded: the oldest entries go first (Map keeps insertion order).
    this.entries.delete(id);
    this.entries.set(id, entry);
    const max = this.options.maxEntries ?? 10_000;
    while (this.entries.size > max) this.entries.delete(this.entries.keys().next().value!);
  }
}
