import { EmailClient } from "@azure/communication-email";
import { AzureKeyCredential } from "@azure/core-auth";
import { DefaultAzureCredential } from "@azure/identity";
import { Agent } from "node:https";
import { isLoopbackEndpoint } from "../loopback";
import type { EmailSender, OutgoingEmail } from "../../application/ports";

export interface EmailSettings {
  EMAIL_ENDPOINT: string;
  EMAIL_ACCESS_KEY?: string | undefined;
  EMAIL_SENDER: string;
}

/** Azure Communication Services Email; the operation id makes a repeated send a no-op. */
export class AcsEmailSender implements EmailSender {
  private readonly client: EmailClient;

  constructor(private readonly settings: EmailSettings) {
    const credential = settings.EMAIL_ACCESS_KEY
      ? new AzureKeyCredential(settings.EMAIL_ACCESS_KEY)
      : new DefaultAzureCredential();
    // The local host's ACS endpoint serves a self-signed certificate on loopback: relaxed for that
    // endpoint's own client only, never process-wide.
    this.client = new EmailClient(
      settings.EMAIL_ENDPOINT,
      credential,
      isLoopbackEndpoint(settings.EMAIL_ENDPOINT)
        ? { agent: new Agent({ rejectUnauthorized: false, keepAlive: true }) }
        : {},
    );
  }

  async send(email: OutgoingEmail, operationId: string): Promise<void> {
    const poller = await this.client.beginSend(
      {
        senderAddress: this.settings.EMAIL_SENDER,
        recipients: { to: email.to.map((address) => ({ address })) },
        content: { subject: email.subject, html: email.html, plainText: email.text },
        disableUserEngagementTracking: true,
      },
      { operationId, updateIntervalInMs: 250 },
    );
    const result = await poller.pollUntilDone();
    if (result.status !== "Succeeded") {
      throw new Error(`Email operation ${operationId} ended ${result.status}`);
    }
  }
}
