// The host's HTTP-first policy: while it serves requests, and for a quiet interval after the last
// one, it counts as busy; idle listeners hear when that interval passed with no request.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Foreground } from "../../src/localhost/foreground";

describe("Foreground", () => {
  let now = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    now = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function deferred(): { promise: Promise<void>; resolve: () => void } {
    let resolve = (): void => undefined;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  }

  it("is busy while a request runs and for the quiet interval after the last one", async () => {
    const foreground = new Foreground({ quietMs: 50, now: () => now });
    expect(foreground.busy).toBe(false);
    const first = deferred();
    const second = deferred();
    const a = foreground.run(() => first.promise);
    const b = foreground.run(() => second.promise);
    expect(foreground.busy).toBe(true);
    first.resolve();
    await a;
    now = 1_000;
    expect(foreground.busy).toBe(true);
    second.resolve();
    await b;
    now = 1_049;
    expect(foreground.busy).toBe(true);
    now = 1_050;
    expect(foreground.busy).toBe(false);
  });

  it("tells idle listeners once the quiet interval passed, not while requests keep coming", async () => {
    const foreground = new Foreground({ quietMs: 50, now: () => now });
    const idle = vi.fn();
    foreground.onIdle(idle);
    await foreground.run(() => Promise.resolve(undefined));
    now = 30;
    vi.advanceTimersByTime(30);
    // Another request within the interval starts it again.
    await foreground.run(() => Promise.resolve(undefined));
    now = 60;
    vi.advanceTimersByTime(30);
    expect(idle).not.toHaveBeenCalled();
    now = 80;
    vi.advanceTimersByTime(20);
    expect(idle).toHaveBeenCalledTimes(1);
  });

  it("passes a request's result and error through, and counts it as ended either way", async () => {
    const foreground = new Foreground({ quietMs: 0, now: () => now });
    const idle = vi.fn();
    const stop = foreground.onIdle(idle);
    await expect(foreground.run(() => Promise.resolve(42))).resolves.toBe(42);
    await expect(foreground.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(foreground.busy).toBe(false);
    expect(idle).toHaveBeenCalledTimes(2);
    stop();
    await foreground.run(() => Promise.resolve(undefined));
    expect(idle).toHaveBeenCalledTimes(2);
  });
});
