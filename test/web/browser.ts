import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { onCleanup } from '../helpers/cleanup';

// Headless Chromium from Debian's package, driven by playwright-core (which never downloads a
// browser). The flags are the ones that work on these machines: no sandbox (we run as root in a
// container), no GPU, and no background traffic to Google services that are not reachable here.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(__dirname, '..', '..', 'artifacts', 'web');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-quic',
      '--disable-sync',
    ],
  });
  onCleanup(() => browser.close());
  return browser;
}

/** A page in its own context (own sessionStorage: one player per page), with its console kept. */
export async function newPage(browser: Browser, viewport = { width: 1024, height: 768 }): Promise<{ page: Page; logs: string[] }> {
  const context = await browser.newContext({ viewport });
  // Generous: four engineers' test runs share two cores here, and a page can take seconds to load.
  context.setDefaultTimeout(45_000);
  const page = await context.newPage();
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  return { page, logs };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The display names on the scoreboard, top to bottom. */
export function boardNames(page: Page): Promise<string[]> {
  return page.locator('#board li .name').allTextContents();
}
