import type { Database } from "@azure/cosmos";
import {
  ConcurrencyConflict,
  type InvitationRepository,
  type Page,
  type Versioned,
} from "../../application/ports";
import type { Invitation, InvitationStatus } from "../../domain/model";
import {
  CONTAINERS,
  cosmosStatus,
  invitationDocumentSchema,
  requireEtag,
  toDocument,
  tokenLookupId,
  tokenLookupSchema,
} from "./documents";

/** Thrown for a paging token this adapter did not issue (the caller answers 422). */
export class InvalidContinuationToken extends Error {
  constructor() {
    super("The continuation token is not valid.");
    this.name = "InvalidContinuationToken";
  }
}

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

  async create(invitation: Invitation): Promise<void> {
    // The lookup goes first: a lookup without its invitation reads as "not found", whereas an
    // invitation without its lookup would be a pending invitation nobody could open.
    await this.lookups.items.upsert({
      id: tokenLookupId(invitation.tokenHash),
      partnerId: invitation.partnerId,
      invitationId: invitation.id,
    });
    try {
      await this.invitations.items.create(toDocument(invitation, { docType: "invitation" }));
    } catch (error) {
      // Idempotent: a retry of the same creation finds the first one stored.
      if (cosmosStatus(error) !== 409) throw error;
    }
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
function encodeContinuation(token: string): string {
  return Buffer.from(token, "utf8").toString("base64url");
}

function decodeContinuation(token: string): string {
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(token)) throw new InvalidContinuationToken();
  const decoded = Buffer.from(token, "base64url").toString("utf8");
  try {
    JSON.parse(decoded);
  } catch {
    throw new InvalidContinuationToken();
  }
  return decoded;
}
