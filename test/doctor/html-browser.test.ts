import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('the HTML report in a real browser', () => {
  it('shows the seed chain as a picture with the broken link marked, and every finding', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: .ci/run installs Debian's chromium`).toBe(true);
    const run = await runCli(['demo', '--output', 'html']);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ssochain-html-')), 'report.html');
    writeFileSync(file, run.stdout);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${file}`);
      // self-contained: the page asks for nothing but itself
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
      const svg = page.locator('.chain svg');
      expect(await svg.isVisible()).toBe(true);
      const box = await svg.boundingBox();
      expect(box!.width).toBeGreaterThan(600);
      const broken = page.locator('g.hop-broken');
      expect(await broken.count()).toBe(1);
      expect(await broken.getAttribute('data-hop')).toBe('mas');
      expect(await page.locator('.verdict').innerText()).toMatch(/The chain breaks at mas/);
      const findings = await page.locator('article.finding code').allInnerTexts();
      expect(findings).toEqual(expect.arrayContaining(['mas-config-dialect', 'mas-provider-missing']));
      if (process.env.SSOCHAIN_SCREENSHOT)
        await page.screenshot({ path: process.env.SSOCHAIN_SCREENSHOT, fullPage: false });
    } finally {
      await browser.close();
    }
  });
});
