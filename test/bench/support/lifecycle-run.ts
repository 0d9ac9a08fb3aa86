/**
 * One measured run of invitation lifecycles over HTTP (scenarios 1 and 2 share it): the local host
 * as `npm start` runs it (in-memory durable store, embedded Cosmos, the local email endpoint), N
 * concurrent partners, each lifecycle create -> email -> accept -> both relationships active (the
 * partner's "accepted" email is sent after they are written; they are checked over HTTP at the end).
 * The baseline runs the same lifecycle as plain handlers on the same host (test/bench/baseline-app.ts).
 * Cosmos requests are counted at the app's client by a preloaded counter (support/cosmos-counter.ts).
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { startHostProcess, type HostProcess } from "../../support/host-process";
import { BASELINE_CREATE_ROUTE } from "../bench-names";
import type { CosmosCountsMessage } from "./cosmos-counter";
import type { CosmosRequestKind } from "./cosmos-kinds";
import { askHost } from "./ipc";
import { BenchMailbox } from "./mailbox";
import { envInt, median, runConcurrently } from "./stats";

const GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10";
const EXCHANGE_ADMIN = "29232cdf-9323-42fd-ade2-1d097af3e4de";
const LINK = /\/invite\/[A-Za-z0-9-]{1,64}\.[A-Za-z0-9-]{1,64}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/;

export interface PhaseResult {
  lifecycles: number;
  seconds: number;
  perSecond: number;
  /** ms per lifecycle. */
  post: number[];
  createToEmail: number[];
  counts: CosmosCountsMessage["counts"];
  /** Host CPU per lifecycle, ms: all threads, and the main thread alone. */
  cpuPerLifecycle: { processMs: number; mainThreadMs: number };
}

export interface LifecycleRound {
  durable: PhaseResult;
  baseline: PhaseResult;
  /** durable / baseline lifecycles/s in this round. */
  ratio: number;
}

export interface LifecycleRun {
  clients: number;
  /** Measured lifecycles per phase and round. */
  lifecycles: number;
  /**
   * Each round runs both phases back to back (alternating which goes first), so a ratio compares
   * two phases a few seconds apart: a shared 2-core machine drifts more than that between rounds.
   */
  rounds: LifecycleRound[];
  /** All rounds pooled: latencies, counts and CPU over every lifecycle; lifecycles/s the rounds' median. */
  durable: PhaseResult;
  baseline: PhaseResult;
  /** The median of the rounds' ratios. */
  ratio: number;
}

interface Client {
  partnerId: string;
  partnerEmail: string;
  token: string;
}

async function call(
  host: HostProcess,
  method: string,
  route: string,
  options: { token?: string; json?: unknown } = {},
): Promise<{ status: number; body: unknown; text: string }> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.json !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${host.url}${route}`, {
    method,
    headers,
    body: options.json === undefined ? undefined : JSON.stringify(options.json),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text };
}

async function token(host: HostProcess, claims: Record<string, unknown>): Promise<string> {
  const answer = await call(host, "POST", "/dev/token", { json: claims });
  if (answer.status !== 200) throw new Error(`dev token: ${answer.status} ${answer.text}`);
  return (answer.body as { access_token: string }).access_token;
}

/** The counter answers `error` when a thread did not report: the counts would be short. */
function counted<T>(answer: T & { error?: string }): T {
  if (answer.error) throw new Error(`Cosmos counter: ${answer.error}`);
  return answer;
}
const resetCounts = async (host: HostProcess): Promise<void> => {
  counted(await askHost<{ error?: string }>(host, "cosmos-reset", "cosmos-reset-done"));
};
const readCounts = async (host: HostProcess): Promise<CosmosCountsMessage> =>
  counted(await askHost<CosmosCountsMessage & { error?: string }>(host, "cosmos-counts", "cosmos-counts"));

async function startHost(mailbox: BenchMailbox, app?: string): Promise<HostProcess> {
  return startHostProcess({
    ...(app ? { app } : {}),
    args: ["--store", "memory"],
    env: { AUTH_MODE: "dev", CLOCK: "real", ...mailbox.env() },
    // BENCH_HOST_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the host.
    nodeArgs: [
      "--require",
      path.join(__dirname, "cosmos-counter.js"),
      ...(process.env.BENCH_HOST_NODE_ARGS ?? "").split(" ").filter(Boolean),
    ],
    ipc: true,
  });
}

function withHostOutput(e: unknown, host: HostProcess): Error {
  return new Error(`${(e as Error).message}\n--- host output (tail) ---\n${host.output().slice(-4000)}`);
}

type Lifecycle = (client: Client, posted: () => void) => Promise<{ post: number; createToEmail: number }>;

/**
 * Runs `count` lifecycles on `clients` loops and times them; one lifecycle per client goes first,
 * unmeasured (all at once: it warms the host). The measured loops then join one at a time, each when
 * the one before has had its first POST answered: loops released together would measure 20
 * simultaneous POSTs, a burst that closed loops of real partners never line up into, while the
 * loops' own pace spreads them from then on.
 */
async function phase(
  host: HostProcess,
  clients: readonly Client[],
  count: number,
  lifecycle: Lifecycle,
): Promise<PhaseResult> {
  await runConcurrently(clients.length, clients.length, (i) =>
    lifecycle(clients[i]!, () => undefined).then(() => undefined),
  );
  await resetCounts(host);
  const post: number[] = [];
  const createToEmail: number[] = [];
  const joined = clients.map(() => {
    let resolve = (): void => undefined;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  });
  const started = performance.now();
  await runConcurrently(count, clients.length, async (_, worker) => {
    if (worker > 0) await joined[worker - 1]!.promise;
    const timing = await lifecycle(clients[worker]!, () => joined[worker]!.resolve());
    post.push(timing.post);
    createToEmail.push(timing.createToEmail);
  });
  const seconds = (performance.now() - started) / 1000;
  const { counts, cpu } = await readCounts(host);
  const cpuPerLifecycle = { processMs: cpu.processMs / count, mainThreadMs: cpu.mainThreadMs / count };
  return {
    lifecycles: count,
    seconds,
    perSecond: count / seconds,
    post,
    createToEmail,
    counts,
    cpuPerLifecycle,
  };
}

async function durablePhase(mailbox: BenchMailbox, clientCount: number, count: number): Promise<PhaseResult> {
  const host = await startHost(mailbox);
  try {
    const operator = await token(host, { tenantId: "bench-operator", roles: ["Operator"] });
    const clients: Client[] = [];
    for (let i = 0; i < clientCount; i++) {
      const partnerId = randomUUID();
      const partnerEmail = `bench-${partnerId.slice(0, 8)}@partner.example`;
      const enrol = await call(host, "PUT", `/api/partners/${partnerId}`, {
        token: operator,
        json: { name: `Bench ${i}`, type: "direct", cloud: "global", contactEmail: partnerEmail },
      });
      if (enrol.status !== 201 && enrol.status !== 200)
        throw new Error(`enrol: ${enrol.status} ${enrol.text}`);
      clients.push({
        partnerId,
        partnerEmail,
        token: await token(host, { tenantId: partnerId, roles: ["GlobalAdmin"] }),
      });
    }
    // Customer tokens are minted before the clock starts: signing is the dev issuer's work, not the API's.
    const customers = await Promise.all(
      Array.from({ length: count + clientCount }, async () => {
        const tenantId = randomUUID();
        return {
          tenantId,
          token: await token(host, { tenantId, wids: [GLOBAL_ADMINISTRATOR] }),
          domain: `c-${tenantId.slice(0, 8)}.example`,
          displayName: `Customer ${tenantId.slice(0, 8)}`,
          adminEmail: `admin-${tenantId.slice(0, 8)}@customer.example`,
        };
      }),
    );
    const done: { client: Client; tenantId: string }[] = [];
    const result = await phase(host, clients, count, async (client, posted) => {
      const customer = customers.pop()!;
      const t0 = performance.now();
      const created = await call(host, "POST", "/api/invitations", {
        token: client.token,
        json: {
          kind: "reseller+admin",
          locale: "en",
          customer: {
            tenantId: customer.tenantId,
            domain: customer.domain,
            displayName: customer.displayName,
            adminEmail: customer.adminEmail,
          },
          admin: { roles: [EXCHANGE_ADMIN], durationDays: 60, autoExtend: true },
        },
      });
      const post = performance.now() - t0;
      posted();
      if (created.status !== 202) throw new Error(`create: ${created.status} ${created.text}`);
      const email = await mailbox.next(customer.adminEmail);
      const link = LINK.exec(email.mail.text)?.[0];
      if (!link) throw new Error(`no link in "${email.mail.subject}"`);
      const told = mailbox.next(client.partnerEmail, (m) => m.subject.includes(customer.displayName));
      const accepted = await call(host, "POST", `${link}/accept`, { token: customer.token });
      if (accepted.status !== 200) throw new Error(`accept: ${accepted.status} ${accepted.text}`);
      await told;
      done.push({ client, tenantId: customer.tenantId });
      return { post, createToEmail: email.at - t0 };
    });
    // Both relationships active, as the partner sees them (after the counts were read).
    await runConcurrently(done.length, clientCount, async (i) => {
      const { client, tenantId } = done[i]!;
      const answer = await call(host, "GET", `/api/customers/${tenantId}/relationships`, {
        token: client.token,
      });
      const items = (answer.body as { items?: { type: string; status: string }[] } | undefined)?.items ?? [];
      const active = new Set(items.filter((r) => r.status === "active").map((r) => r.type));
      if (!active.has("reseller") || !active.has("admin"))
        throw new Error(`customer ${tenantId}: relationships ${JSON.stringify(items)}`);
    });
    return result;
  } catch (e) {
    throw withHostOutput(e, host);
  } finally {
    await host.stop();
  }
}

async function baselinePhase(
  mailbox: BenchMailbox,
  clientCount: number,
  count: number,
): Promise<PhaseResult> {
  const host = await startHost(mailbox, path.join(__dirname, "..", "baseline-app.js"));
  try {
    const clients: Client[] = Array.from({ length: clientCount }, () => {
      const partnerId = randomUUID();
      return { partnerId, partnerEmail: `base-${partnerId.slice(0, 8)}@partner.example`, token: "" };
    });
    return await phase(host, clients, count, async (client, posted) => {
      const tenantId = randomUUID();
      const adminEmail = `admin-${tenantId.slice(0, 8)}@customer.example`;
      const t0 = performance.now();
      const created = await call(host, "POST", `/${BASELINE_CREATE_ROUTE}`, {
        json: {
          partnerId: client.partnerId,
          partnerEmail: client.partnerEmail,
          customerTenantId: tenantId,
          adminEmail,
        },
      });
      const post = performance.now() - t0;
      posted();
      if (created.status !== 202) throw new Error(`baseline create: ${created.status} ${created.text}`);
      const email = await mailbox.next(adminEmail);
      const told = mailbox.next(client.partnerEmail);
      const accepted = await call(host, "POST", new URL(email.mail.text).pathname);
      if (accepted.status !== 200) throw new Error(`baseline accept: ${accepted.status} ${accepted.text}`);
      await told;
      return { post, createToEmail: email.at - t0 };
    });
  } catch (e) {
    throw withHostOutput(e, host);
  } finally {
    await host.stop();
  }
}

/** Pools phases: latencies and counts over every lifecycle, lifecycles/s the median phase's. */
function pooled(phases: readonly PhaseResult[]): PhaseResult {
  const lifecycles = phases.reduce((sum, p) => sum + p.lifecycles, 0);
  const counts = new Map<string, PhaseResult["counts"][number]>();
  for (const { kind, container, count } of phases.flatMap((p) => p.counts)) {
    const key = `${kind}\u0000${container}`;
    counts.set(key, { kind, container, count: (counts.get(key)?.count ?? 0) + count });
  }
  const cpuMs = (pick: (cpu: PhaseResult["cpuPerLifecycle"]) => number): number =>
    phases.reduce((sum, p) => sum + pick(p.cpuPerLifecycle) * p.lifecycles, 0) / lifecycles;
  return {
    lifecycles,
    seconds: phases.reduce((sum, p) => sum + p.seconds, 0),
    perSecond: median(phases.map((p) => p.perSecond)),
    post: phases.flatMap((p) => p.post),
    createToEmail: phases.flatMap((p) => p.createToEmail),
    counts: [...counts.values()],
    cpuPerLifecycle: { processMs: cpuMs((c) => c.processMs), mainThreadMs: cpuMs((c) => c.mainThreadMs) },
  };
}

let memo: { quick: boolean; run: Promise<LifecycleRun> } | undefined;

/** Scenarios 1 and 2 read the same run: measured once per process. */
export function lifecycleRun(quick: boolean): Promise<LifecycleRun> {
  if (memo?.quick === quick) return memo.run;
  const clients = envInt("BENCH_CLIENTS", quick ? 5 : 20);
  const lifecycles = envInt("BENCH_LIFECYCLES", quick ? 25 : 200);
  const roundCount = envInt("BENCH_ROUNDS", quick ? 1 : 5);
  const run = (async (): Promise<LifecycleRun> => {
    const mailbox = await BenchMailbox.start();
    try {
      const rounds: LifecycleRound[] = [];
      for (let r = 0; r < roundCount; r++) {
        // Alternating the order keeps a warming or cooling machine from favouring either phase.
        const phases = r % 2 === 0 ? (["baseline", "durable"] as const) : (["durable", "baseline"] as const);
        const result: Partial<Record<(typeof phases)[number], PhaseResult>> = {};
        for (const which of phases) {
          mailbox.clear();
          result[which] =
            which === "durable"
              ? await durablePhase(mailbox, clients, lifecycles)
              : await baselinePhase(mailbox, clients, lifecycles);
        }
        const { durable, baseline } = result as Record<(typeof phases)[number], PhaseResult>;
        rounds.push({ durable, baseline, ratio: durable.perSecond / baseline.perSecond });
      }
      return {
        clients,
        lifecycles,
        rounds,
        durable: pooled(rounds.map((r) => r.durable)),
        baseline: pooled(rounds.map((r) => r.baseline)),
        ratio: median(rounds.map((r) => r.ratio)),
      };
    } finally {
      await mailbox.stop();
    }
  })();
  memo = { quick, run };
  return run;
}

export function countOf(
  counts: PhaseResult["counts"],
  kinds: ReadonlySet<CosmosRequestKind> | CosmosRequestKind,
): number {
  const match =
    typeof kinds === "string"
      ? (k: CosmosRequestKind) => k === kinds
      : (k: CosmosRequestKind) => kinds.has(k);
  return counts.filter((c) => match(c.kind)).reduce((sum, c) => sum + c.count, 0);
}
