/**
 * The cached Debian guest on the command line: `ppcvm guest fetch`,
 * `ppcvm guest path`, and what `ppcvm` without -kernel boots.
 */

import { GuestFetchError } from '../guest/apt.js';
import { ensureInitrd, fetchGuest, type GuestStatus, inspectGuest } from '../guest/debian.js';
import { fixturesDir, type GuestEnv, type GuestFileName, guestDir, guestPaths } from '../guest/paths.js';
import { type ProgressListener, progressPrinter } from '../guest/progress.js';
import type { CliOptions } from './args.js';

/** The guest's own kernel command line; -append adds to it. */
export const GUEST_CMDLINE = 'console=hvc0';

export interface GuestCliIo {
  readonly stdout: { write(data: string): unknown };
  readonly stderr: { write(data: string): unknown; readonly isTTY?: boolean };
}

/** Kernel, initrd and command line of a boot. */
export interface BootFiles {
  readonly kernel: string;
  readonly initrd?: string;
  readonly cmdline: string;
}

/**
 * The files and command line `ppcvm` boots with these options: the given
 * kernel as is, or (no -kernel) the guest in `dir` with `console=hvc0` plus
 * -append, and -initrd instead of the guest's initrd.gz when given.
 */
export function bootFiles(o: CliOptions, dir: string): BootFiles {
  if (o.kernel !== undefined) return { kernel: o.kernel, initrd: o.initrd, cmdline: o.append };
  const paths = guestPaths(dir);
  return {
    kernel: paths.vmlinux,
    initrd: o.initrd ?? paths.initrd,
    cmdline: o.append.trim() === '' ? GUEST_CMDLINE : `${GUEST_CMDLINE} ${o.append}`,
  };
}

function printer(io: GuestCliIo): ProgressListener {
  return progressPrinter((s) => io.stderr.write(s), { prefix: 'ppcvm: ', tty: io.stderr.isTTY === true });
}

function fetchOptions(env: GuestEnv, io: GuestCliIo, dir: string) {
  // The test fixtures, when fetched, are the same Debian packages: link them instead of downloading.
  const fixtures = fixturesDir(env);
  return { env, progress: printer(io), seedFrom: fixtures === dir ? [] : [fixtures], rerun: 'ppcvm guest fetch' };
}

function reportFailure(e: unknown, io: GuestCliIo): false {
  if (e instanceof GuestFetchError) {
    io.stderr.write(`ppcvm: cannot fetch the guest: ${e.message}\n`);
    if (e.help) io.stderr.write(`\n${e.help}`);
    return false;
  }
  if (e instanceof Error && 'code' in e) {
    // File-system errors (permissions, a full disk) while preparing the cache.
    io.stderr.write(`ppcvm: cannot prepare the guest: ${e.message}\n`);
    return false;
  }
  throw e;
}

/**
 * Make sure the guest in the cache is complete (fetching it, with a one-line
 * notice, when it is not) and its initrd current. False (after saying why on
 * stderr) when that is not possible.
 */
export async function prepareGuest(env: GuestEnv, io: GuestCliIo): Promise<boolean> {
  const dir = guestDir(env);
  try {
    const status = inspectGuest(dir);
    if (status.ready) ensureInitrd(dir, printer(io));
    else {
      io.stderr.write(
        `ppcvm: no guest in ${dir} yet: fetching Debian's ppc64el kernel and busybox first (once; 'ppcvm guest fetch')\n`,
      );
      await fetchGuest(dir, fetchOptions(env, io, dir));
    }
    return true;
  } catch (e) {
    return reportFailure(e, io);
  }
}

/** `ppcvm guest fetch [--refresh]`: progress on stderr, the resulting paths on stdout. */
export async function guestFetchCommand(refresh: boolean, env: GuestEnv, io: GuestCliIo): Promise<boolean> {
  const dir = guestDir(env);
  try {
    await fetchGuest(dir, { ...fetchOptions(env, io, dir), refresh });
  } catch (e) {
    return reportFailure(e, io);
  }
  io.stdout.write(describeGuest(inspectGuest(dir)));
  return true;
}

function describeGuest(status: GuestStatus): string {
  const paths = guestPaths(status.dir);
  const m = status.manifest;
  const from = (name: 'vmlinux' | 'busybox') => {
    const f = m?.files[name];
    if (!f) return '';
    return f.package ? `${f.package} ${f.version}` : 'user-supplied';
  };
  const note = (name: GuestFileName, ok: string) => {
    const problem = status.problems[name];
    return problem ? `(${problem})` : ok ? `(${ok})` : '';
  };
  const rows: [string, string, string][] = [
    ['vmlinux', paths.vmlinux, note('vmlinux', from('vmlinux'))],
    ['busybox', paths.busybox, note('busybox', from('busybox'))],
    ['initrd', paths.initrd, note('initrd', '')],
    ['manifest', paths.manifest, note('manifest', '')],
  ];
  const width = Math.max(...rows.map((r) => r[1].length));
  let text = `${status.dir}\n`;
  for (const [name, path, n] of rows) text += `  ${name.padEnd(9)}${n ? `${path.padEnd(width)}  ${n}` : path}\n`;
  if (!status.ready) text += "not complete: 'ppcvm guest fetch' (or plain 'ppcvm') fetches it\n";
  return text;
}

/** `ppcvm guest path [FILE]`. */
export function guestPathCommand(file: GuestFileName | undefined, env: GuestEnv, io: GuestCliIo): void {
  const dir = guestDir(env);
  if (file) io.stdout.write(`${guestPaths(dir)[file]}\n`);
  else io.stdout.write(describeGuest(inspectGuest(dir)));
}
