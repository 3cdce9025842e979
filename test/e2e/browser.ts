// Headless Chromium for the tests that read the reports as a reader would: one set of flags, and a
// browser that reaches nothing beyond what the test allows (every other request is refused and recorded).
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM } from '../../scripts/setup';
import { scratchDir } from '../scratch';

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

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** The requests refused: any URL `allowed` did not accept. */
  refused: string[];
}

/** A fresh Chromium with a profile of its own, which loads only what `allowed` accepts (data: and blob: always). */
export async function openBrowser(allowed: (url: string) => boolean): Promise<Browser> {
  const context = await chromium.launchPersistentContext(scratchDir('chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 900 },
  });
  const refused: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (allowed(url) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    refused.push(url);
    return route.abort();
  });
  return { context, page: context.pages()[0] ?? (await context.newPage()), refused };
}
