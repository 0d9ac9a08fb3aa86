import type { HostClock } from "../clock";
import { sendJson, sendProblem } from "./problem";
import type { SystemHandler, SystemRequest } from "./server";

const MAX_ADVANCE_MS = 100 * 366 * 86_400_000;
const UNITS = { days: 86_400_000, hours: 3_600_000, minutes: 60_000, seconds: 1_000 } as const;

/** Answers 405 with Allow for a system path called with the wrong method; true when it did. */
function wrongMethod(request: SystemRequest, allowed: string[]): boolean {
  const method = (request.req.method ?? "GET").toUpperCase();
  if (allowed.includes(method)) return false;
  sendProblem(request.res, 405, `${request.url.pathname} does not accept ${method}.`, {
    headers: { allow: allowed.join(", ") },
  });
  return true;
}

/**
 * `GET /dev/clock` and `POST /dev/clock/advance` `{days?, hours?, minutes?, seconds?, jump?}`: lets a test or
 * a demo move durable timers, timer triggers and "now" together when the host runs a virtual clock. The
 * answer comes once every timer due inside the jump has fired and its work has settled.
 */
export function clockRoutes(clock: HostClock): SystemHandler {
  return async (request) => {
    const { url, res } = request;
    if (url.pathname === "/dev/clock") {
      if (wrongMethod(request, ["GET", "HEAD"])) return true;
      sendJson(res, 200, { now: new Date(clock.now()).toISOString(), virtual: clock.virtual });
      return true;
    }
    if (url.pathname !== "/dev/clock/advance") return false;
    if (wrongMethod(request, ["POST"])) return true;
    const raw = (await request.body()).toString("utf8");
    let parsed: unknown = {};
    if (raw.trim() !== "") {
      try {
        parsed = JSON.parse(raw);
      } catch {
        sendProblem(res, 400, "The body is not JSON.");
        return true;
      }
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      sendProblem(res, 422, "The body must be an object {days?, hours?, minutes?, seconds?, jump?}.", {
        errors: [{ field: "(body)", message: "must be an object" }],
      });
      return true;
    }
    // `field`, as the app's problems name invalid fields (the HTTP contract's 422).
    const errors: { field: string; message: string }[] = [];
    let ms = 0;
    let jump = false;
    for (const [key, value] of Object.entries(parsed)) {
      if (key === "jump") {
        if (typeof value === "boolean") jump = value;
        else errors.push({ field: key, message: "must be a boolean" });
        continue;
      }
      const unit = UNITS[key as keyof typeof UNITS];
      if (unit === undefined) {
        errors.push({ field: key, message: "is not a known unit (days, hours, minutes, seconds)" });
      } else if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        errors.push({ field: key, message: "must be a non-negative number" });
      } else {
        ms += value * unit;
      }
    }
    // Dates end at 8.64e15 ms; beyond ~100 years a test is mistaken, and the clock would break.
    if (errors.length === 0 && ms > MAX_ADVANCE_MS) {
      errors.push({ field: "(body)", message: "must advance at most 100 years in all" });
    }
    if (errors.length > 0) {
      sendProblem(res, 422, "The clock advance request is invalid.", { errors });
      return true;
    }
    if (!clock.virtual) {
      sendProblem(
        res,
        409,
        "The clock is real; start the host with CLOCK=virtual (or --clock virtual) to move it.",
      );
      return true;
    }
    // Stepped (default): every due durable timer and timer trigger on the way fires at its own due time,
    // in order. `jump: true` moves at once, like a host coming back after downtime: each due timer
    // fires once, past due, at the new time.
    const now = jump ? clock.advance(Math.round(ms)) : await clock.advanceStepped(Math.round(ms));
    sendJson(res, 200, { now: new Date(now).toISOString() });
    return true;
  };
}

/** `GET /admin/host/status`, shaped like the real host's answer. */
export function statusRoute(status: () => Record<string, unknown>): SystemHandler {
  return (request) => {
    if (request.url.pathname !== "/admin/host/status") return false;
    if (wrongMethod(request, ["GET", "HEAD"])) return true;
    sendJson(request.res, 200, status());
    return true;
  };
}
