import {
  BulkOperationType,
  type Database,
  type JSONObject,
  type OperationInput,
  type OperationResponse,
} from "@azure/cosmos";
import {
  ConcurrencyConflict,
  CreationWindowFull,
  InvalidContinuationToken,
  type CreationWindow,
  type InvitationRepository,
  type Page,
  type Versioned,
} from "../../application/ports";
import type { Invitation, InvitationStatus } from "../../domain/model";
import { z } from "zod";
import {
  CONTAINERS,
  cosmosStatus,
  invitationDocumentSchema,
  requireEtag,
  toDocument,
  tokenLookupId,
  tokenLookupSchema,
} from "./documents";

/** Lost races for one window's counter before the creation gives up (each loss means another got in). */
const WINDOW_ATTEMPTS = 5;

const windowDocumentSchema = z.object({ count: z.number().int().min(0) });

/** The counter's id: the window start names it, so a new window starts from zero without a reset. */
export const rateWindowId = (windowStart: string): string => `rate:${windowStart}`;

/**
 * Invitations live in their partner's partition (`invitations`, pk `/partnerId`), so the owner's
 * GET is a point read and another partner's id is simply absent. The link token resolves through
 * `lookups` (`token:<sha256>`), a point read as well.
 */
export class CosmosInvitationRepository implements InvitationRepository {
  constructor(private readonly database: Database) {}

  private get invitations() {
    return this.database.container(CONTAINERS.invitations);
  }

  private get lookups() {
    return this.database.container(CONTAINERS.lookups);
  }

  async create(invitation: Invitation, window?: CreationWindow): Promise<void> {
    if (window) return this.createCounted(invitation, window);
    await this.storeLookup(invitation);
    try {
      await this.invitations.items.create(toDocument(invitation, { docType: "invitation" }));
    } catch (error) {
      // Idempotent: a retry of the same creation finds the first one stored.
      if (cosmosStatus(error) !== 409) throw error;
    }
  }

  // The lookup goes first: a lookup without its invitation reads as "not found", whereas an
  // invitation without its lookup would be a pending invitation nobody could open.
  private async storeLookup(invitation: Invitation): Promise<void> {
    await this.lookups.items.upsert({
      id: tokenLookupId(invitation.tokenHash),
      partnerId: invitation.partnerId,
      invitationId: invitation.id,
    });
  }

  /**
   * The window's counter and the invitation share the partner's partition, so one transactional
   * batch writes both or neither. The counter goes first in the batch: a lost race on it (409 on
   * create, 412 on the ETag) fails the batch before the invitation is written, and the window is
   * read again. The embedded emulator does not roll a batch back, so that order is also what keeps
   * a refused creation from leaving an invitation behind there.
   */
  private async createCounted(invitation: Invitation, window: CreationWindow): Promise<void> {
    const partnerId = invitation.partnerId;
    let lookupStored = false;
    try {
      for (let attempt = 1; attempt <= WINDOW_ATTEMPTS; attempt++) {
        const current = await this.readWindow(partnerId, window.start);
        const count = current?.count ?? 0;
        if (count >= window.limit) throw new CreationWindowFull();
        if (!lookupStored) {
          await this.storeLookup(invitation);
          lookupStored = true;
        }
        const counter = {
          id: rateWindowId(window.start),
          partnerId,
          docType: "rateWindow",
          windowStart: window.start,
          count: count + 1,
          ttl: window.ttlSeconds,
        };
        const operations: OperationInput[] = [
          current
            ? {
                operationType: BulkOperationType.Replace,
                id: counter.id,
                // The batch names its partition already; the emulator still reads it per operation.
                partitionKey: partnerId,
                resourceBody: counter,
                ifMatch: current.etag,
              }
            : { operationType: BulkOperationType.Create, resourceBody: counter },
          {
            operationType: BulkOperationType.Create,
            resourceBody: toDocument(invitation, { docType: "invitation" }) as JSONObject,
          },
        ];
        const results = await this.batch(operations, partnerId);
        const [counted, created] = [results[0]?.statusCode ?? 0, results[1]?.statusCode ?? 0];
        if (counted < 400 && created < 400) return;
        // Idempotent: a retry of the same creation found the first one stored (and not counted again).
        if (counted < 400 || counted === 424) {
          if (created === 409) return;
          throw new Error(`Storing an invitation failed (status ${created}).`);
        }
        if (counted !== 409 && counted !== 412) {
          throw new Error(`Counting an invitation in its window failed (status ${counted}).`);
        }
      }
      // Every attempt lost its race: the window is busy enough that refusing is the honest answer.
      throw new CreationWindowFull();
    } catch (error) {
      if (error instanceof CreationWindowFull && lookupStored) {
        // A refused creation leaves nothing behind; the lookup named an invitation that never was.
        const lookupId = tokenLookupId(invitation.tokenHash);
        await this.lookups
          .item(lookupId, lookupId)
          .delete()
          .catch(() => undefined);
      }
      throw error;
    }
  }

  // A failed atomic batch is an answer (207 with each operation's status), not an exception.
  private async batch(operations: OperationInput[], partnerId: string): Promise<OperationResponse[]> {
    const response = await this.invitations.items.batch(operations, partnerId);
    if (!response.result) throw new Error(`A transactional batch failed (status ${response.code}).`);
    return response.result;
  }

  private async readWindow(
    partnerId: string,
    windowStart: string,
  ): Promise<{ count: number; etag: string } | undefined> {
    try {
      const { resource, etag } = await this.invitations
        .item(rateWindowId(windowStart), partnerId)
        .read<Record<string, unknown>>();
      if (!resource) return undefined;
      return { count: windowDocumentSchema.parse(resource).count, etag: requireEtag(etag, "a rate window") };
    } catch (error) {
      if (cosmosStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async countInWindow(partnerId: string, windowStart: string): Promise<number> {
    return (await this.readWindow(partnerId, windowStart))?.count ?? 0;
  }

  async get(partnerId: string, id: string): Promise<Versioned<Invitation> | undefined> {
    try {
      const { resource, etag } = await this.invitations.item(id, partnerId).read<Record<string, unknown>>();
      if (!resource || resource.docType !== "invitation") return undefined;
      return { value: invitationDocumentSchema.parse(resource), etag: requireEtag(etag, "an invitation") };
    } catch (error) {
      if (cosmosStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async findByTokenHash(tokenHash: string): Promise<Versioned<Invitation> | undefined> {
    let lookup;
    try {
      const { resource } = await this.lookups
        .item(tokenLookupId(tokenHash), tokenLookupId(tokenHash))
        .read<Record<string, unknown>>();
      if (!resource) return undefined;
      lookup = tokenLookupSchema.parse(resource);
    } catch (error) {
      if (cosmosStatus(error) === 404) return undefined;
      throw error;
    }
    const found = await this.get(lookup.partnerId, lookup.invitationId);
    // The hash is the lookup's key, yet the stored invitation is the authority on its own token.
    return found && found.value.tokenHash === tokenHash ? found : undefined;
  }

  async replace(invitation: Invitation, etag: string): Promise<Versioned<Invitation>> {
    try {
      const response = await this.invitations
        .item(invitation.id, invitation.partnerId)
        .replace(toDocument(invitation, { docType: "invitation" }), {
          accessCondition: { type: "IfMatch", condition: etag },
        });
      return {
        value: invitationDocumentSchema.parse(response.resource),
        etag: requireEtag(response.etag, "an invitation"),
      };
    } catch (error) {
      const status = cosmosStatus(error);
      if (status === 412 || status === 404) throw new ConcurrencyConflict(`Invitation ${invitation.id}`);
      throw error;
    }
  }

  async list(
    partnerId: string,
    query: { status?: InvitationStatus; limit: number; continuationToken?: string },
  ): Promise<Page<Invitation>> {
    // The partition key is also a predicate: the scoping must not depend on the server honouring
    // the partition key option alone (the embedded emulator ignores it for queries).
    const filters = ["c.partnerId = @partnerId", "c.docType = 'invitation'"];
    const parameters = [{ name: "@partnerId", value: partnerId }];
    if (query.status) {
      filters.push("c.status = @status");
      parameters.push({ name: "@status", value: query.status });
    }
    const iterator = this.invitations.items.query<Record<string, unknown>>(
      { query: `SELECT * FROM c WHERE ${filters.join(" AND ")} ORDER BY c.createdAt DESC`, parameters },
      {
        partitionKey: partnerId,
        maxItemCount: query.limit,
        ...(query.continuationToken
          ? { continuationToken: decodeContinuation(query.continuationToken) }
          : {}),
      },
    );
    let page;
    try {
      page = await iterator.fetchNext();
    } catch (error) {
      if (query.continuationToken && cosmosStatus(error) === 400) throw new InvalidContinuationToken();
      throw error;
    }
    const items = page.resources.map((doc) => invitationDocumentSchema.parse(doc));
    return page.continuationToken
      ? { items, continuationToken: encodeContinuation(page.continuationToken) }
      : { items };
  }

  async remove(partnerId: string, id: string): Promise<void> {
    const found = await this.get(partnerId, id);
    if (!found) return;
    await this.invitations
      .item(id, partnerId)
      .delete()
      .catch((error: unknown) => {
        if (cosmosStatus(error) !== 404) throw error;
      });
    const lookupId = tokenLookupId(found.value.tokenHash);
    await this.lookups
      .item(lookupId, lookupId)
      .delete()
      .catch((error: unknown) => {
        if (cosmosStatus(error) !== 404) throw error;
      });
  }
}

// Cosmos' continuation is an opaque JSON string; base64url keeps it URL-safe for the query string.
export function encodeContinuation(token: string): string {
  return Buffer.from(token, "utf8").toString("base64url");
}

export function decodeContinuation(token: string): string {
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(token)) throw new InvalidContinuationToken();
  const decoded = Buffer.from(token, "base64url").toString("utf8");
  try {
    JSON.parse(decoded);
  } catch {
    throw new InvalidContinuationToken();
  }
  return decoded;
}
