// Screenshots of the dashboard for people to look at, under test-output/dashboard (gitignored).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export const SCREENSHOTS = join(process.cwd(), 'test-output', 'dashboard');

/** Saves a full-page screenshot as `<name>.png` and returns the image. */
export async function saveScreenshot(page: Page, name: string): Promise<Buffer> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return page.screenshot({ fullPage: true, path: join(SCREENSHOTS, `${name}.png`) });
}
