import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmailEndpoint, type EmailEndpoint } from "../../src/localhost/services/email";
import { startTestAzurite, type TestAzurite } from "../support/azurite";
import { startTestCosmos, type TestCosmos } from "../support/cosmos";
import { startHostProcess, type HostProcess } from "../support/host-process";
import { customerFor, eventually, Journey, linkPath, type MailItem } from "./support";

/**
 * The host dies (SIGKILL) right after an email went out — before or after the activity's completion
 * reached durable storage, whichever the timing gives — and a new host resumes the orchestration
 * from Azure Table storage (Azurite). Whatever re-runs, each step's email goes out exactly once (the
 * ACS operation id is derived from the invitation and the step) and the journey completes. Cosmos,
 * Azurite and the email endpoint live in the test process so they outlive the hosts.
 */
let azurite: TestAzurite;
let cosmos: TestCosmos;
let email: EmailEndpoint;
const hosts = new Set<HostProcess>();

beforeAll(async () => {
  [azurite, cosmos, email] = await Promise.all([
    startTestAzurite({ inMemory: true }),
    startTestCosmos({ database: "h3l-crash" }),
    startEmailEndpoint(),
  ]);
});

afterAll(async () => {
  await Promise.all([...hosts].map((h) => h.stop()));
  await Promise.all([azurite?.stop(), cosmos?.stop(), email?.stop()]);
});

async function startHost(): Promise<Journey> {
  const host = await startHostProcess({
    args: ["--store", "table", "--no-azurite", "--no-cosmos", "--no-email"],
    env: {
      AUTH_MODE: "dev",
      CLOCK: undefined,
      AzureWebJobsStorage: azurite.connectionString,
      COSMOS_ENDPOINT: cosmos.endpoint,
      COSMOS_KEY: cosmos.key,
      COSMOS_DATABASE: cosmos.database,
      EMAIL_ENDPOINT: email.endpoint,
      EMAIL_ACCESS_KEY: email.accessKey,
    },
  });
  hosts.add(host);
  return new Journey(host);
}

async function crash(journey: Journey): Promise<void> {
  await journey.host.kill("SIGKILL");
  hosts.delete(journey.host);
}

const mailTo = (address: string): MailItem[] => email.messages().filter((m) => m.to.includes(address));

async function mailArrives(address: string): Promise<MailItem> {
  const [mail] = await eventually(
    () => Promise.resolve(mailTo(address)),
    (items) => items.length > 0,
    `an email to ${address}`,
    45_000,
  );
  return mail!;
}

describe("host killed right after an email, then restarted", () => {
  it("sends each step's email exactly once and completes the journey", async () => {
    let journey = await startHost();
    const partner = await journey.enrolPartner();
    const customer = customerFor();
    const { id } = await journey.invite(partner, { kind: "reseller", customer, locale: "en" });
    const invitationMail = await mailArrives(customer.adminEmail);
    await crash(journey);

    journey = await startHost();
    await eventually(
      () => journey.orchestration(id),
      (o) => (o.customStatus as { phase?: string } | undefined)?.phase === "waiting",
      "the resumed orchestration to wait for the customer",
      45_000,
    );
    expect(mailTo(customer.adminEmail)).toHaveLength(1);

    // Tokens are signed by a key each host makes at start: take new ones.
    const accepted = await journey.call("POST", `${linkPath(invitationMail)}/accept`, {
      token: await journey.customerToken(customer.tenantId),
    });
    expect(accepted.status).toBe(200);
    await mailArrives(partner.contactEmail);
    await crash(journey);

    journey = await startHost();
    const done = await eventually(
      () => journey.orchestration(id),
      (o) => o.runtimeStatus === "Completed",
      "the orchestration to complete after the second restart",
      45_000,
    );
    expect(done.output).toMatchObject({ outcome: "accepted" });
    const fresh = await journey.refresh(partner);
    expect(await journey.relationships(fresh, customer.tenantId)).toHaveLength(1);
    expect(mailTo(customer.adminEmail)).toHaveLength(1);
    expect(mailTo(partner.contactEmail)).toHaveLength(1);
  });
});
