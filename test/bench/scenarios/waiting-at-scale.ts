/**
 * Scenario 4 of issue 11: waiting at scale. 10,000 invitations and 10,000 at-term-end migrations
 * (1,000 + 1,000 with BENCH_QUICK=1), created over HTTP against the local host as partners would,
 * all left waiting on their durable timers. The host's resident memory after start, after 1,000
 * waiting and after all of them (flat = waiting instances are not held in memory), and the size of
 * the durable store in Azurite's tables.
 */
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { readdirSync, statSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startAzurite } from "../../../src/localhost/services/azurite";
import { customerFor, DAY_MS, Journey, linkPath, type PartnerSetup } from "../../journey/client";
import { startTestCosmos } from "../../support/embedded-cosmos";
import { startHostProcess } from "../../support/host-process";
import { askHost } from "../support/ipc";
import { BenchMailbox } from "../support/mailbox";
import type { MemoryMessage } from "../support/memory-probe";
import type { BenchScenario } from "../scenario";
import { envInt } from "../support/stats";

/** Requests in flight while creating: a few partners' worth of traffic, not a storm. */
const CONCURRENCY = 8;
/** Subscriptions per customer (one import each); each gets its own at-term-end migration. */
const PER_CUSTOMER = 100;
/** Invitations per partner, so one partner's list stays an ordinary size. */
const PER_PARTNER = 1_000;
const TERM_END_DAYS = 200;
const FLAT_MIB_PER_THOUSAND = 2;

const progress = (line: string): void => {
  process.stderr.write(`[waiting-at-scale] ${line}\n`);
};

async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>) {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function folderBytes(folder: string): number {
  let total = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    total += entry.isDirectory() ? folderBytes(full) : statSync(full).size;
  }
  return total;
}

async function expectStatus(answer: { status: number; text: string }, status: number, what: string) {
  if (answer.status !== status) throw new Error(`${what}: ${answer.status} ${answer.text.slice(0, 500)}`);
  return Promise.resolve();
}

/** A partner with an accepted reseller relationship with a fresh customer (R20), as the journeys make one. */
async function resellerCustomer(journey: Journey, mailbox: BenchMailbox, partner: PartnerSetup) {
  const customer = customerFor();
  await journey.invite(partner, { kind: "reseller", customer, locale: "en" });
  const { mail } = await mailbox.next(customer.adminEmail);
  const accepted = await journey.call("POST", `${linkPath(mail)}/accept`, {
    token: await journey.customerToken(customer.tenantId),
  });
  await expectStatus(accepted, 200, "accept");
  return customer;
}

/** Orchestrations that are Running and sit on their timers (customStatus phase "waiting"), by name. */
async function waitingInstances(journey: Journey): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let token: string | undefined;
  do {
    const answer = await journey.call<{ name: string; customStatus?: { phase?: string } }[]>(
      "GET",
      "/runtime/webhooks/durabletask/instances?runtimeStatus=Running&top=1000",
      token ? { headers: { "x-ms-continuation-token": token } } : {},
    );
    await expectStatus(answer, 200, "list instances");
    for (const item of answer.body) {
      if (item.customStatus?.phase === "waiting") counts[item.name] = (counts[item.name] ?? 0) + 1;
    }
    token = answer.headers.get("x-ms-continuation-token") ?? undefined;
  } while (token);
  return counts;
}

/** Rows and bytes (as stored: each entity's JSON) of every table in an Azurite folder. */
async function tableSize(
  location: string,
): Promise<{ tables: Record<string, number>; rows: number; bytes: number }> {
  const azurite = await startAzurite({ location, silent: true });
  try {
    const service = TableServiceClient.fromConnectionString(azurite.connectionString, {
      allowInsecureConnection: true,
    });
    const tables: Record<string, number> = {};
    let rows = 0;
    let bytes = 0;
    for await (const table of service.listTables()) {
      const name = table.name ?? "";
      const client = TableClient.fromConnectionString(azurite.connectionString, name, {
        allowInsecureConnection: true,
      });
      let count = 0;
      for await (const entity of client.listEntities()) {
        count++;
        bytes += Buffer.byteLength(JSON.stringify(entity), "utf8");
      }
      tables[name] = count;
      rows += count;
    }
    return { tables, rows, bytes };
  } finally {
    await azurite.stop();
  }
}

export const scenario: BenchScenario = {
  name: "waiting-at-scale",
  async run({ quick }) {
    // BENCH_WAITING_EACH picks another size (each kind); the table names it.
    const each = envInt("BENCH_WAITING_EACH", quick ? 1_000 : 10_000);
    const checkpoint = 1_000;
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "bench-waiting-"));
    // Cosmos and the email endpoint outside the host process, so the host's memory is the
    // runtime's, not the documents' nor the 10,000 invitation emails a local mailbox keeps.
    const cosmos = await startTestCosmos({ database: "bench-waiting" });
    const mailbox = await BenchMailbox.start();
    let host: Awaited<ReturnType<typeof startHostProcess>> | undefined;
    try {
      host = await startHostProcess({
        args: ["--store", "table", "--clock", "virtual", "--data-dir", dataDir],
        env: {
          CLOCK: "virtual",
          AUTH_MODE: "dev",
          COSMOS_ENDPOINT: cosmos.endpoint,
          COSMOS_KEY: cosmos.key,
          COSMOS_DATABASE: cosmos.database,
          ...mailbox.env(),
          // The virtual clock stands still while thousands are created: the per-minute limit would refuse them.
          INVITATIONS_PER_PARTNER_PER_MINUTE: "0",
        },
        readyTimeoutMs: 300_000,
        nodeArgs: ["--expose-gc", "--require", path.join(__dirname, "..", "support", "memory-probe.js")],
        ipc: true,
      });
      const journey = new Journey(host);
      const rss: {
        label: string;
        waiting: number;
        mib: number;
        heapMiB: number;
        threadsHeapMiB: number;
        committedMiB: number;
        externalMiB: number;
      }[] = [];
      /** The host's memory after a full collection: what it holds, not what is not yet reclaimed. */
      const measure = async (label: string, waiting: number): Promise<void> => {
        const memory = await askHost<MemoryMessage>(host!, "memory", "memory");
        // A thread that did not collect leaves its garbage in the resident set: that figure would lie.
        if (memory.silentThreads > 0)
          throw new Error(`${memory.silentThreads} host thread(s) did not collect their garbage in time`);
        rss.push({
          label,
          waiting,
          mib: memory.rssMiB,
          heapMiB: memory.heapUsedMiB,
          threadsHeapMiB: memory.threadsHeapUsedMiB,
          committedMiB: memory.heapsCommittedMiB,
          externalMiB: memory.externalMiB,
        });
        progress(
          `${waiting} waiting, heap ${memory.heapUsedMiB} MiB (other threads ${memory.threadsHeapUsedMiB} MiB), heaps committed ${memory.heapsCommittedMiB} MiB, external ${memory.externalMiB} MiB, RSS ${memory.rssMiB} MiB`,
        );
      };
      await measure("after start", 0);

      // Setup (not waiting afterwards): partners, and customers with an accepted reseller relationship.
      const partners: PartnerSetup[] = [];
      for (let p = 0; p < Math.ceil(each / PER_PARTNER); p++) partners.push(await journey.enrolPartner());
      const migrationPartner = partners[0] as PartnerSetup;
      const customers: ReturnType<typeof customerFor>[] = [];
      for (let c = 0; c < Math.ceil(each / PER_CUSTOMER); c++)
        customers.push(await resellerCustomer(journey, mailbox, migrationPartner));
      const clock = await journey.call<{ now: string }>("GET", "/dev/clock");
      const termEnd = new Date(Date.parse(clock.body.now) + TERM_END_DAYS * DAY_MS).toISOString();
      for (const customer of customers) {
        const rows = Array.from({ length: PER_CUSTOMER }, (_, k) => ({
          id: `E3-${k}`,
          offer: "Microsoft 365 E3",
          billing: "license",
          channel: "ea",
          termEnd,
          seats: 10,
        }));
        const imported = await journey.call(
          "POST",
          `/api/customers/${customer.tenantId}/subscriptions/import`,
          {
            token: (await journey.refresh(migrationPartner)).token,
            json: rows,
          },
        );
        await expectStatus(imported, 201, "import");
      }
      progress(`setup done: ${partners.length} partner(s), ${customers.length} customer(s)`);

      let invited = 0;
      let migrating = 0;
      let lap = performance.now();
      // The creation rate as the store grows: a rate that falls with the count is a per-row cost.
      // The heap beside it, so that even a run cut short shows how memory follows the count.
      const created = (): void => {
        if ((invited + migrating) % 2_000 !== 0) return;
        const now = performance.now();
        const rate = Math.round(2_000_000 / (now - lap));
        lap = now;
        const count = invited + migrating;
        void askHost<MemoryMessage>(host!, "memory", "memory").then(
          (memory) => progress(`${count} created, last 2,000 at ${rate}/s, heap ${memory.heapUsedMiB} MiB`),
          () => progress(`${count} created, last 2,000 at ${rate}/s`),
        );
      };
      const invite = async (i: number): Promise<void> => {
        const partner = partners[Math.floor(i / PER_PARTNER)] as PartnerSetup;
        await journey.invite(partner, { kind: "reseller", customer: customerFor("Fabrikam"), locale: "en" });
        invited++;
        created();
      };
      const migrate = async (i: number): Promise<void> => {
        const customer = customers[Math.floor(i / PER_CUSTOMER)];
        const answer = await journey.call("POST", "/api/migrations", {
          token: migrationPartner.token,
          json: {
            customerTenantId: customer?.tenantId,
            subscriptionId: `E3-${i % PER_CUSTOMER}`,
          },
        });
        await expectStatus(answer, 202, "start migration");
        migrating++;
        created();
      };
      /** Creates up to `invitations` and `migrations` in all, then lets the host settle. */
      const upTo = async (invitations: number, migrations: number): Promise<void> => {
        const fromInv = invited;
        const fromMig = migrating;
        await pool(invitations - fromInv + migrations - fromMig, CONCURRENCY, (k) => {
          // Interleaved, as traffic of both kinds would be.
          const half = Math.min(invitations - fromInv, migrations - fromMig);
          if (k < 2 * half) return k % 2 === 0 ? invite(fromInv + k / 2) : migrate(fromMig + (k - 1) / 2);
          const rest = k - 2 * half;
          return invitations - fromInv > half
            ? invite(fromInv + half + rest)
            : migrate(fromMig + half + rest);
        });
        // A one-second step of the virtual clock returns once every episode and activity has run:
        // everything created is on its timers then (none is due within a second).
        const advanced = await journey.call("POST", "/dev/clock/advance", { json: { seconds: 1 } });
        await expectStatus(advanced, 200, "advance");
      };

      const started = performance.now();
      await upTo(checkpoint / 2, checkpoint / 2);
      const first = await waitingInstances(journey);
      await measure(`after ${checkpoint}`, sum(first));
      await upTo(each, each);
      const creationSeconds = (performance.now() - started) / 1000;
      const all = await waitingInstances(journey);
      await measure(`after ${2 * each}`, sum(all));

      await host.stop();
      host = undefined;
      const size = await tableSize(path.join(dataDir, "azurite"));
      const diskBytes = folderBytes(path.join(dataDir, "azurite"));
      const [atStart, atCheckpoint, atEnd] = rss;
      const perThousand = (from: number, to: number): number =>
        Math.round(((to - from) / ((2 * each - checkpoint) / 1000)) * 10) / 10;
      const heapPerThousand = perThousand(atCheckpoint?.heapMiB ?? 0, atEnd?.heapMiB ?? 0);
      return {
        name: "waiting-at-scale",
        title: `Waiting at scale: ${each} invitations + ${each} migrations on durable timers (table store)`,
        figures: [
          { metric: "host heap after start (after GC)", unit: "MiB", value: atStart?.heapMiB ?? Number.NaN },
          {
            metric: `host heap with ${atCheckpoint?.waiting} waiting (after GC)`,
            unit: "MiB",
            value: atCheckpoint?.heapMiB ?? Number.NaN,
          },
          {
            metric: `host heap with ${atEnd?.waiting} waiting (after GC)`,
            unit: "MiB",
            value: atEnd?.heapMiB ?? Number.NaN,
            baseline: atCheckpoint?.heapMiB,
            ratio: Math.round(((atEnd?.heapMiB ?? 0) / (atCheckpoint?.heapMiB ?? 1)) * 100) / 100,
          },
          {
            metric: "host heap growth per 1,000 more waiting",
            unit: "MiB",
            value: heapPerThousand,
            // Flat: what is left is allocator noise, not a per-instance cost.
            target: `flat (<= ${FLAT_MIB_PER_THOUSAND} MiB)`,
            met: heapPerThousand <= FLAT_MIB_PER_THOUSAND,
          },
          {
            metric: `durable thread heap with ${atCheckpoint?.waiting} / ${atEnd?.waiting} waiting (after GC)`,
            unit: "MiB",
            value: atEnd?.threadsHeapMiB ?? Number.NaN,
            baseline: atCheckpoint?.threadsHeapMiB,
            ratio:
              Math.round(((atEnd?.threadsHeapMiB ?? 0) / (atCheckpoint?.threadsHeapMiB ?? 1)) * 100) / 100,
          },
          {
            metric: `host RSS with ${atCheckpoint?.waiting} / ${atEnd?.waiting} waiting`,
            unit: "MiB",
            value: atEnd?.mib ?? Number.NaN,
            baseline: atCheckpoint?.mib,
            ratio: Math.round(((atEnd?.mib ?? 0) / (atCheckpoint?.mib ?? 1)) * 100) / 100,
          },
          {
            metric: `V8 heaps committed, all threads, with ${atCheckpoint?.waiting} / ${atEnd?.waiting} waiting`,
            unit: "MiB",
            value: atEnd?.committedMiB ?? Number.NaN,
            baseline: atCheckpoint?.committedMiB,
            ratio: Math.round(((atEnd?.committedMiB ?? 0) / (atCheckpoint?.committedMiB ?? 1)) * 100) / 100,
          },
          {
            metric: `memory outside the heaps (buffers, handles), all threads, with ${atCheckpoint?.waiting} / ${atEnd?.waiting} waiting`,
            unit: "MiB",
            value: atEnd?.externalMiB ?? Number.NaN,
            baseline: atCheckpoint?.externalMiB,
            ratio: Math.round(((atEnd?.externalMiB ?? 0) / (atCheckpoint?.externalMiB ?? 1)) * 100) / 100,
          },
          { metric: "durable store rows (Azure Tables)", unit: "rows", value: size.rows },
          {
            metric: "durable store size (entities as JSON)",
            unit: "MiB",
            value: round1(size.bytes / 2 ** 20),
          },
          {
            metric: "durable store bytes per waiting instance",
            unit: "B",
            value: Math.round(size.bytes / Math.max(1, atEnd?.waiting ?? 1)),
          },
          { metric: "Azurite folder on disk", unit: "MiB", value: round1(diskBytes / 2 ** 20) },
          { metric: "creation time (HTTP, both kinds)", unit: "s", value: round1(creationSeconds) },
        ],
        notes: [
          `Created over HTTP against the local host (POST /api/invitations; POST /api/migrations with strategy atTermEnd, term end ${TERM_END_DAYS} days ahead, after a subscription import), ${CONCURRENCY} requests at a time, on the virtual clock; waiting = Running with customStatus phase "waiting": ${JSON.stringify(all)}.`,
          "Durable store: Azure Tables in Azurite (the table store); the memory store holds every instance in memory by definition, so it is not measured here. Cosmos and the email endpoint run outside the host process (the local mailbox keeps every message it accepted), so the host's RSS is the runtime's; Azurite is a child process and not counted either.",
          `Store tables: ${JSON.stringify(size.tables)}.`,
          "On Azure the waiting instances live in the Durable Task Scheduler (or Azure Storage) and timers are the backend's messages: no worker holds them.",
        ],
      };
    } catch (e) {
      // The host logged why it failed (a 500 says no more): keep its last lines with the error.
      const tail = host?.output().slice(-6000);
      throw new Error(`${(e as Error).message}${tail ? `\n--- host output (tail) ---\n${tail}` : ""}`);
    } finally {
      await host?.stop();
      await cosmos.stop();
      await mailbox.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
const round1 = (n: number): number => Math.round(n * 10) / 10;
