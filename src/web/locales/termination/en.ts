/** The customer's termination page and the acceptance confirmation email (R9), English: the reference catalog. */
export const terminationEn = {
  "page.title": "Admin relationship with {partner}",
  "page.heading": "Admin relationship with {partner}",
  "page.intro":
    "{partner} can administer the tenant of {customer} with the roles below until {date}. A Global Administrator of your organization may end this admin relationship at any time.",
  "page.what":
    "Ending it removes the partner's admin access to your tenant at once, including the access given to the partner's security groups. It cannot be undone: the partner would have to send a new request.",
  "details.heading": "The admin relationship",
  "details.partner": "Partner",
  "details.roles": "Roles",
  "details.ends": "Ends on",
  "details.autoExtend": "Automatic extension",
  "details.autoExtendOn": "On (180 days at a time)",
  "details.autoExtendOff": "Off",
  "signin.heading": "Sign in",
  "signin.intro": "Sign in as a Global Administrator of your organization.",
  "signin.devNote": "Development sign-in: enter the tenant you act for.",
  "signin.tenantId": "Tenant ID",
  "signin.email": "Email (optional)",
  "signin.globalAdmin": "I am a Global Administrator of this tenant",
  "signin.submit": "Sign in",
  "signin.microsoft": "Sign in with Microsoft",
  "signin.signedInAs": "Signed in as {who}.",
  "terminate.heading": "End the admin relationship",
  "terminate.signInFirst": "Sign in first to end it.",
  "terminate.submit": "End the admin relationship now",
  "terminated.title": "The admin relationship has ended",
  "terminated.body": "{partner} no longer has admin access to your tenant and has been told by email.",
  "unavailable.title": "This link is not available",
  "unavailable.body":
    "The link is not valid, or the admin relationship has already ended. Nothing has changed.",
  "error.title": "This account cannot end the admin relationship",
  "error.body":
    "Sign in as a Global Administrator of the organization the admin relationship belongs to, and try again.",
  "error.back": "Back to the admin relationship",
  "error.code": "Error {status}",
  "email.subject": "Admin relationship with {partner} is active",
  "email.greeting": "Hello,",
  "email.intro":
    "{customer} accepted the admin relationship requested by {partner}. It is now active: {partner} can administer your tenant with these roles until {date}.",
  "email.terminate":
    "A Global Administrator of your organization may end this admin relationship at any time, without asking the partner, from this page:",
  "email.cta": "View or end the admin relationship",
  "email.keep": "Keep this email: its link is how you end the admin relationship yourself.",
} as const;

export type TerminationMessageKey = keyof typeof terminationEn;
export type TerminationCatalog = Readonly<Record<TerminationMessageKey, string>>;
