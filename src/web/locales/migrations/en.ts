/** English migration emails: the reference catalog; the other locales have exactly these keys. */
export const migrationEn = {
  greeting: "Hello,",
  "reminder.subject": "{offer} moves to {partner} in {count} days",
  "reminder.body":
    "The subscription {offer} ({subscriptionId}) of {customer} moves to {partner} when its current term ends on {date}, in {count} days. Nothing needs to be done unless the term end changes.",
  "completed.subject": "{offer} now runs through {partner}",
  "completed.body":
    "The subscription {offer} ({subscriptionId}) of {customer} has moved: {partner} is now its partner of record.",
  footer: "This message was sent by the partner's CSP relationship service.",
};
export type MigrationCatalog = { readonly [K in keyof typeof migrationEn]: string };
