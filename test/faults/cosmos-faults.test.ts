import { afterEach, describe, expect, it } from "vitest";
import { invitationJourney, newAzureJourney } from "./journeys";
import { FaultWorld, FULL_FAULTS } from "./world";

/**
 * Issue 13 (`npm run test:faults` only: minutes of retries each), Cosmos failing: the embedded Cosmos server (LOCALHOST_COSMOS_FAULTS) answers every n-th
 * document write with 429 (request rate too large, `x-ms-retry-after-ms`) or 412 (an ETag conflict
 * on a conditional write) without applying it. The SDK backs off on 429, the use cases re-read and
 * decide again on 412; the journeys still end right with each email, relationship and order once.
 */
let world: FaultWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe.runIf(FULL_FAULTS)("Cosmos answering 429 and ETag conflicts", () => {
  for (const journey of [invitationJourney, newAzureJourney]) {
    it(`R4: ${journey.name}: every 3rd write throttled, every 2nd conditional write in conflict; nothing lost or twice`, async () => {
      world = await FaultWorld.open({ env: { LOCALHOST_COSMOS_FAULTS: "429:3,412:2" } });
      await world.start();
      const made = await journey.run(world);
      await journey.check(world, made);
      const passed = (await world.status()).faults.passed;
      expect(passed["cosmos-fault:429"], "writes throttled").toBeGreaterThan(0);
      expect(passed["cosmos-fault:412"], "conditional writes in conflict").toBeGreaterThan(0);
    }, 300_000);
  }

  it("R4: migration newAzureSubscription: every 7th write answered 503; nothing lost or twice", async () => {
    world = await FaultWorld.open({ env: { LOCALHOST_COSMOS_FAULTS: "503:7" } });
    await world.start();
    const made = await newAzureJourney.run(world);
    await newAzureJourney.check(world, made);
    expect((await world.status()).faults.passed["cosmos-fault:503"]).toBeGreaterThan(0);
  }, 300_000);
});
