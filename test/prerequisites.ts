// A test whose prerequisite is missing (root, tcpdump, Wine's set-up) never passes out of sight: it is skipped,
// saying which prerequisite and why it is needed; under CI (CI=true), where `npm run setup` installs every
// prerequisite, a missing one is a failure instead.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { TcpdumpWire } from '../src/testbeds/loopback/capture';

/** Why live capture on lo cannot run here, or null when it can. */
export function captureMissing(): string | null {
  return TcpdumpWire.create({ excludedPorts: () => [] })
    ? null
    : 'root and tcpdump, without which nothing is captured on lo (run the tests as root; `npm run setup` installs tcpdump)';
}

/** iproute2's `ip`, which makes a network namespace host (test/e2e/namespace-host.ts); null where it is not installed. */
export function ipPath(): string | null {
  return ['/usr/sbin/ip', '/usr/bin/ip', '/sbin/ip', '/bin/ip'].find((file) => existsSync(file)) ?? null;
}

/** Why a host of its own in a network namespace, captured on its link, cannot be made here, or null when it can. */
export function namespaceMissing(): string | null {
  const capture = captureMissing();
  if (capture !== null) return capture;
  return ipPath() === null ? "iproute2's ip, which makes the network namespace another host's agent runs in (`npm run setup` installs it)" : null;
}

/**
 * Whether the test may go on: true when `missing` is null (the prerequisite is there); otherwise the test is
 * skipped with `missing` as its reason (the caller returns), or, under CI, fails with it.
 */
export function hasPrerequisite(t: TestContext, missing: string | null): boolean {
  if (missing === null) return true;
  if (process.env.CI === 'true') assert.fail(`prerequisite missing under CI, where \`npm run setup\` installs it: ${missing}`);
  t.skip(`prerequisite missing: ${missing}`);
  return false;
}
