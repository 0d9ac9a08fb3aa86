import { z } from "zod";
import { isLoopbackEndpoint } from "../adapters/loopback";
import { CLOUDS, type Cloud } from "../domain/model";

const nonEmpty = z.string().trim().min(1, "is required");
const url = nonEmpty.pipe(z.url({ message: "must be an absolute URL" }));
const optionalValue = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

/** Settings that `AUTH_MODE=entra` (production) cannot do without; `dev` mode signs its own tokens. */
export const ENTRA_REQUIRED = ["AUTH_ISSUER", "AUTH_JWKS_URI", "AUTH_CLIENT_ID"] as const;

function entraProblem(key: (typeof ENTRA_REQUIRED)[number], value: unknown): string | undefined {
  const text = typeof value === "string" ? value.trim() : "";
  if (!text) return "is required when AUTH_MODE is entra";
  if (key === "AUTH_CLIENT_ID") return undefined;
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return "must be an absolute URL";
  }
  // Signing keys fetched over plain http could be swapped in transit; only a loopback test server may use it.
  if (key === "AUTH_JWKS_URI" && parsed.protocol !== "https:" && !isLoopbackEndpoint(text)) {
    return "must use https when AUTH_MODE is entra";
  }
  return undefined;
}

/**
 * Every setting the app reads, in one place. Names are the app-setting names used on Azure and in
 * local.settings*.json; a test keeps this, the sample settings and the Bicep app settings in step.
 */
export const settingsSchema = z
  .object({
    /** `dev` signs tokens locally (`/dev/token`); `entra` verifies Microsoft Entra ID tokens. */
    AUTH_MODE: z.enum(["dev", "entra"]),
    AUTH_ISSUER: z.string().trim().optional(),
    AUTH_AUDIENCE: nonEmpty,
    AUTH_JWKS_URI: z.string().trim().optional(),
    /** Entra app (client) id used by the customer page's sign-in; required in entra mode. */
    AUTH_CLIENT_ID: z.string().trim().optional(),
    /** Secret the customer page's sign-in redeems its authorization code with (entra mode; Key Vault reference). */
    AUTH_CLIENT_SECRET: optionalValue,
    /**
     * The platform operator's tenant. The `Operator` role counts only in tokens from it: with a
     * multi-tenant issuer, any tenant could assign its own users an app role of that name.
     * Required when AUTH_ISSUER holds `{tenantid}`.
     */
    AUTH_OPERATOR_TENANT_ID: optionalValue,

    COSMOS_ENDPOINT: url,
    /** Absent: the app signs in with its managed identity (DefaultAzureCredential). */
    COSMOS_KEY: optionalValue,
    COSMOS_DATABASE: nonEmpty,

    EMAIL_ENDPOINT: url,
    /** Absent: managed identity. */
    EMAIL_ACCESS_KEY: optionalValue,
    EMAIL_SENDER: nonEmpty.pipe(z.email({ message: "must be an email address" })),

    /** Base of the links put in customer emails, e.g. https://partners.example.com */
    PUBLIC_BASE_URL: url,
    INVITATION_TTL_DAYS: z.coerce.number().int().min(1).max(365),
    /**
     * Secret key the invitation links are derived from (HMAC); at least 32 bytes. On Azure a Key Vault
     * reference. Rotating it invalidates every pending invitation's link.
     */
    INVITATION_LINK_KEY: z
      .string()
      .refine((v) => Buffer.byteLength(v, "utf8") >= 32, { message: "must be at least 32 bytes" }),
    /**
     * Invitations one partner may create per minute (each costs customer email, and the email
     * service is rate limited per sender domain); 0 turns the limit off. Unset or empty: 60.
     */
    INVITATIONS_PER_PARTNER_PER_MINUTE: z.preprocess(
      (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
      z.coerce.number().int().min(0).max(100_000).default(60),
    ),
    /**
     * When the term-end sweep runs (docs/migrations.md): a six-field NCRONTAB expression
     * (`sec min hour day month weekday`, UTC). Unset or empty: daily at 01:00.
     */
    TERM_END_SWEEP_SCHEDULE: z.preprocess(
      (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
      z
        .string()
        .trim()
        .refine((v) => v.split(/\s+/).length === 6, {
          message: "must be a six-field NCRONTAB expression (sec min hour day month weekday)",
        })
        .default("0 0 1 * * *"),
    ),
    /**
     * When the sweep that starts the orchestration of any invitation a crash left without one runs:
     * six-field NCRONTAB (sec min hour day month weekday). Unset or empty: daily at 00:30 (it also runs at start-up, where a crash leaves its work).
     */
    INVITATION_START_RECOVERY_SCHEDULE: z.preprocess(
      (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
      z
        .string()
        .trim()
        .regex(/^\S+(\s+\S+){5}$/, "must be a six-field NCRONTAB expression")
        .default("0 30 0 * * *"),
    ),
    /**
     * Lets webhook endpoints be on this machine (http to 127.0.0.1 / localhost) for local
     * development; private and link-local addresses stay refused. Unset or empty: false, as in
     * production (the Bicep app settings say false; local.settings.sample.json says true).
     */
    WEBHOOKS_ALLOW_LOOPBACK: z.preprocess(
      (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
      z
        .enum(["true", "false"])
        .default("false")
        .transform((v) => v === "true"),
    ),
    /**
     * AUTH_MODE=dev only: the clouds of named customer tenants (R12), `tenantId=cloud,...` with cloud
     * one of global, usgov, germany, china; other tenants' cloud is unknown. In entra mode the
     * tenant's own OpenID discovery document says it. Unset or empty: none.
     */
    DEV_TENANT_CLOUDS: z.preprocess(
      (v) => (typeof v === "string" ? v : ""),
      z.string().transform((text, ctx) => {
        const clouds = new Map<string, Cloud>();
        for (const entry of text
          .split(",")
          .map((e) => e.trim())
          .filter(Boolean)) {
          const [tenant, cloud] = entry.split("=").map((part) => part.trim().toLowerCase());
          if (!tenant || !cloud || !(CLOUDS as readonly string[]).includes(cloud)) {
            ctx.addIssue({
              code: "custom",
              message: `"${entry}" must be tenantId=cloud with cloud one of ${CLOUDS.join(", ")}`,
            });
            return z.NEVER;
          }
          clouds.set(tenant, cloud as Cloud);
        }
        return clouds;
      }),
    ),
  })
  .superRefine(
    (s, ctx) => {
      // Runs even when other settings failed (see `when`), so one start-up lists every problem.
      const raw = s as Partial<Record<string, unknown>>;
      if (raw.AUTH_MODE !== "entra") return;
      for (const key of ENTRA_REQUIRED) {
        const problem = entraProblem(key, raw[key]);
        if (problem) ctx.addIssue({ code: "custom", path: [key], message: problem });
      }
      const multiTenant =
        typeof raw.AUTH_ISSUER === "string" && raw.AUTH_ISSUER.toLowerCase().includes("{tenantid}");
      if (
        multiTenant &&
        !(typeof raw.AUTH_OPERATOR_TENANT_ID === "string" && raw.AUTH_OPERATOR_TENANT_ID.trim())
      ) {
        ctx.addIssue({
          code: "custom",
          path: ["AUTH_OPERATOR_TENANT_ID"],
          message: "is required when AUTH_ISSUER accepts every tenant ({tenantid})",
        });
      }
    },
    { when: (payload) => typeof payload.value === "object" && payload.value !== null },
  );
export type Settings = z.infer<typeof settingsSchema>;

/** The setting names the app reads (for the drift test and for error messages). */
export const SETTING_NAMES = Object.keys(settingsSchema.shape) as (keyof Settings)[];
