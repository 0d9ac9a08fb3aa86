/** Customer pages, emails and their languages: pure rendering for the HTTP functions and activities. */
export {
  renderInvitationPage,
  renderLinkUnavailablePage,
  renderDecisionPage,
  renderDecidedPage,
  renderErrorPage,
  renderContinuePage,
  PAGE_HEADERS,
  type InvitationPageView,
  type DecisionPageView,
  type DecisionOutcome,
  type ErrorReason,
  type SignedInCustomer,
} from "./pages";
export {
  invitationEmail,
  customerReminderEmail,
  partnerNotificationEmail,
  adminRelationshipNoticeEmail,
  type AdminRelationshipNoticeEmailInput,
  type EmailContent,
  type InvitationEmailInput,
  type CustomerReminderEmailInput,
  type PartnerNotificationEmailInput,
  type PartnerNotificationEvent,
} from "./emails";
export { adminConfirmationEmail, type AdminConfirmationEmailInput } from "./termination-emails";
export {
  renderTerminationPage,
  renderTerminationUnavailablePage,
  renderTerminatedPage,
  renderTerminationErrorPage,
  type TerminationPageView,
} from "./termination-pages";
export { resolveLocale, formatDate, isLocale, DEFAULT_LOCALE, type LocaleInput } from "./i18n";
export { escapeHtml, escapeAttribute, cleanText, html, safeUrl, SafeHtml } from "./escape";
export { describeRole, DESCRIBED_ROLE_IDS, type RoleRef } from "./roles";
