import { z } from "zod";

/**
 * Field schemas shared by the request bodies. They validate at the edge and generate the OpenAPI
 * document, so a constraint stated here is both enforced and published.
 */

// C0 and C1 control characters (tab, newline included): never meaningful in a name, and a classic
// way to forge log lines or break email headers.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

export const nameSchema = z
  .string()
  .trim()
  .min(1)
  .max(256)
  .refine((v) => !CONTROL_CHARS.test(v), { message: "must not contain control characters" });

export const emailSchema = z.email({ message: "must be an email address" }).max(254);

const DOMAIN =
  /^(?=.{1,253}$)(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

export const domainSchema = z
  .string()
  .trim()
  .regex(DOMAIN, { message: "must be a domain name such as contoso.com" })
  .transform((v) => v.toLowerCase());

/** Directory tenant ids (and partner ids, which are tenant ids) are GUIDs. */
export const guidSchema = z.guid({ message: "must be a GUID" });
