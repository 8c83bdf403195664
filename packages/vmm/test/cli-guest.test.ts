/**
 * `ppcvm guest fetch`, `ppcvm guest path` and `ppcvm` without -kernel, run
 * in-process against a cache in a temporary directory (XDG_CACHE_HOME) and a
 * PATH without apt, so nothing reaches the network. The "kernel" placed there
 * is a tiny test guest in an ELF64 LE ppc64 wrapper.
 */
import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { bootFiles, GUEST_CMDLINE } from '../src/cli/guest.js';
import { fetchGuest } from '../src/guest/index.js';
import { type CliInput, type CliOptions, EXIT, parseArgs, runCli } from '../src/index.js';
import { Asm } from './support/asm.js';
import { makeElf } from './support/elf.js';
import { putTerm, rtasCall } from './support/guest.js';

const here = dirname(fileURLToPath(import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'ppcvm-cli-guest-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

class Stdin extends EventEmitter implements CliInput {
  resume() {}
  pause() {}
}

function io() {
  let out = '';
  let err = '';
  return {
    stdin: new Stdin(),
    stdout: {
      write: (d: Uint8Array | string) => void (out += typeof d === 'string' ? d : Buffer.from(d).toString('latin1')),
    },
    stderr: { write: (d: string) => void (err += d) },
    out: () => out,
    err: () => err,
  };
}

let n = 0;
/** A fresh cache root and an environment whose PATH has no apt-get. */
function sandbox() {
  const root = join(tmp, `s${n++}`);
  const emptyBin = join(root, 'bin');
  mkdirSync(emptyBin, { recursive: true });
  const env = { XDG_CACHE_HOME: join(root, 'cache'), HOME: root, PATH: emptyBin };
  return { root, env, guest: join(root, 'cache', 'ppcvm', 'guest') };
}

/** A test guest that says hello on hvc0 and powers off, as a little-endian ELF like Debian's vmlinux. */
function helloKernel(): Uint8Array {
  const g = new Asm();
  putTerm(g, 'hello guest\r\n');
  rtasCall(g, 'power-off', [0, 0], 1);
  g.hang();
  // The header is little-endian; the code stays big-endian, as the CPU enters the kernel big-endian.
  return makeElf(g.bytes(), { littleEndian: true });
}

const staticBusybox = () => makeElf(new Uint8Array(64).fill(0x42), { littleEndian: true });

describe('command line', () => {
  it('no -kernel means the cached guest; guest subcommands parse', () => {
    expect(parseArgs([])).toMatchObject({ kind: 'run', options: { kernel: undefined, append: '' } });
    expect(parseArgs(['-append', 'quiet', '-accel', 'pr'])).toMatchObject({
      kind: 'run',
      options: { kernel: undefined, append: 'quiet', accel: 'pr' },
    });
    expect(parseArgs(['guest', 'fetch'])).toEqual({ kind: 'guest-fetch', refresh: false });
    expect(parseArgs(['guest', 'fetch', '--refresh'])).toEqual({ kind: 'guest-fetch', refresh: true });
    expect(parseArgs(['guest', 'path'])).toEqual({ kind: 'guest-path' });
    expect(parseArgs(['guest', 'path', 'initrd'])).toEqual({ kind: 'guest-path', file: 'initrd' });
    expect(parseArgs(['guest', 'path', 'manifest.json'])).toEqual({ kind: 'guest-path', file: 'manifest' });
    expect(parseArgs(['guest', 'help'])).toMatchObject({ kind: 'info', text: expect.stringContaining('guest fetch') });
    expect(parseArgs(['guest', 'fetch', '-h'])).toMatchObject({ kind: 'info' });
    const bad: [string[], RegExp][] = [
      [['guest'], /needs a subcommand: fetch or path/],
      [['guest', 'boot'], /unknown guest subcommand 'boot'/],
      [['guest', 'fetch', '--force'], /only --refresh/],
      [['guest', 'path', 'kernel.img'], /one of vmlinux, busybox, initrd, manifest/],
      [['guest', 'path', 'vmlinux', 'busybox'], /one of/],
      [['fetch'], /unexpected argument 'fetch'.*ppcvm guest/],
    ];
    for (const [argv, re] of bad) expect(() => parseArgs(argv), argv.join(' ')).toThrow(re);
  });

  it('the cached guest boots with console=hvc0 plus -append; -kernel and -initrd are taken as given', () => {
    const opts = (o: Partial<CliOptions>) => {
      const c = parseArgs([]);
      if (c.kind !== 'run') throw new Error('not a run');
      return { ...c.options, ...o };
    };
    expect(bootFiles(opts({}), '/g')).toEqual({ kernel: '/g/vmlinux', initrd: '/g/initrd.gz', cmdline: GUEST_CMDLINE });
    expect(GUEST_CMDLINE).toBe('console=hvc0');
    expect(bootFiles(opts({ append: 'quiet ppcvm_run=ZWNobw==' }), '/g')).toEqual({
      kernel: '/g/vmlinux',
      initrd: '/g/initrd.gz',
      cmdline: 'console=hvc0 quiet ppcvm_run=ZWNobw==',
    });
    expect(bootFiles(opts({ initrd: 'my.cpio' }), '/g')).toMatchObject({ kernel: '/g/vmlinux', initrd: 'my.cpio' });
    expect(bootFiles(opts({ kernel: 'k', append: 'root=/dev/sda' }), '/g')).toEqual({
      kernel: 'k',
      initrd: undefined,
      cmdline: 'root=/dev/sda',
    });
  });
});

describe('ppcvm guest fetch / path', () => {
  it('without apt-get: exit 1, saying which files to place where', async () => {
    const s = sandbox();
    const i = io();
    expect(await runCli(['guest', 'fetch'], i, { env: s.env })).toBe(EXIT.USAGE);
    expect(i.out()).toBe('');
    expect(i.err()).toContain("ppcvm: cannot fetch the guest: apt-get is not installed (fetching needs Debian's apt");
    expect(i.err()).toContain(`  ${join(s.guest, 'vmlinux')}  (currently: missing)\n`);
    expect(i.err()).toContain(`  ${join(s.guest, 'busybox')}  (currently: missing)\n`);
    expect(i.err()).toContain('  ppcvm guest fetch\n');
  });

  it('the executable reads the real environment (PATH without apt-get: exit 1)', async () => {
    const s = sandbox();
    const cli = join(here, '../src/cli.ts');
    const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', cli, 'guest', 'fetch'], {
      cwd: join(here, '..'),
      env: s.env,
    }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toContain('ppcvm: cannot fetch the guest: apt-get is not installed');
    expect(r.stderr).toContain(`  ${join(s.guest, 'busybox')}  (currently: missing)`);
  });

  it('with files placed by hand: records them, builds initrd.gz, path lists everything', async () => {
    const s = sandbox();
    const p = io();
    expect(await runCli(['guest', 'path'], p, { env: s.env })).toBe(EXIT.OK);
    expect(p.out()).toContain(`${s.guest}\n`);
    expect(p.out()).toMatch(new RegExp(`vmlinux  ${join(s.guest, 'vmlinux')} +\\(missing\\)`));
    expect(p.out()).toContain("not complete: 'ppcvm guest fetch'");

    mkdirSync(s.guest, { recursive: true });
    writeFileSync(join(s.guest, 'vmlinux'), helloKernel());
    writeFileSync(join(s.guest, 'busybox'), staticBusybox());
    const f = io();
    expect(await runCli(['guest', 'fetch'], f, { env: s.env })).toBe(EXIT.OK);
    expect(f.err()).toContain('ppcvm: valid user-supplied vmlinux and busybox found; manifest written\n');
    expect(f.err()).toContain(`ppcvm: building initramfs (busybox + /init) into ${join(s.guest, 'initrd.gz')}`);
    expect(f.out()).toMatch(new RegExp(`vmlinux  ${join(s.guest, 'vmlinux')} +\\(user-supplied\\)`));
    expect(f.out()).toContain(`initrd   ${join(s.guest, 'initrd.gz')}\n`);
    expect(f.out()).not.toContain('not complete');
    expect(JSON.parse(readFileSync(join(s.guest, 'manifest.json'), 'utf8'))).toMatchObject({
      source: 'user-supplied',
    });
    const one = io();
    expect(await runCli(['guest', 'path', 'busybox'], one, { env: s.env })).toBe(EXIT.OK);
    expect(one.out()).toBe(`${join(s.guest, 'busybox')}\n`);
  });
});

describe('ppcvm without -kernel', () => {
  it('fetches first (one notice), fails with the help when that is impossible', async () => {
    const s = sandbox();
    const i = io();
    expect(await runCli(['-m', '256M'], i, { env: s.env })).toBe(EXIT.USAGE);
    const lines = i.err().split('\n');
    expect(lines[0]).toBe(
      `ppcvm: no guest in ${s.guest} yet: fetching Debian's ppc64el kernel and busybox first (once; 'ppcvm guest fetch')`,
    );
    expect(lines[1]).toMatch(/^ppcvm: cannot fetch the guest: apt-get is not installed/);
    expect(i.err()).toContain(join(s.guest, 'vmlinux'));
    expect(i.out()).toBe('');
  });

  it('boots the cached guest; the first run prepares it, later runs do not', async () => {
    const s = sandbox();
    mkdirSync(s.guest, { recursive: true });
    writeFileSync(join(s.guest, 'vmlinux'), helloKernel());
    writeFileSync(join(s.guest, 'busybox'), staticBusybox());
    const first = io();
    expect(await runCli(['-m', '256M', '-append', 'quiet'], first, { env: s.env })).toBe(EXIT.OK);
    expect(first.err()).toMatch(/^ppcvm: no guest in .* yet: fetching/);
    expect(first.err()).toContain('building initramfs');
    expect(first.out()).toBe('hello guest\r\n');
    const second = io();
    expect(await runCli(['-m', '256M'], second, { env: s.env })).toBe(EXIT.OK);
    expect(second.err()).toBe('');
    expect(second.out()).toBe('hello guest\r\n');
    // -initrd replaces the cached initramfs and must be readable.
    const bad = io();
    expect(await runCli(['-m', '256M', '-initrd', join(s.root, 'nope')], bad, { env: s.env })).toBe(EXIT.USAGE);
    expect(bad.err()).toMatch(/^ppcvm: cannot read initrd '.*nope'/);
  });

  it('links the test fixtures instead of downloading when they hold a complete guest', async () => {
    const s = sandbox();
    const fixtures = join(s.root, 'fixtures');
    mkdirSync(fixtures, { recursive: true });
    writeFileSync(join(fixtures, 'vmlinux'), helloKernel());
    writeFileSync(join(fixtures, 'busybox'), staticBusybox());
    await fetchGuest(fixtures, { env: s.env }); // what `npm run fixtures` leaves there (here: user-supplied files)
    const i = io();
    expect(await runCli(['-m', '256M'], i, { env: { ...s.env, PPCVM_FIXTURES: fixtures } })).toBe(EXIT.OK);
    expect(i.err()).toContain(`ppcvm: using the kernel and busybox already fetched into ${fixtures} (no download)\n`);
    expect(i.out()).toBe('hello guest\r\n');
  });
});
