import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { SecretBox } from "../../application/webhooks/ports";

/**
 * AES-256-GCM with a key derived (HKDF, its own label) from a settings secret, so a copy of the
 * database alone does not reveal any partner's signing secret. The key is INVITATION_LINK_KEY's
 * derivative: rotating that setting makes the stored secrets unreadable, and partners register
 * again (PUT /api/webhooks returns a new secret); docs/webhooks.md says so.
 */
export function aesGcmSecretBox(keyMaterial: string): SecretBox {
  const key = Buffer.from(
    hkdfSync("sha256", Buffer.from(keyMaterial, "utf8"), Buffer.alloc(0), "webhook-signing-secret/v1", 32),
  );
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const sealed = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return `v1.${iv.toString("base64url")}.${sealed.toString("base64url")}.${cipher.getAuthTag().toString("base64url")}`;
    },
    open(value) {
      const [version, iv, sealed, tag] = value.split(".");
      if (version !== "v1" || !iv || !sealed || !tag)
        throw new Error("The sealed webhook secret is malformed.");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(sealed, "base64url")), decipher.final()]).toString(
        "utf8",
      );
    },
  };
}
