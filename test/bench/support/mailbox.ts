import {
  startEmailEndpoint,
  type EmailEndpoint,
  type StoredMail,
} from "../../../src/localhost/services/email";

interface Waiter {
  match: (mail: StoredMail) => boolean;
  resolve: (arrival: MailArrival) => void;
}

export interface MailArrival {
  mail: StoredMail;
  /** `performance.now()` when the endpoint stored it. */
  at: number;
}

/**
 * The local ACS email endpoint, run by the benchmark itself so that it sees each message the moment
 * the app's email client delivers it: create-to-email is measured without polling the host.
 */
export class BenchMailbox {
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly early = new Map<string, MailArrival[]>();

  private constructor(readonly endpoint: EmailEndpoint) {}

  static async start(): Promise<BenchMailbox> {
    // Messages can only arrive once the endpoint exists, and the mailbox needs the endpoint.
    const ref: { box?: BenchMailbox } = {};
    const endpoint = await startEmailEndpoint({
      silent: true,
      onMail: (mail) => ref.box?.deliver({ mail, at: performance.now() }),
    });
    ref.box = new BenchMailbox(endpoint);
    return ref.box;
  }

  /** The next message to `address` matching `match` (one already delivered counts). */
  next(address: string, match: (mail: StoredMail) => boolean = () => true): Promise<MailArrival> {
    const early = this.early.get(address) ?? [];
    const index = early.findIndex((a) => match(a.mail));
    if (index >= 0) return Promise.resolve(early.splice(index, 1)[0]!);
    return new Promise((resolve) => {
      const list = this.waiters.get(address) ?? [];
      list.push({ match, resolve });
      this.waiters.set(address, list);
    });
  }

  private deliver(arrival: MailArrival): void {
    for (const address of arrival.mail.to) {
      const list = this.waiters.get(address) ?? [];
      const index = list.findIndex((w) => w.match(arrival.mail));
      if (index >= 0) {
        list.splice(index, 1)[0]!.resolve(arrival);
        if (list.length === 0) this.waiters.delete(address);
      } else {
        const early = this.early.get(address) ?? [];
        early.push(arrival);
        this.early.set(address, early);
      }
    }
  }

  /** Forgets what nobody waited for (between phases). */
  clear(): void {
    this.early.clear();
  }

  env(): Record<string, string> {
    return { EMAIL_ENDPOINT: this.endpoint.endpoint, EMAIL_ACCESS_KEY: this.endpoint.accessKey };
  }

  stop(): Promise<void> {
    return this.endpoint.stop();
  }
}
