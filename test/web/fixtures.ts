import { GLOBAL_ADMINISTRATOR_ROLE_ID, type Locale } from "../../src/domain/model";
import type { InvitationPageView } from "../../src/web/pages";

export const USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1";
export const EXCHANGE_ADMINISTRATOR = "29232cdf-9323-42fd-ade2-1d097af3e4de";

/** Names a hostile partner could enrol or type: markup, quotes, controls, bidi override. */
export const HOSTILE = {
  partner: `Contoso <script>alert("p")</script>`,
  reseller: `Fabrikam" autofocus onfocus="alert('r')`,
  customer: `Woodgrove\u0000\u0007 <img src=x onerror=alert(1)> Bank\u202Eknab`,
  domain: `woodgrove.example'><svg onload=alert(2)>`,
  role: `<iframe src="javascript:alert(3)">`,
};

export function pageView(
  overrides: Partial<InvitationPageView> = {},
  locale: Locale = "en",
): InvitationPageView {
  return {
    locale,
    actionBase: "/invite/tok_123",
    partnerName: "Contoso Ltd",
    resellerName: "Fabrikam Reseller",
    kind: "reseller+admin",
    customer: { displayName: "Woodgrove Bank", domain: "woodgrove.example" },
    admin: {
      roles: [USER_ADMINISTRATOR, { id: EXCHANGE_ADMINISTRATOR, displayName: "Exchange Administrator" }],
      durationDays: 90,
      autoExtend: true,
    },
    expiresAt: "2027-02-19T10:00:00.000Z",
    signIn: { mode: "dev" },
    ...overrides,
  };
}

export function hostileView(overrides: Partial<InvitationPageView> = {}): InvitationPageView {
  return pageView({
    partnerName: HOSTILE.partner,
    resellerName: HOSTILE.reseller,
    customer: { displayName: HOSTILE.customer, domain: HOSTILE.domain },
    admin: {
      roles: [GLOBAL_ADMINISTRATOR_ROLE_ID, { id: "custom-role", displayName: HOSTILE.role }],
      durationDays: 30,
      autoExtend: false,
    },
    signedInAs: { tenantId: `t"><script>alert(4)</script>`, email: `a"@b.example`, isGlobalAdmin: true },
    csrfToken: `c"sr<f>`,
    ...overrides,
  });
}
