import { hashInvitationToken, invitationToken, newLinkNonce } from "../../domain/invitation-token";
import type { ApprovalParty } from "../../domain/subscriptions/migration";
import type { Migration } from "../../domain/subscriptions/model";

/**
 * R19's approval links follow the invitation link rules (R15, R16): a random nonce per party is
 * stored, the token is HMAC(link key, "{migrationId}/{party}:{nonce}") and only its hash is kept and
 * looked up. Nothing stores or logs the token; the email activity rebuilds it from the nonce.
 */
export function approvalToken(
  linkKey: string,
  migrationId: string,
  party: ApprovalParty,
  nonce: string,
): string {
  return invitationToken(linkKey, `${migrationId}/${party}`, nonce);
}

/** A partnerSwitch migration gets both parties' links before it is stored; other strategies none. */
export function withApprovalLinks(migration: Migration, linkKey: string): Migration {
  if (migration.strategy !== "partnerSwitch" || migration.approvalLinks) return migration;
  const link = (party: ApprovalParty) => {
    const nonce = newLinkNonce();
    return { nonce, tokenHash: hashInvitationToken(approvalToken(linkKey, migration.id, party, nonce)) };
  };
  return {
    ...migration,
    approvalLinks: { customer: link("customer"), currentPartner: link("currentPartner") },
  };
}
