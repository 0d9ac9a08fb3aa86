import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { CosmosClient } from "@azure/cosmos";
import { loopbackCosmosClient } from "../../src/localhost/services/cosmos";
import { startEmailEndpoint, type EmailEndpoint, type StoredMail } from "../../src/localhost/services/email";
import { eventually, Journey } from "../journey/support";
import { startHostProcess, type HostProcess } from "../support/host-process";
import { Receiver } from "../support/webhook-receiver";

/**
 * One world for kill-and-restart runs: the host (embedded Cosmos and Azurite keeping their data in
 * one data folder, virtual clock) as a child process, and the email endpoint and a webhook receiver
 * in the test process, so they outlive every host and count every send and delivery.
 *
 * `step` runs one part of a journey; when the host dies under it (an armed fault point), it waits
 * for the death, takes down what the host left in its process group (Azurite), starts a new host
 * on the same data with nothing armed, and runs the step again. Steps are written to be run again
 * (PUTs, an `Idempotency-Key`, "advance the clock to", "wait until").
 */
export const FULL_FAULTS = process.env.FAULTS === "full";

export interface HostStatus {
  faults: { activities: string[]; armed: { point: string; at: number }[]; passed: Record<string, number> };
}

export class FaultWorld {
  readonly dataDir = mkdtempSync(path.join(tmpdir(), "faults-"));
  readonly receiver = new Receiver();
  receiverUrl = "";
  email!: EmailEndpoint;
  kills = 0;
  starts = 0;
  private host: HostProcess | undefined;
  private current: Journey | undefined;
  private cosmosClient: CosmosClient | undefined;
  private dead = false;
  private restarting: Promise<void> | undefined;
  /** Called at the start of every step (the soak kills the host from here at random steps). */
  onStep: (() => void) | undefined;
  /**
   * How "advance the clock to" is done; the soak replaces it with a barrier so that concurrent
   * journeys move the one shared clock together.
   */
  advanceTo: (at: number) => Promise<void> = (at) => this.advanceClockTo(at);

  private constructor(private readonly extraEnv: Record<string, string>) {}

  static async open(options: { env?: Record<string, string> } = {}): Promise<FaultWorld> {
    const world = new FaultWorld(options.env ?? {});
    [world.email, world.receiverUrl] = await Promise.all([startEmailEndpoint(), world.receiver.start()]);
    return world;
  }

  get journey(): Journey {
    if (!this.current) throw new Error("no host running");
    return this.current;
  }

  /** Starts a host on the world's data, with `faults` armed (LOCALHOST_FAULTS) when given. */
  async start(faults?: string): Promise<Journey> {
    let host: HostProcess;
    try {
      host = await this.spawn(faults);
    } catch (error) {
      // Armed at a point the start-up itself passes (the Cosmos writes that create the database and
      // containers): the host died before it was ready; a clean start on the same data goes on.
      if (!faults || !/Host exited before printing/.test((error as Error).message)) throw error;
      this.kills++;
      host = await this.spawn(undefined);
    }
    this.starts++;
    this.host = host;
    this.dead = false;
    void host.exited.then(() => {
      if (this.host === host) this.dead = true;
    });
    this.cosmosClient?.dispose();
    this.cosmosClient = undefined;
    this.current = new Journey(host);
    return this.current;
  }

  private spawn(faults: string | undefined): Promise<HostProcess> {
    return startHostProcess({
      args: ["--clock", "virtual", "--data-dir", this.dataDir, "--no-email"],
      env: {
        AUTH_MODE: "dev",
        CLOCK: "virtual",
        EMAIL_ENDPOINT: this.email.endpoint,
        EMAIL_ACCESS_KEY: this.email.accessKey,
        LOCALHOST_FAULTS: faults,
        ...this.extraEnv,
      },
    });
  }

  /** Kills the host and what it started (Azurite), as a power cut would. */
  async killNow(): Promise<void> {
    if (this.restarting) await this.restarting;
    const host = this.host;
    if (!host) return;
    try {
      process.kill(-host.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
    await host.exited;
    this.kills++;
    this.host = undefined;
    this.current = undefined;
  }

  /** After the host killed itself at a fault point: take down its group and start a clean host. */
  private async restartAfterDeath(): Promise<void> {
    const host = this.host;
    if (host) {
      await host.exited;
      try {
        process.kill(-host.pid, "SIGKILL");
      } catch {
        // The group is gone already.
      }
      this.kills++;
    }
    await this.start();
  }

  /**
   * Throws while no host is up. Waits that look only at what the test process holds (the mailbox,
   * the webhook receiver) call it between probes: a host that died before sending would otherwise
   * be noticed only when the wait times out.
   */
  assertHostUp(): void {
    if (!this.current || this.dead) throw new Error("the host is down");
  }

  /**
   * Waits up to `timeoutMs` for the running host to die (at its armed fault point), then starts a
   * clean host on the same data. A journey's last step can end before the host reaches a point it
   * passes right after (the outcome emails are sent, the activity's result is not recorded yet):
   * checking then would race the death.
   */
  async awaitArmedDeath(timeoutMs: number): Promise<boolean> {
    const host = this.host;
    if (!host) return false;
    const died = await Promise.race([
      host.exited.then(() => true),
      new Promise<false>((resolve) => {
        setTimeout(() => resolve(false), timeoutMs).unref();
      }),
    ]);
    if (died) await this.ensureHost();
    return died;
  }

  /**
   * Waits until no orchestration is pending or running but the admin relationships' lifecycles
   * (they wait for their end dates): what a restart re-ran is done before anything is checked.
   */
  async settle(timeoutMs: number): Promise<void> {
    await this.step("the orchestrations to settle", (j) =>
      eventually(
        async () => {
          const answer = await j.call<{ name: string; instanceId: string }[]>(
            "GET",
            "/runtime/webhooks/durabletask/instances?runtimeStatus=Pending,Running",
          );
          return answer.body.filter((o) => !/^adminRelationship/i.test(o.name));
        },
        (open) => open.length === 0,
        "the orchestrations to settle",
        timeoutMs,
      ),
    );
  }

  /** Whether the host died (or dies within a few seconds of a failed request). */
  private async died(): Promise<boolean> {
    const host = this.host;
    if (!host || this.dead) return true;
    const grace = new Promise<false>((resolve) => {
      setTimeout(() => resolve(false), 5_000).unref();
    });
    return Promise.race([host.exited.then(() => true), grace]);
  }

  /** Concurrent steps that all saw the host die share one restart. */
  private async ensureHost(): Promise<void> {
    if (this.current && !this.dead) return;
    this.restarting ??= this.restartAfterDeath().finally(() => (this.restarting = undefined));
    await this.restarting;
  }

  /**
   * Moves the virtual clock to `at` through every timer on the way. After a restart the clock
   * starts at the real time again, so the step is "advance to", never "advance by".
   */
  async advanceClockTo(at: number): Promise<void> {
    await this.step("advance the clock", async (j) => {
      const now = await j.call<{ now: string }>("GET", "/dev/clock");
      const seconds = Math.ceil((at - Date.parse(now.body.now)) / 1000);
      if (seconds <= 0) return;
      const answer = await j.call("POST", "/dev/clock/advance", { json: { seconds } });
      if (answer.status !== 200) throw new Error(`advance: ${answer.status} ${answer.text}`);
    });
  }

  /** Runs `fn`; if the host dies under it, restarts the host on the same data and runs it again. */
  async step<T>(what: string, fn: (j: Journey) => Promise<T>): Promise<T> {
    this.onStep?.();
    for (let attempt = 0; ; attempt++) {
      await this.ensureHost();
      try {
        return await fn(this.journey);
      } catch (error) {
        // A 503 (a dependency busy or down, with Retry-After) asks the client to send it again.
        if (attempt < 10 && /\b503\b/.test((error as Error).message)) continue;
        if (attempt < 10 && (await this.died())) continue;
        // The host's last lines say why it answered as it did (host logs carry no secrets).
        const tail = this.host?.output().slice(-3000) ?? "";
        throw new Error(`${what}: ${(error as Error).message}\n--- host output (tail) ---\n${tail}`, {
          cause: error,
        });
      }
    }
  }

  async status(): Promise<HostStatus> {
    return this.step("host status", async (j) => {
      const answer = await j.call<HostStatus>("GET", "/admin/host/status");
      return answer.body;
    });
  }

  /** A client for the embedded Cosmos of the running host (its endpoint is in the start-up lines). */
  cosmos(): CosmosClient {
    if (this.cosmosClient) return this.cosmosClient;
    const match = /Cosmos:\s+(https:\/\/\S+)/.exec(this.host?.output() ?? "");
    if (!match?.[1]) throw new Error("the host printed no Cosmos endpoint");
    // The embedded server accepts any key.
    this.cosmosClient = loopbackCosmosClient(match[1], "a2V5");
    return this.cosmosClient;
  }

  /** Every document of a container whose fields match `where`. */
  async documents(container: string, where: Record<string, string>): Promise<Record<string, unknown>[]> {
    return this.step(`read ${container}`, async () => {
      const conditions = Object.keys(where).map((k, i) => `c["${k}"] = @p${i}`);
      const { resources } = await this.cosmos()
        .database(process.env.COSMOS_DATABASE ?? "csp")
        .container(container)
        .items.query<Record<string, unknown>>({
          query: `SELECT * FROM c${conditions.length ? ` WHERE ${conditions.join(" AND ")}` : ""}`,
          parameters: Object.values(where).map((value, i) => ({ name: `@p${i}`, value })),
        })
        .fetchAll();
      return resources;
    });
  }

  mailTo(address: string): StoredMail[] {
    return this.email.messages().filter((m) => m.to.includes(address));
  }

  /** Subjects sent to `address` more than once (the same email twice), with their counts. */
  duplicateMail(address: string): Record<string, number> {
    const counts = new Map<string, number>();
    for (const m of this.mailTo(address)) counts.set(m.subject, (counts.get(m.subject) ?? 0) + 1);
    return Object.fromEntries([...counts].filter(([, n]) => n > 1));
  }

  async close(): Promise<void> {
    this.cosmosClient?.dispose();
    await this.host?.stop();
    await Promise.all([this.email?.stop(), this.receiver.stop()]);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
