import { describe, expect, it } from "vitest";
import { ADMIN_ROLE_CATALOG, adminRoleDisplayName, isKnownAdminRole } from "../../src/domain/admin-roles";
import { DomainError } from "../../src/domain/errors";
import { GLOBAL_ADMINISTRATOR_ROLE_ID, type Partner, type Principal } from "../../src/domain/model";
import {
  checkEnrolment,
  checkInvitation,
  checkTerminable,
  cloudOfDomain,
  type InvitationFacts,
  type InvitationRequest,
} from "../../src/domain/rules";

const HELPDESK_ADMIN = "729827e3-9c14-49f7-bb1b-9608f156bbb8";

function partner(id: string, overrides: Partial<Partner> = {}): Partner {
  return {
    id,
    name: id,
    type: "direct",
    cloud: "global",
    contactEmail: `${id}@example.com`,
    createdAt: "2026-01-01T00:00:00Z",
    updatedAt: "2026-01-01T00:00:00Z",
    ...overrides,
  };
}

const salesAgent: Principal = { tenantId: "p", userId: "u", roles: ["SalesAgent"], wids: [] };

function request(overrides: Partial<InvitationRequest> = {}): InvitationRequest {
  return {
    kind: "reseller",
    customer: { domain: "fabrikam.com", displayName: "Fabrikam", adminEmail: "admin@fabrikam.com" },
    ...overrides,
  };
}

function facts(overrides: Partial<InvitationFacts> = {}): InvitationFacts {
  return { principal: salesAgent, caller: partner("p"), customerClouds: [], ...overrides };
}

/** The refusal's message (what the problem's detail says). */
function refusalMessage(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    expect(error.rule).toBe("R12");
    return error.message;
  }
  throw new Error("the check passed");
}

function refusal(fn: () => void): { kind: string; rule: string | undefined; fields: string[] } {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { kind: error.kind, rule: error.rule, fields: (error.options.errors ?? []).map((e) => e.field) };
  }
  throw new Error("the check passed");
}

const admin = (o: Partial<{ roles: string[]; durationDays: number; autoExtend: boolean }> = {}) => ({
  roles: [HELPDESK_ADMIN],
  durationDays: 90,
  autoExtend: false,
  ...o,
});

describe("invitation rules", () => {
  it("accepts a direct partner's reseller+admin invitation", () => {
    expect(() => checkInvitation(request({ kind: "reseller+admin", admin: admin() }), facts())).not.toThrow();
  });

  it("R1: read-only partner roles cannot invite", () => {
    for (const role of ["AdminAgent", "BillingAdmin", "HelpdeskAgent"]) {
      const principal = { ...salesAgent, roles: [role] };
      expect(refusal(() => checkInvitation(request(), facts({ principal })))).toMatchObject({
        kind: "forbidden",
        rule: "R1",
      });
    }
    for (const role of ["GlobalAdmin", "UserManagementAdmin", "SalesAgent"]) {
      expect(() =>
        checkInvitation(request(), facts({ principal: { ...salesAgent, roles: [role] } })),
      ).not.toThrow();
    }
  });

  it("R4: the admin duration is 1..730 days", () => {
    for (const durationDays of [0, 731, -5]) {
      expect(
        refusal(() => checkInvitation(request({ kind: "admin", admin: admin({ durationDays }) }), facts())),
      ).toEqual({ kind: "invalid", rule: "R4", fields: ["admin.durationDays"] });
    }
    for (const durationDays of [1, 730]) {
      expect(() =>
        checkInvitation(request({ kind: "admin", admin: admin({ durationDays }) }), facts()),
      ).not.toThrow();
    }
  });

  it("R6: no auto-extend with Global Administrator", () => {
    const ga = admin({ roles: [GLOBAL_ADMINISTRATOR_ROLE_ID], autoExtend: true });
    expect(refusal(() => checkInvitation(request({ kind: "admin", admin: ga }), facts()))).toMatchObject({
      kind: "invalid",
      rule: "R6",
    });
    expect(() =>
      checkInvitation(request({ kind: "admin", admin: { ...ga, autoExtend: false } }), facts()),
    ).not.toThrow();
    expect(() =>
      checkInvitation(request({ kind: "admin", admin: admin({ autoExtend: true }) }), facts()),
    ).not.toThrow();
  });

  it("R14: an advisor requests admin relationships only", () => {
    const caller = partner("p", { type: "advisor" });
    expect(refusal(() => checkInvitation(request({ kind: "reseller" }), facts({ caller })))).toMatchObject({
      rule: "R14",
      kind: "forbidden",
    });
    expect(
      refusal(() => checkInvitation(request({ kind: "reseller+admin", admin: admin() }), facts({ caller })))
        .rule,
    ).toBe("R14");
    expect(() =>
      checkInvitation(request({ kind: "admin", admin: admin() }), facts({ caller })),
    ).not.toThrow();
  });

  it("R13: an indirect reseller cannot create reseller invitations but may request admin-only", () => {
    const caller = partner("r", { type: "indirectReseller", indirectProviderId: "prov" });
    expect(refusal(() => checkInvitation(request(), facts({ caller })))).toMatchObject({
      kind: "forbidden",
      rule: "R13",
    });
    expect(() =>
      checkInvitation(request({ kind: "admin", admin: admin() }), facts({ caller })),
    ).not.toThrow();
  });

  it("R13: a provider names one of its own indirect resellers", () => {
    const caller = partner("prov", { type: "indirectProvider" });
    const own = partner("r1", { type: "indirectReseller", indirectProviderId: "prov" });
    const foreign = partner("r2", { type: "indirectReseller", indirectProviderId: "other" });
    const direct = partner("d", { type: "direct" });
    expect(() =>
      checkInvitation(request({ resellerPartnerId: "r1" }), facts({ caller, reseller: own })),
    ).not.toThrow();
    expect(
      refusal(() =>
        checkInvitation(request({ resellerPartnerId: "r2" }), facts({ caller, reseller: foreign })),
      ).rule,
    ).toBe("R13");
    expect(
      refusal(() => checkInvitation(request({ resellerPartnerId: "d" }), facts({ caller, reseller: direct })))
        .rule,
    ).toBe("R13");
    expect(refusal(() => checkInvitation(request({ resellerPartnerId: "x" }), facts({ caller }))).rule).toBe(
      "R13",
    );
    expect(refusal(() => checkInvitation(request(), facts({ caller })))).toEqual({
      kind: "invalid",
      rule: "R13",
      fields: ["resellerPartnerId"],
    });
    // A direct partner cannot name a reseller at all.
    expect(
      refusal(() => checkInvitation(request({ resellerPartnerId: "r1" }), facts({ reseller: own }))).rule,
    ).toBe("R13");
  });

  it("R11: no reseller invitation to an enrolled partner tenant; admin-only is fine", () => {
    const customerPartner = partner("other");
    expect(refusal(() => checkInvitation(request(), facts({ customerPartner })))).toMatchObject({
      kind: "forbidden",
      rule: "R11",
    });
    expect(() =>
      checkInvitation(request({ kind: "admin", admin: admin() }), facts({ customerPartner })),
    ).not.toThrow();
  });

  it("R4, R6, R14, R12: every rule a request breaks is refused together, the first giving kind and rule", () => {
    let caught: unknown;
    try {
      checkInvitation(
        request({
          kind: "reseller+admin",
          customer: { domain: "fabrikam.partner.onmschina.cn", displayName: "F", adminEmail: "a@f.cn" },
          admin: { roles: [GLOBAL_ADMINISTRATOR_ROLE_ID], durationDays: 0, autoExtend: true },
        }),
        facts({
          caller: partner("p", { type: "advisor" }),
          customerClouds: [{ cloud: "china", source: "initial domain" }],
        }),
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    const error = caught as DomainError;
    expect([error.kind, error.rule]).toEqual(["invalid", "R4"]);
    expect(error.options.violations?.map((v) => [v.kind, v.rule])).toEqual([
      ["invalid", "R4"],
      ["invalid", "R6"],
      ["forbidden", "R14"],
      ["forbidden", "R12"],
    ]);
    expect(error.options.errors?.map((e) => e.field)).toEqual(["admin.durationDays", "admin.autoExtend"]);
    // R1 still comes alone: a caller without a write role learns nothing about its request.
    const readOnly: Principal = { tenantId: "p", userId: "u", roles: ["AdminAgent"], wids: [] };
    expect(
      refusal(() =>
        checkInvitation(
          request({ kind: "admin", admin: { roles: [], durationDays: 0, autoExtend: false } }),
          facts({ principal: readOnly }),
        ),
      ),
    ).toEqual({ kind: "forbidden", rule: "R1", fields: [] });
  });

  it("R12: the refusal says only that the clouds differ, never how the customer's cloud is known", () => {
    for (const source of ["tenant directory", "enrolled partner tenant"] as const) {
      const message = refusalMessage(() =>
        checkInvitation(request(), facts({ customerClouds: [{ cloud: "usgov", source }] })),
      );
      expect(message).toMatch(/different clouds/);
      expect(message).not.toMatch(/relationship|another partner|other partner|enrol|usgov/i);
    }
    // The domain is the partner's own input: its cloud may be named.
    const byDomain = refusalMessage(() =>
      checkInvitation(
        request(),
        facts({
          customerClouds: [
            { cloud: "usgov", source: "tenant directory" },
            { cloud: "usgov", source: "initial domain" },
          ],
        }),
      ),
    );
    expect(byDomain).toMatch(/initial domain is in the usgov cloud/);
    expect(byDomain).not.toMatch(/relationship/i);
  });

  it("R12: refuses a customer known to be in another cloud", () => {
    const customerClouds = [{ cloud: "china" as const, source: "initial domain" as const }];
    expect(refusal(() => checkInvitation(request(), facts({ customerClouds })))).toMatchObject({
      kind: "forbidden",
      rule: "R12",
    });
    expect(() =>
      checkInvitation(
        request(),
        facts({ customerClouds: [{ cloud: "global", source: "tenant directory" }] }),
      ),
    ).not.toThrow();
    expect(cloudOfDomain("contoso.partner.onmschina.cn")).toBe("china");
    expect(cloudOfDomain("Contoso.onmicrosoft.US")).toBe("usgov");
    expect(cloudOfDomain("contoso.onmicrosoft.de")).toBe("germany");
    expect(cloudOfDomain("contoso.onmicrosoft.com")).toBe("global");
    expect(cloudOfDomain("contoso.com")).toBeUndefined();
  });

  it("checks the shape: admin required for admin kinds, forbidden otherwise, roles from the catalog", () => {
    expect(refusal(() => checkInvitation(request({ kind: "admin" }), facts())).fields).toEqual(["admin"]);
    expect(refusal(() => checkInvitation(request({ admin: admin() }), facts())).fields).toEqual(["admin"]);
    expect(
      refusal(() =>
        checkInvitation(request({ kind: "admin", admin: admin({ roles: ["not-a-role"] }) }), facts()),
      ).fields,
    ).toEqual(["admin.roles.0"]);
    expect(
      refusal(() =>
        checkInvitation(
          request({ kind: "admin", admin: admin({ roles: [HELPDESK_ADMIN, HELPDESK_ADMIN] }) }),
          facts(),
        ),
      ).fields,
    ).toEqual(["admin.roles"]);
  });
});

describe("enrolment rules", () => {
  const provider = partner("prov", { type: "indirectProvider" });
  it("R3: an indirect reseller names an enrolled indirect provider", () => {
    expect(refusal(() => checkEnrolment({ type: "indirectReseller", cloud: "global" }, undefined)).rule).toBe(
      "R3",
    );
    expect(
      refusal(() =>
        checkEnrolment({ type: "indirectReseller", cloud: "global", indirectProviderId: "x" }, undefined),
      ).rule,
    ).toBe("R3");
    expect(
      refusal(() =>
        checkEnrolment({ type: "indirectReseller", cloud: "global", indirectProviderId: "d" }, partner("d")),
      ).rule,
    ).toBe("R3");
    expect(() =>
      checkEnrolment({ type: "indirectReseller", cloud: "global", indirectProviderId: "prov" }, provider),
    ).not.toThrow();
    expect(
      refusal(() => checkEnrolment({ type: "direct", cloud: "global", indirectProviderId: "prov" }, provider))
        .kind,
    ).toBe("invalid");
  });

  it("R12: an indirect reseller is in its provider's cloud", () => {
    expect(
      refusal(() =>
        checkEnrolment({ type: "indirectReseller", cloud: "usgov", indirectProviderId: "prov" }, provider),
      ),
    ).toEqual({ kind: "invalid", rule: "R12", fields: ["cloud"] });
  });
});

describe("termination and the role catalog", () => {
  it("R9: only an active admin relationship is terminated", () => {
    expect(() => checkTerminable({ type: "admin", status: "active" })).not.toThrow();
    expect(refusal(() => checkTerminable({ type: "admin", status: "terminated" })).kind).toBe("conflict");
    expect(refusal(() => checkTerminable({ type: "reseller", status: "active" })).kind).toBe("conflict");
  });

  it("knows Global Administrator and treats ids case-insensitively", () => {
    expect(isKnownAdminRole(GLOBAL_ADMINISTRATOR_ROLE_ID.toUpperCase())).toBe(true);
    expect(adminRoleDisplayName(GLOBAL_ADMINISTRATOR_ROLE_ID)).toBe("Global Administrator");
    expect(adminRoleDisplayName("unknown")).toBe("unknown");
    for (const id of Object.keys(ADMIN_ROLE_CATALOG)) expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
