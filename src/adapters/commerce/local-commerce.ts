import { createHash } from "node:crypto";
import type { Container, Database } from "@azure/cosmos";
import { z } from "zod";
import type { CommercePort } from "../../application/subscriptions/ports";
import { CONTAINERS, cosmosStatus } from "../cosmos/documents";

/**
 * The commerce API has no public sandbox, so this local implementation stands in for it (the
 * project's only test double): each order, cancellation and transfer is recorded once by `orderId`
 * in `lookups` (id `commerce:{orderId}`), so a retried activity changes nothing, and a created CSP
 * subscription gets an id derived from the order, the same on every retry.
 */

export const commerceRecordSchema = z.object({
  id: z.string(),
  orderId: z.string(),
  kind: z.enum(["createCspSubscription", "cancelAtSource", "transferPartnerOfRecord"]),
  request: z.record(z.string(), z.unknown()),
  subscriptionId: z.string().optional(),
});
export type CommerceRecord = z.infer<typeof commerceRecordSchema>;

export const commerceRecordId = (orderId: string): string => `commerce:${orderId}`;

/** A GUID-shaped id derived from the order: the same order always yields the same subscription. */
export function cspSubscriptionIdFor(orderId: string): string {
  const hex = createHash("sha256").update(`csp-subscription\n${orderId}`, "utf8").digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export class LocalCommerce implements CommercePort {
  constructor(private readonly database: Database) {}

  private get lookups(): Container {
    return this.database.container(CONTAINERS.lookups);
  }

  /** What was recorded under an order id (for inspection by the local host and tests). */
  async recorded(orderId: string): Promise<CommerceRecord | undefined> {
    const id = commerceRecordId(orderId);
    try {
      const { resource } = await this.lookups.item(id, id).read<Record<string, unknown>>();
      return resource ? commerceRecordSchema.parse(resource) : undefined;
    } catch (error) {
      if (cosmosStatus(error) === 404) return undefined;
      throw error;
    }
  }

  private async record(record: Omit<CommerceRecord, "id">): Promise<CommerceRecord> {
    const document = { id: commerceRecordId(record.orderId), docType: "commerceOrder", ...record };
    try {
      await this.lookups.items.create(document);
      return commerceRecordSchema.parse(document);
    } catch (error) {
      if (cosmosStatus(error) !== 409) throw error;
      // Idempotent by order id: the first recording stands.
      const first = await this.recorded(record.orderId);
      if (!first) throw error;
      return first;
    }
  }

  async createCspSubscription(order: Parameters<CommercePort["createCspSubscription"]>[0]) {
    const recorded = await this.record({
      orderId: order.orderId,
      kind: "createCspSubscription",
      request: { ...order },
      subscriptionId: cspSubscriptionIdFor(order.orderId),
    });
    return { subscriptionId: recorded.subscriptionId ?? cspSubscriptionIdFor(order.orderId) };
  }

  async cancelAtSource(request: Parameters<CommercePort["cancelAtSource"]>[0]): Promise<void> {
    await this.record({ orderId: request.orderId, kind: "cancelAtSource", request: { ...request } });
  }

  async transferPartnerOfRecord(
    request: Parameters<CommercePort["transferPartnerOfRecord"]>[0],
  ): Promise<void> {
    await this.record({ orderId: request.orderId, kind: "transferPartnerOfRecord", request: { ...request } });
  }
}
