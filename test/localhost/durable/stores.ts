import { MemoryStore } from "../../../src/localhost/durable/memory-store";
import type { DurableStore } from "../../../src/localhost/durable/store";

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

export const storeFactories: StoreFactory[] = [memoryStoreFactory];
