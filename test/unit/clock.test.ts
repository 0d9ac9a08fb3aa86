import { describe, expect, it } from "vitest";
import { createClock, Scheduler, sharedClockNow } from "../../src/localhost/clock";

const DAY = 86_400_000;

describe("host clock and scheduler", () => {
  it("a virtual clock only moves forward", () => {
    const clock = createClock(true);
    const before = clock.now();
    const after = clock.advance(90 * DAY);
    expect(after - before).toBeGreaterThanOrEqual(90 * DAY);
    expect(() => clock.advance(-1)).toThrow();
  });

  it("another thread's view of the clock follows advances and stands still with a stepped advance", async () => {
    const clock = createClock(true);
    const view = sharedClockNow(clock.shared);
    expect(Math.abs(view() - clock.now())).toBeLessThan(1000);
    clock.advance(30 * DAY);
    expect(Math.abs(view() - clock.now())).toBeLessThan(1000);
    const scheduler = new Scheduler(clock);
    const due = clock.now() + 2 * DAY;
    const seen: number[] = [];
    scheduler.at(due, () => seen.push(view(), clock.now()));
    await clock.advanceStepped(5 * DAY);
    // At the step the view says exactly the due time, as the host's own clock does.
    expect(seen).toEqual([due, due]);
    expect(Math.abs(view() - clock.now())).toBeLessThan(1000);
    scheduler.stop();
  });

  it("a real clock refuses to move", () => {
    expect(() => createClock(false).advance(1)).toThrow(/CLOCK=virtual/);
  });

  it("runs work due months ahead when the virtual clock jumps, in due order, once", async () => {
    const clock = createClock(true);
    const scheduler = new Scheduler(clock);
    const fired: string[] = [];
    const start = clock.now();
    scheduler.at(start + 120 * DAY, () => fired.push("120d"));
    scheduler.at(start + 30 * DAY, () => fired.push("30d"));
    const cancel = scheduler.at(start + 60 * DAY, () => fired.push("60d"));
    cancel();
    clock.advance(45 * DAY);
    await expect.poll(() => fired).toEqual(["30d"]);
    clock.advance(100 * DAY);
    await expect.poll(() => fired).toEqual(["30d", "120d"]);
    expect(scheduler.size).toBe(0);
    scheduler.stop();
  });
});
