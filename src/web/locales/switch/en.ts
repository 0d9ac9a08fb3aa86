/** The partner switch's page and email strings (R19), English: the reference catalog. */
export const switchEn = {
  "page.title": "Subscription transfer to {partner}",
  "page.heading": "{partner} asks to become the partner of an Azure subscription",
  "intro.customer":
    "{partner} asks that the Azure subscription {offer} ({subscription}) of {customer} be sold and billed by {partner} instead of its current partner.",
  "intro.currentPartner":
    "{partner} asks to take over the Azure subscription {offer} ({subscription}) of the customer {customer}, of which you are the partner of record today.",
  "page.what":
    "If both the customer's Global Administrator and the current partner approve, the partner of record changes to {partner}. The subscription, its resources and their data stay as they are; only who sells and bills it changes. If either declines, nothing changes.",
  "details.heading": "The request",
  "details.newPartner": "Requesting partner",
  "details.subscription": "Subscription",
  "details.expires": "Expires on",
  "signin.heading": "Sign in to answer",
  "signin.customer": "Sign in as a Global Administrator of the customer's organization.",
  "signin.currentPartner": "Sign in with an account of the current partner's organization.",
  "signin.devNote": "Development sign-in: enter the tenant you act for.",
  "signin.tenantId": "Tenant ID",
  "signin.email": "Email (optional)",
  "signin.globalAdmin": "I am a Global Administrator of this tenant",
  "signin.submit": "Sign in",
  "signin.microsoft": "Sign in with Microsoft",
  "signin.signedInAs": "Signed in as {who}.",
  "answer.heading": "Your answer",
  "answer.signInFirst": "Sign in first to approve or decline.",
  "answer.approve": "Approve the transfer",
  "answer.decline": "Decline",
  "approved.title": "You approved the transfer",
  "approved.body":
    "Thank you. Once both parties have approved, {partner} becomes the partner of record and everyone is told by email.",
  "declined.title": "You declined the transfer",
  "declined.body": "Nothing changes. {partner} is told by email.",
  "unavailable.title": "This link is not available",
  "unavailable.body":
    "The link is not valid, has already been used, or the request has ended. Nothing has changed.",
  "error.title": "This account cannot answer the request",
  "error.body":
    "Sign in with an account that may answer this request, as the request page describes, and try again.",
  "error.back": "Back to the request",
  "error.code": "Error {status}",
  "email.greeting": "Hello,",
  "email.request.subject": "{partner} asks to take over the Azure subscription {offer}",
  "email.reminder.subject": "Reminder: {partner} awaits your answer about {offer}",
  "email.expires": "The request expires on {date}, in {days} days.",
  "email.open": "Open the request",
  "email.ignore": "If you did not expect this email, ignore it: nothing changes unless you approve.",
  "outcome.completed.subject": "The Azure subscription {offer} moved to {partner}",
  "outcome.completed.body":
    "Both parties approved: {partner} is now the partner of record of the Azure subscription {offer} ({subscription}) of {customer}.",
  "outcome.declined.subject": "The transfer of {offer} was declined",
  "outcome.declined.body":
    "The transfer of the Azure subscription {offer} ({subscription}) of {customer} to {partner} was declined. Nothing has changed.",
  "outcome.expired.subject": "The transfer of {offer} expired",
  "outcome.expired.body":
    "The transfer of the Azure subscription {offer} ({subscription}) of {customer} to {partner} was not approved within 30 days and has expired. Nothing has changed.",
  "outcome.cancelled.subject": "The transfer of {offer} was cancelled",
  "outcome.cancelled.body":
    "{partner} cancelled its request to take over the Azure subscription {offer} ({subscription}) of {customer}. Nothing has changed.",
} as const;

export type SwitchMessageKey = keyof typeof switchEn;
export type SwitchCatalog = Readonly<Record<SwitchMessageKey, string>>;
