// What the browser tests share: running the suite's programs as npm's scripts do, and headless Chromium.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { CHROMIUM } from '../../scripts/setup';
import { REPO_ROOT } from '../../src/core/paths';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const SCREENSHOTS = path.join(REPO_ROOT, 'reports', 'screenshots');

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run one of the suite's programs, JavaScript or TypeScript (through ts-node, as npm's scripts do). */
export function run(script: string, args: readonly string[]): Promise<Ran> {
  const loader = script.endsWith('.ts') ? ['-r', 'ts-node/register'] : [];
  return new Promise((resolve) => {
    execFile(process.execPath, [...loader, path.join(REPO_ROOT, script), ...args], { cwd: REPO_ROOT, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Headless Chromium with its own profile in `profile`, at a desktop's size. */
export function launchChromium(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 900 },
  });
}
