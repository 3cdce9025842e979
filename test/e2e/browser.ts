// What the browser tests share: headless Chromium with one set of flags, which reaches nothing beyond what the test allows (every other request is refused
// and recorded).
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { CHROMIUM } from '../../scripts/setup';
import { REPO_ROOT } from '../../src/core/paths';
import { TEST_SCREENSHOTS_FOLDER } from '../../src/verdicts/run-record';
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

export const SCREENSHOTS = path.join(REPO_ROOT, 'reports', TEST_SCREENSHOTS_FOLDER);

/** Headless Chromium with a profile of its own (in `profile`, or a fresh scratch folder), at a desktop's size. */
function launchChromium(profile: string = scratchDir('chromium-profile')): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 900 },
  });
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** The requests refused: any URL `allowed` did not accept. */
  refused: string[];
}

/** A fresh Chromium, which loads only what `allowed` accepts (data: and blob: always). */
export async function openBrowser(allowed: (url: string) => boolean): Promise<Browser> {
  const context = await launchChromium();
  const refused: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (allowed(url) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    refused.push(url);
    return route.abort();
  });
  return { context, page: context.pages()[0] ?? (await context.newPage()), refused };
}

/**
 * Waits until `locator` is shown, as Playwright's waitFor does; when it is not within the bound, the error
 * says what was waited for, where the page was and what it showed (a report that opened elsewhere, or not at
 * all).
 */
export async function waitShown(locator: Locator): Promise<void> {
  try {
    await locator.waitFor();
  } catch (error) {
    const page = locator.page();
    const shown = await page
      .locator('body')
      .innerText({ timeout: 1000 })
      .catch(() => '(no body)');
    const said = error instanceof Error ? (error.message.split('\n')[0] ?? '').replace(/\.$/, '') : String(error);
    throw new Error(`${said} waiting for ${locator.toString()}; the page at ${page.url()} showed: ${shown.slice(0, 600)}`, { cause: error });
  }
}

/**
 * An Allure report opened at `url`, once its name is shown (the app draws it from the data the file holds):
 * the name's locator. Twice under npm test's load a report opened here showed nothing within 30 s, and
 * nothing of it could be told then; waitShown now says what the page showed.
 */
export async function openAllureReport(page: Page, url: string): Promise<Locator> {
  await page.goto(url);
  const title = page.locator('[data-testid="report-title"]');
  await waitShown(title);
  return title;
}

/** On an Allure scenario's page, its evidence: its own attachment of that name, in the test body (not under a hook). */
export function scenarioAttachment(page: Page, name: string): Locator {
  return page.locator('[data-testid="test-result-steps-root"] [data-testid="test-result-attachment-header"]', { hasText: name }).first();
}

/** On an Allure scenario's page, its call log (call-log.txt), opened where it is: in the test body, no hook to expand first. */
export async function showScenarioEvidence(page: Page): Promise<void> {
  await scenarioAttachment(page, 'call-log.txt').click();
}

/**
 * A screenshot of an Allure report's overview, from its top: the report name, counts and metadata and its
 * first results. Allure scrolls to the tree item it focuses once the tree is drawn, so the page goes back
 * to its top then, at a height that holds all of these.
 */
export async function screenshotAllureOverview(page: Page, file: string): Promise<void> {
  const viewport = page.viewportSize();
  await page.setViewportSize({ width: 1440, height: 1200 });
  await waitShown(page.locator('[data-testid="tree-section-title"]').first());
  await page.locator('*').evaluateAll((elements) => {
    for (const element of elements) if (element.scrollTop > 0) element.scrollTop = 0;
  });
  await page.screenshot({ path: file });
  if (viewport) await page.setViewportSize(viewport);
}
