import type { MigrationCatalog } from "./en";

export const migrationHu: MigrationCatalog = {
  greeting: "Üdvözöljük!",
  "reminder.subject": "A(z) {offer} {count} nap múlva átkerül ide: {partner}",
  "reminder.body":
    "{customer} {offer} ({subscriptionId}) előfizetése a jelenlegi időszak végén, {date} napján ({count} nap múlva) átkerül ide: {partner}. Nincs teendő, hacsak az időszak vége nem változik.",
  "completed.subject": "A(z) {offer} mostantól a(z) {partner} partneren keresztül fut",
  "completed.body":
    "{customer} {offer} ({subscriptionId}) előfizetése átkerült: mostantól a(z) {partner} a nyilvántartott partner.",
  footer: "Ezt az üzenetet a partner CSP-kapcsolatkezelő szolgáltatása küldte.",
};
