#!/usr/bin/env node
// fetch-fixtures: put the large binaries that ppcvm's boot and differential
// tests use into the fixture directory, outside the repository
// (`npm run fixtures`, after `npm run build`).
//
//   <fixtures>/vmlinux        Debian's ppc64el kernel (ELF64 LE ppc64, /boot/vmlinux-*)
//   <fixtures>/busybox        Debian's static ppc64el busybox (/bin/busybox)
//   <fixtures>/initrd.gz      busybox initramfs (what `ppcvm` boots)
//   <fixtures>/manifest.json  package names, versions, sizes and sha256 of the above
//
// The work is done by the vmm package's guest fetcher (@ppcvm/vmm/guest,
// packages/vmm/src/guest/debian.ts), the same code `ppcvm guest fetch` runs;
// this script only picks the directory and keeps the script's flags. When the
// guest `ppcvm` boots by default is already fetched, its files are linked
// instead of downloaded (and `ppcvm` links the fixtures the same way).
//
// Fixture directory (also used by tests through scripts/fixtures.mjs), first
// match wins: $PPCVM_FIXTURES, else $XDG_CACHE_HOME/ppcvm/fixtures, else
// ~/.cache/ppcvm/fixtures.
//
// Usage: node scripts/fetch-fixtures.mjs [--refresh] [--help]
//   --refresh   ask apt again for the newest packages even if the cache is complete
// Environment:
//   PPCVM_FIXTURES          fixture directory (see above)
//   PPCVM_FIXTURE_KERNEL    exact kernel package name to use instead of the newest
//                           one (e.g. linux-image-6.1.0-NN-powerpc64le)

import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixturesDir } from './fixtures.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// What `import('@ppcvm/vmm/guest')` loads (the package's "exports" map): it exists after `npm run build`.
const guestModule = join(repoRoot, 'packages', 'vmm', 'dist', 'guest', 'index.js');

function log(msg) {
  process.stdout.write(`[fixtures] ${msg}\n`);
}

function parseArgs(argv) {
  const opts = { refresh: false, help: false };
  for (const a of argv) {
    if (a === '--refresh') opts.refresh = true;
    else if (a === '--help' || a === '-h') opts.help = true;
    else {
      process.stderr.write(`[fixtures] ERROR: unknown argument ${a} (try --help)\n`);
      process.exit(1);
    }
  }
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const dir = fixturesDir();
  if (opts.help) {
    process.stdout.write(
      'usage: node scripts/fetch-fixtures.mjs [--refresh]\n' +
        `Fetches vmlinux and busybox (Debian ppc64el) into ${dir} and builds initrd.gz\n`,
    );
    return 0;
  }
  if (!existsSync(guestModule)) {
    process.stderr.write(
      `[fixtures] ERROR: ${relative(repoRoot, guestModule)} is missing: run \`npm run build\` first\n`,
    );
    return 1;
  }
  const guest = await import('@ppcvm/vmm/guest');
  // scripts/fixtures.mjs (read by tests without a build) and the package must agree on the directory.
  if (guest.fixturesDir() !== dir) {
    throw new Error(`fixture directory mismatch: scripts/fixtures.mjs ${dir}, @ppcvm/vmm ${guest.fixturesDir()}`);
  }
  const rel = relative(repoRoot, dir);
  if (!rel.startsWith('..') && !rel.startsWith('/')) {
    log(`warning: cache ${dir} is inside the repository; prefer a directory outside it`);
  }
  log(`cache: ${dir}`);
  let image;
  try {
    image = await guest.fetchGuest(dir, {
      refresh: opts.refresh,
      kernelPackage: process.env.PPCVM_FIXTURE_KERNEL || undefined,
      seedFrom: [guest.guestDir()],
      progress: guest.progressPrinter((s) => process.stdout.write(s), {
        prefix: '[fixtures] ',
        tty: process.stdout.isTTY === true,
      }),
      rerun: 'npm run fixtures',
    });
  } catch (e) {
    if (!(e instanceof guest.GuestFetchError)) throw e;
    process.stderr.write(`\n[fixtures] ERROR: ${e.message}\n\n${e.help}`);
    return 1;
  }
  for (const [name, f] of Object.entries(image.manifest.files)) {
    const from = f.package ? `${f.package} ${f.version}` : 'user-supplied';
    log(`${name}: ${join(dir, name)} ${f.size} bytes sha256 ${f.sha256} (${from})`);
  }
  log(`initrd: ${image.initrd}`);
  log('done');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`[fixtures] ERROR: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
