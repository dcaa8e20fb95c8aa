import { existsSync } from 'node:fs';
import process from 'node:process';

/**
 * Flags for Debian's Chromium, headless as root on a machine without network: no sandbox, no
 * GPU, and none of the background connections that a closed network refuses.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Where Chromium is looked for, in order: `$GRADLENS_CHROMIUM`, then Debian's paths. */
export const CHROMIUM_CANDIDATES = [process.env.GRADLENS_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']
  .filter((p): p is string => Boolean(p));

/** The first of {@link CHROMIUM_CANDIDATES} that exists; undefined when none is installed. */
export function findChromium(): string | undefined {
  return CHROMIUM_CANDIDATES.find((p) => existsSync(p));
}
