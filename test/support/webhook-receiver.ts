import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A webhook receiver on 127.0.0.1 (port 0) for the journeys; WEBHOOKS_ALLOW_LOOPBACK lets the host deliver to it. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Answers 500 to the first `failures` requests on each path, then 200; keeps every request. */
export class Receiver {
  readonly received: Received[] = [];
  private server?: Server;
  private failuresLeft = new Map<string, number>();
  /** While true every request is kept and answered 503 (the receiver is down). */
  down = false;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const path = req.url ?? "/";
        this.received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        const left = this.failuresLeft.get(path) ?? 0;
        this.failuresLeft.set(path, left - 1);
        res.statusCode = this.down ? 503 : left > 0 ? 500 : 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  failFirst(path: string, failures: number): void {
    this.failuresLeft.set(path, failures);
  }

  on(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
