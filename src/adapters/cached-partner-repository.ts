import type { PartnerRepository } from "../application/ports";
import type { Partner } from "../domain/model";
import { ReadThroughCache, type ReadThroughCacheOptions } from "./read-through-cache";

/**
 * How long a partner read (or its absence) is reused. Partners change only through the operator's
 * `PUT /api/partners/{id}` and rarely; every invitation step reads its partner (and asks whether the
 * customer's tenant is an enrolled partner), so without this each lifecycle paid about five point
 * reads for the same few documents (issue 11). A write through this instance replaces its entry at
 * once; another instance's write is seen here within the TTL at most.
 */
export const PARTNER_CACHE_TTL_MS = 30_000;

/** The partner repository behind a read-through cache (./read-through-cache). */
export class CachedPartnerRepository implements PartnerRepository {
  private readonly cache: ReadThroughCache<Partner>;

  constructor(
    private readonly inner: PartnerRepository,
    options: Partial<ReadThroughCacheOptions> = {},
  ) {
    this.cache = new ReadThroughCache({ ttlMs: PARTNER_CACHE_TTL_MS, ...options });
  }

  get(id: string): Promise<Partner | undefined> {
    return this.cache.get(id, () => this.inner.get(id));
  }

  async put(partner: Partner): Promise<{ created: boolean; partner: Partner }> {
    this.cache.forget(partner.id);
    const result = await this.inner.put(partner);
    this.cache.set(partner.id, result.partner);
    return result;
  }

  resellerIdsOf(providerId: string): Promise<string[]> {
    return this.inner.resellerIdsOf(providerId);
  }
}
