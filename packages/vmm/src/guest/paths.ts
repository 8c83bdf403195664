/**
 * Where ppcvm caches its guest: always outside any project, in the user's
 * cache directory (XDG Base Directory Specification, $XDG_CACHE_HOME).
 *
 *   <cache>          $XDG_CACHE_HOME/ppcvm, else ~/.cache/ppcvm
 *   <cache>/guest    the guest `ppcvm` boots with no -kernel
 *   fixtures         $PPCVM_FIXTURES, else <cache>/fixtures (the test fixtures)
 *
 * The fixtures rule is also written out in the repository's
 * scripts/fixtures.mjs, which tests import without a build; a test checks the
 * two agree.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** The environment variables these rules read (process.env by default). */
export type GuestEnv = Readonly<Record<string, string | undefined>>;

/** The files of a guest directory. */
export const GUEST_FILES = {
  vmlinux: 'vmlinux',
  busybox: 'busybox',
  initrd: 'initrd.gz',
  manifest: 'manifest.json',
} as const;

export type GuestFileName = keyof typeof GUEST_FILES;

/** $XDG_CACHE_HOME/ppcvm, else ~/.cache/ppcvm. */
export function cacheRoot(env: GuestEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec: a relative $XDG_CACHE_HOME is invalid and must be ignored.
  if (xdg && isAbsolute(xdg)) return join(xdg, 'ppcvm');
  return join(env.HOME && isAbsolute(env.HOME) ? env.HOME : homedir(), '.cache', 'ppcvm');
}

/** The directory of the guest `ppcvm` boots by default. */
export function guestDir(env: GuestEnv = process.env): string {
  return join(cacheRoot(env), 'guest');
}

/** The test fixture directory: $PPCVM_FIXTURES, else <cache>/fixtures. */
export function fixturesDir(env: GuestEnv = process.env): string {
  const explicit = env.PPCVM_FIXTURES;
  if (explicit) return resolve(explicit);
  return join(cacheRoot(env), 'fixtures');
}

/** Absolute paths of every file of the guest in `dir`. */
export function guestPaths(dir: string): Record<GuestFileName, string> {
  return {
    vmlinux: join(dir, GUEST_FILES.vmlinux),
    busybox: join(dir, GUEST_FILES.busybox),
    initrd: join(dir, GUEST_FILES.initrd),
    manifest: join(dir, GUEST_FILES.manifest),
  };
}
