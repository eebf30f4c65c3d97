/**
 * @module A real headless Chromium for UI tests: Debian's /usr/bin/chromium driven by playwright-core (it cannot
 * download a browser here). With SKIFF_REQUIRE_DOCKER=1 (CI) a missing browser fails the run; elsewhere the caller
 * skips with the reason.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env['SKIFF_CHROMIUM'] ?? '/usr/bin/chromium';

/** browserMissing is the reason UI tests cannot run here, or undefined when Chromium is installed. */
export function browserMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `no Chromium at ${CHROMIUM} (apt-get install chromium, as .ci/run does)`;
  if (process.env['SKIFF_REQUIRE_DOCKER'] === '1') throw new Error(`CI runs the browser tests: ${reason}`);
  return reason;
}

/** launchBrowser starts headless Chromium (a fresh profile each time) with the flags this closed network needs. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** artifactDir is where a test's screenshots go: test-artifacts/<name> at the repository root (git-ignored). */
export function artifactDir(name: string): string {
  const dir = resolve(import.meta.dirname, '../../../test-artifacts', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
