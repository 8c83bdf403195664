// Where ppcvm's large test fixtures (a Debian ppc64el kernel, a static busybox)
// live, for tests to import by relative path (e.g. '../../../scripts/fixtures.mjs').
// Fixtures are fetched by `npm run fixtures` (scripts/fetch-fixtures.mjs) into a
// cache outside the repository, so they are never committed.
//
// The directory is, first match wins:
//   1. $PPCVM_FIXTURES
//   2. $XDG_CACHE_HOME/ppcvm/fixtures
//   3. ~/.cache/ppcvm/fixtures
// Tests that need a fixture call fixturePath(name) and skip when it returns null.

import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** Absolute path of the fixture cache directory (it may not exist yet). */
export function fixturesDir() {
  const explicit = process.env.PPCVM_FIXTURES;
  if (explicit) return resolve(explicit);
  const xdg = process.env.XDG_CACHE_HOME;
  // The XDG base-directory spec says a relative $XDG_CACHE_HOME is invalid and must be ignored.
  if (xdg && isAbsolute(xdg)) return join(xdg, 'ppcvm', 'fixtures');
  return join(homedir(), '.cache', 'ppcvm', 'fixtures');
}

/**
 * Absolute path of fixture `name` (e.g. 'vmlinux', 'busybox', 'manifest.json')
 * if it exists as a non-empty regular file, otherwise null.
 */
export function fixturePath(name) {
  if (typeof name !== 'string' || name === '' || name.includes('/') || name.includes('\\') || name.startsWith('.')) {
    throw new Error(`fixturePath: invalid fixture name ${JSON.stringify(name)}`);
  }
  const path = join(fixturesDir(), name);
  try {
    const st = statSync(path);
    return st.isFile() && st.size > 0 ? path : null;
  } catch {
    return null;
  }
}
