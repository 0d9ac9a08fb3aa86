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

const ENROLLED_IDS = "enrolled";

/** The partner repository behind a read-through cache (./read-through-cache). */
export class CachedPartnerRepository implements PartnerRepository {
  private readonly cache: ReadThroughCache<Partner>;
  private readonly idSet: ReadThroughCache<ReadonlySet<string>>;

  constructor(
    private readonly inner: PartnerRepository,
    options: Partial<Omit<ReadThroughCacheOptions, "copy">> = {},
  ) {
    this.cache = new ReadThroughCache({ ttlMs: PARTNER_CACHE_TTL_MS, ...options });
    // Read-only to every caller: shared, not copied per question.
    this.idSet = new ReadThroughCache({ ttlMs: PARTNER_CACHE_TTL_MS, ...options, copy: (ids) => ids });
  }

  get(id: string): Promise<Partner | undefined> {
    return this.cache.get(id, () => this.inner.get(id));
  }

  /**
   * Customers' tenants are almost never partners, and each is asked about once or twice: a per-id
   * cache would miss every time. The set of enrolled ids, read at most once per TTL (one query
   * however many tenants are asked about), answers "no" without a read; "yes" reads the partner.
   */
  async findEnrolled(tenantId: string): Promise<Partner | undefined> {
    const ids = await this.idSet.get(ENROLLED_IDS, async () => new Set(await this.inner.enrolledIds()));
    return ids?.has(tenantId) ? this.get(tenantId) : undefined;
  }

  enrolledIds(): Promise<string[]> {
    return this.inner.enrolledIds();
  }

  async put(partner: Partner): Promise<{ created: boolean; partner: Partner }> {
    this.cache.forget(partner.id);
    const result = await this.inner.put(partner);
    // An enrolment through this instance is known here at once, not only after the TTL (a set read
    // while it was being written included, hence after the write).
    this.idSet.forget(ENROLLED_IDS);
    this.cache.set(partner.id, result.partner);
    return result;
  }

  resellerIdsOf(providerId: string): Promise<string[]> {
    return this.inner.resellerIdsOf(providerId);
  }
}
