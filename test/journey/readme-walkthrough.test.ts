import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/host-process";
import { useJourneyHost } from "./support";

/**
 * The README's "A walk through it with curl" runs as written against a fresh host on the virtual
 * clock, so the snippet cannot drift from the API: only the base URL is changed. It needs bash, curl
 * and jq (as the README says); without them this test is skipped rather than failing the suite.
 */
const host = useJourneyHost();

const hasTools = ["curl", "jq", "bash"].every(
  (tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0,
);

function walkThrough(): string {
  const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.indexOf("## A walk through it with curl");
  const start = readme.indexOf("```sh\n", section) + "```sh\n".length;
  const end = readme.indexOf("```", start);
  expect(section).toBeGreaterThan(-1);
  return readme.slice(start, end);
}

describe("README walk-through", () => {
  it.skipIf(!hasTools)(
    "R17/R20: every command of the curl walk-through succeeds, and the subscription moves at its term end",
    () => {
      const script = walkThrough();
      expect(script).toContain("B=http://localhost:7071");
      const run = spawnSync(
        "bash",
        ["-c", `set -e\n${script.replace("B=http://localhost:7071", `B=${host().url}`)}`],
        {
          encoding: "utf8",
          timeout: 240_000,
        },
      );
      expect(run.status, `${run.stderr}\n${run.stdout}`).toBe(0);
      // What the walk-through shows at its end: the move completed and the subscription migrated.
      expect(run.stdout).toContain('"strategy":"atTermEnd","status":"scheduled"');
      expect(run.stdout).toMatch(
        /"status":"completed","completedAt":"[^"]+","targetSubscriptionId":"[0-9a-f-]{36}","remindersSent":2/,
      );
      expect(run.stdout).toContain(
        '{"status":"migrated","partnerOfRecord":"11111111-1111-4111-8111-111111111111"}',
      );
      expect(run.stdout).toContain('"warnings":["autoRenewOn"]');
    },
    300_000,
  );
});
