import { MemoryStore } from "../../../src/localhost/durable/memory-store";
import { randomUUID } from "node:crypto";
import type { DurableStore } from "../../../src/localhost/durable/store";
import { TableStore } from "../../../src/localhost/durable/table-store";
import { startTestAzurite, type TestAzurite } from "../../support/azurite";

/**
 * The stores the durable conformance suite runs against. `setup`/`teardown` run once per test file
 * (e.g. to start and stop Azurite); `create` gives a fresh, initialised store for one test.
 */
export interface StoreFactory {
  name: string;
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
  create(): Promise<DurableStore>;
}

export const memoryStoreFactory: StoreFactory = {
  name: "memory",
  create: () => Promise.resolve(new MemoryStore()),
};

let azurite: TestAzurite | undefined;

/** Azure Table storage on an Azurite started once per test file; every store gets its own task hub (table). */
export const tableStoreFactory: StoreFactory = {
  name: "table",
  async setup() {
    azurite ??= await startTestAzurite();
  },
  async teardown() {
    await azurite?.stop();
    azurite = undefined;
  },
  async create() {
    if (!azurite) throw new Error("tableStoreFactory.setup() has not run");
    const taskHub = `T${randomUUID().replace(/-/g, "").slice(0, 20)}`;
    const store = new TableStore({ connectionString: azurite.connectionString, taskHub });
    await store.init();
    return store;
  },
};

export const storeFactories: StoreFactory[] = [memoryStoreFactory, tableStoreFactory];
