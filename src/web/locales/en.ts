/**
 * English customer-facing messages: the reference catalog. Every other locale must have exactly
 * these keys (the type below makes a missing or extra key a compile error). `{name}` marks a
 * value; `{count}` in a plural message picks the form.
 */
export const en = {
  "page.invite.title": "Request from {partner}",
  "page.invite.heading": "{partner} would like to work with {customer}",
  "page.invite.intro":
    "{partner} has invited your organization, {customer} ({domain}), to approve what is described below. Nothing changes until a Global Administrator of your organization accepts.",
  "page.details.heading": "What is being requested",
  "page.details.partner": "Partner",
  "page.details.reseller": "Indirect reseller",
  "page.details.resellerNote":
    "{partner} is the indirect provider; {reseller} is the reseller who works with you through it.",
  "page.details.organization": "Your organization",
  "page.details.request": "Request",
  "page.details.expires": "Expires",
  "page.details.partnerTenant": "Partner tenant ID",
  "page.details.partnerContact": "Partner contact",
  "page.details.decided": "Decided",
  "signin.wrongTenant":
    "You are signed in with tenant {tenantId}, but this invitation was sent to tenant {invited}. Accepting with this account will be refused: sign in with an account of the invited organization.",
  "decided.accepted.body":
    "This request from {partner} was accepted on {date}. Nothing else needs to be done.",
  "decided.declined.body": "This request from {partner} was declined on {date}. Nothing was granted.",
  // Punctuation that differs by script: Chinese uses full-width colon and parentheses.
  "punct.colon": ": ",
  "punct.listSeparator": ", ",
  "punct.withDetail": "{main} ({detail})",
  "kind.reseller": "Reseller relationship",
  "kind.admin": "Administrative privileges",
  "kind.reseller+admin": "Reseller relationship and administrative privileges",
  "reseller.heading": "Reseller relationship",
  "reseller.body":
    "{partner} may sell Microsoft cloud subscriptions to your organization and becomes the partner of record for what it sells. Your existing subscriptions, their terms and your other partners stay as they are.",
  "admin.heading": "Administrative privileges",
  "admin.body":
    "People at {partner} may manage your organization's Microsoft cloud tenant with the roles below, for a limited time.",
  "admin.roles": "Roles",
  "admin.duration": "Duration",
  "admin.days": { one: "{count} day", other: "{count} days" },
  "admin.autoExtend": "Automatic extension",
  "admin.autoExtendOn": "On — extended by 180 days at the end date, unless you or the partner end it first",
  "admin.autoExtendOff": "Off — access ends automatically when the duration is over",
  "admin.unknownRole": "A directory role (ID {id}).",
  "signin.heading": "Sign in to respond",
  "signin.headingSignedIn": "Your account",
  "signin.explain": "Only a Global Administrator of {customer} can accept or decline this request.",
  "signin.devNote":
    "Development sign-in: no password is checked. Enter the tenant ID of the organization you act for.",
  "signin.tenantId": "Tenant ID",
  "signin.email": "Email address",
  "signin.globalAdmin": "I am a Global Administrator of this organization",
  "signin.submit": "Sign in",
  "signin.microsoft": "Sign in with Microsoft",
  "signin.signedInAs": "Signed in as {who}.",
  "signin.tenant": "tenant {tenantId}",
  "signin.notGlobalAdmin":
    "This account is not a Global Administrator, so accepting will be refused. Sign in with a Global Administrator account.",
  "signin.otherAccount": "Use another account",
  "decision.heading": "Your decision",
  "decision.accept": "Accept",
  "decision.decline": "Decline",
  "decision.signInFirst": "Sign in first to accept or decline.",
  "decision.acceptNote": "By accepting, you grant what is described above.",
  "page.unexpected":
    "If you did not expect this request, you can decline it or simply ignore it: it expires on its own.",
  "unavailable.title": "This link is not available",
  "unavailable.body":
    "The invitation link is not valid, has already been used, or has expired. Nothing has changed for your organization. If you still want to work with the partner, ask them to send a new invitation.",
  "accepted.title": "Request accepted",
  "accepted.body":
    "You accepted the request from {partner}. It is now in effect and the partner has been notified. You can close this page.",
  "declined.title": "Request declined",
  "declined.body":
    "You declined the request from {partner}. Nothing was granted and the partner has been notified. You can close this page.",
  "continue.title": "Signed in",
  "continue.link": "Continue to the invitation",
  "error.notGlobalAdmin.title": "A Global Administrator is required",
  "error.notGlobalAdmin.body":
    "The account you signed in with is not a Global Administrator of the invited organization. Sign in with a Global Administrator account and try again.",
  "error.wrongTenant.title": "This invitation is for another organization",
  "error.wrongTenant.body":
    "This invitation was sent to a different organization. Sign in with an account of the organization that received the invitation.",
  "error.partnerTenant.title": "A partner organization cannot accept this",
  "error.partnerTenant.body":
    "The organization you signed in with is itself a Cloud Solution Provider (CSP) partner. A CSP partner cannot resell to another CSP partner, so this invitation cannot be accepted with it.",
  "error.otherCloud.title": "Different Microsoft cloud",
  "error.otherCloud.body":
    "Your organization is in a different Microsoft cloud than the partner. A relationship is only possible within the same cloud.",
  "error.signInRequired.title": "Sign-in required",
  "error.signInRequired.body":
    "Sign in as a Global Administrator of the invited organization before accepting or declining.",
  "error.back": "Back to the invitation",
  "error.code": "Error {status}",
  "email.invite.subject": "{partner} requests a relationship with {customer}",
  "email.greeting": "Hello,",
  "email.invite.intro": "{partner} has invited {customer} ({domain}) to approve the following:",
  "email.adminLine": "{roles}, for {duration}",
  "email.cta": "Review the request",
  "email.linkText": "Open this link to review the request and accept or decline it:",
  "email.expires": "The invitation expires on {date}.",
  "email.globalAdminOnly":
    "Only a Global Administrator of your organization can accept it. Opening the link does not change anything by itself.",
  "email.ignore":
    "If you did not expect this email, you can safely ignore it: nothing changes unless your organization accepts.",
  "email.reminder.subject": {
    one: "Reminder: the request from {partner} expires in {count} day",
    other: "Reminder: the request from {partner} expires in {count} days",
  },
  "email.reminder.intro": "{partner} is still waiting for an answer to its request to {customer} ({domain}):",
  "email.reminder.expires": {
    one: "It expires in {count} day, on {date}.",
    other: "It expires in {count} days, on {date}.",
  },
} as const;
