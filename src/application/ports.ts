/** What the application needs from the outside world; adapters implement these. */

export interface Clock {
  now(): Date;
}

export interface OutgoingEmail {
  to: string[];
  subject: string;
  html: string;
  text: string;
}

export interface EmailSender {
  /**
   * Sends one message. `operationId` makes a retried send a no-op at the email service, so an
   * activity that runs twice sends once; derive it from the orchestration instance and step.
   */
  send(email: OutgoingEmail, operationId: string): Promise<void>;
}

export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}
