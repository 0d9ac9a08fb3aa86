import { describe, expect, it } from "vitest";
import { LOCALES } from "../../src/domain/model";
import { migrationCompletedEmail, migrationReminderEmail } from "../../src/web/migration-emails";

const input = {
  partnerName: "Fabrikam <b>Partners</b>",
  customerName: "Contoso",
  offer: "Microsoft 365 E3",
  subscriptionId: "E3-1",
  termEnd: "2030-07-20T00:00:00.000Z",
  daysBefore: 30,
};

describe("migration emails", () => {
  it("R17: the reminder names the days left and the term end in each of the four languages", () => {
    const subjects = new Set<string>();
    for (const locale of LOCALES) {
      const email = migrationReminderEmail({ ...input, locale });
      expect(email.subject, locale).toContain("30");
      expect(email.text, locale).toContain("E3-1");
      expect(email.html, locale).toContain(`lang="${locale}"`);
      subjects.add(email.subject);
    }
    expect(subjects.size).toBe(LOCALES.length);
  });

  it("partner-supplied names are escaped in markup and kept on one line in subjects", () => {
    const email = migrationCompletedEmail({
      ...input,
      partnerName: "Evil\n<script>x</script>",
      locale: "en",
    });
    expect(email.subject).not.toContain("\n");
    expect(email.html).not.toContain("<script>");
    expect(email.html).toContain("&lt;script&gt;");
  });

  it("an unknown locale falls back to English", () => {
    expect(migrationCompletedEmail({ ...input, locale: "xx" }).subject).toBe(
      migrationCompletedEmail({ ...input, locale: "en" }).subject,
    );
  });
});
