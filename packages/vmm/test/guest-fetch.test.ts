/**
 * The guest fetcher without a network: apt-get, apt-cache and apt-config are
 * replaced by small shell scripts on PATH (logging their arguments and
 * serving .deb files built here with the real dpkg-deb), everything else is
 * the real code path: private apt sources, package choice, extraction, ELF
 * checks, manifest, initramfs, seeding from another directory, user-supplied
 * files and the help text when apt is missing.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir as scriptFixturesDir } from '../../../scripts/fixtures.mjs';
import {
  cacheRoot,
  checkGuestBinary,
  checkGuestFile,
  type FetchProgress,
  fetchGuest,
  fixturesDir,
  GuestFetchError,
  guestDir,
  guestPaths,
  inspectGuest,
  parseDeb822,
  parseOneLineSources,
  progressPrinter,
  readGuestManifest,
  retargetSources,
} from '../src/guest/index.js';
import { makeElf } from './support/elf.js';

const tmp = mkdtempSync(join(tmpdir(), 'ppcvm-guest-fetch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** An ELF64 LE ppc64 executable (a stand-in kernel or static busybox). */
const leElf = (fill: number, size = 4096) => makeElf(new Uint8Array(size).fill(fill), { littleEndian: true });

/** The same with its only program header turned into a PT_INTERP: "dynamically linked". */
function dynamicElf(): Uint8Array {
  const e = leElf(1);
  new DataView(e.buffer).setUint32(64, 3, true);
  return e;
}

function hostCodename(): string | null {
  try {
    return /^VERSION_CODENAME=["']?([^"'\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] || null;
  } catch {
    return null;
  }
}

let counter = 0;
const freshDir = (name: string) => {
  const d = join(tmp, `${name}-${counter++}`);
  mkdirSync(d, { recursive: true });
  return d;
};

describe('cache directories', () => {
  it('follow XDG_CACHE_HOME, else HOME/.cache; fixtures follow PPCVM_FIXTURES', () => {
    expect(cacheRoot({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe('/x/cache/ppcvm');
    expect(cacheRoot({ XDG_CACHE_HOME: 'relative', HOME: '/home/u' })).toBe('/home/u/.cache/ppcvm');
    expect(cacheRoot({ HOME: '/home/u' })).toBe('/home/u/.cache/ppcvm');
    expect(guestDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/ppcvm/guest');
    expect(fixturesDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/ppcvm/fixtures');
    expect(fixturesDir({ XDG_CACHE_HOME: '/x', PPCVM_FIXTURES: '/f' })).toBe('/f');
    expect(guestPaths('/g')).toEqual({
      vmlinux: '/g/vmlinux',
      busybox: '/g/busybox',
      initrd: '/g/initrd.gz',
      manifest: '/g/manifest.json',
    });
  });

  it('scripts/fixtures.mjs (read by tests without a build) agrees with the package', () => {
    const saved = { ...process.env };
    try {
      for (const env of [
        { PPCVM_FIXTURES: join(tmp, 'f1') },
        { XDG_CACHE_HOME: join(tmp, 'xdg') },
        { XDG_CACHE_HOME: 'relative/ignored' },
        {},
      ]) {
        delete process.env.PPCVM_FIXTURES;
        delete process.env.XDG_CACHE_HOME;
        Object.assign(process.env, env);
        expect(scriptFixturesDir()).toBe(fixturesDir(process.env));
      }
    } finally {
      process.env = saved;
    }
  });
});

describe('ELF checks', () => {
  it('accept an LE ppc64 kernel and a static busybox, name what is wrong otherwise', () => {
    expect(checkGuestBinary('vmlinux', leElf(0))).toBeNull();
    expect(checkGuestBinary('busybox', leElf(0))).toBeNull();
    expect(checkGuestBinary('vmlinux', new TextEncoder().encode('#!/bin/sh\n'))).toBe('not an ELF file');
    expect(checkGuestBinary('vmlinux', makeElf(new Uint8Array(16)))).toMatch(
      /not an ELF64 little-endian ppc64.*data 2/,
    );
    expect(checkGuestBinary('vmlinux', makeElf(new Uint8Array(16), { littleEndian: true, machine: 62 }))).toMatch(
      /machine 62/,
    );
    const dyn = leElf(0);
    new DataView(dyn.buffer).setUint16(16, 3, true); // ET_DYN
    expect(checkGuestBinary('vmlinux', dyn)).toMatch(/expected ET_EXEC/);
    expect(checkGuestBinary('busybox', dynamicElf())).toMatch(/dynamically linked/);
    expect(checkGuestFile('vmlinux', join(tmp, 'nope'))).toBe('missing');
  });
});

describe('apt sources', () => {
  it('keep binary entries of the host release, without backports, re-targeted to ppc64el', () => {
    const deb822 = parseDeb822(
      [
        '# comment',
        'Types: deb deb-src',
        'URIs: http://mirror.invalid/debian',
        'Suites: bookworm bookworm-updates bookworm-backports',
        'Components: main',
        'Signed-By:',
        ' -----BEGIN PGP PUBLIC KEY BLOCK-----',
        ' .',
        ' -----END PGP PUBLIC KEY BLOCK-----',
        '',
        'Types: deb',
        'URIs: http://mirror.invalid/other',
        'Suites: bookworm',
        'Components: main',
        'Enabled: no',
        '',
        'Types: deb-src',
        'URIs: http://mirror.invalid/src',
        'Suites: bookworm',
      ].join('\n'),
    );
    const oneLine = parseOneLineSources(
      [
        'deb [arch=amd64 signed-by=/k.gpg] http://mirror.invalid/security bookworm-security main contrib # x',
        'deb http://mirror.invalid/third trixie main',
        'deb-src http://mirror.invalid/debian bookworm main',
      ].join('\n'),
    );
    expect(deb822).toHaveLength(3);
    expect(oneLine).toHaveLength(3);
    const text = retargetSources([...deb822, ...oneLine], 'bookworm');
    expect(text).toBe(
      [
        'Types: deb',
        'Suites: bookworm bookworm-updates',
        'Architectures: ppc64el',
        'URIs: http://mirror.invalid/debian',
        'Components: main',
        'Signed-By: ',
        ' -----BEGIN PGP PUBLIC KEY BLOCK-----',
        ' .',
        ' -----END PGP PUBLIC KEY BLOCK-----',
        '',
        'Types: deb',
        'Suites: bookworm-security',
        'Architectures: ppc64el',
        'URIs: http://mirror.invalid/security',
        'Components: main contrib',
        'Signed-By: /k.gpg',
        '',
      ].join('\n'),
    );
    expect(retargetSources(oneLine.slice(2), 'bookworm')).toBe('');
  });
});

describe('progress printer', () => {
  it('prints steps and apt lines; percentages only on a terminal, cleared before the next line', () => {
    const events: FetchProgress[] = [
      { kind: 'step', message: 'downloading' },
      { kind: 'percent', percent: 42.4, label: 'Retrieving file 1 of 2' },
      { kind: 'output', line: 'Get:1 x [9 kB]' },
      { kind: 'warning', message: 'slow' },
    ];
    let plain = '';
    const p = progressPrinter((s) => (plain += s), { prefix: 'ppcvm: ' });
    for (const e of events) p(e);
    expect(plain).toBe('ppcvm: downloading\n  Get:1 x [9 kB]\nppcvm: warning: slow\n');
    let tty = '';
    const t = progressPrinter((s) => (tty += s), { prefix: 'ppcvm: ', tty: true });
    for (const e of events) t(e);
    expect(tty).toBe(
      'ppcvm: downloading\n\r\x1b[K   42% Retrieving file 1 of 2\r\x1b[K  Get:1 x [9 kB]\nppcvm: warning: slow\n',
    );
  });
});

describe('fetchGuest with apt missing', () => {
  const noApt = () => ({ PATH: freshDir('empty-path'), HOME: tmp });

  it('says what to place where (exact paths) and leaves nothing half done', async () => {
    const dir = freshDir('guest');
    const err = await fetchGuest(dir, { env: noApt(), rerun: 'ppcvm guest fetch' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuestFetchError);
    const e = err as GuestFetchError;
    expect(e.message).toBe("apt-get is not installed (fetching needs Debian's apt and dpkg)");
    expect(e.help).toContain(`  ${join(dir, 'vmlinux')}  (currently: missing)\n`);
    expect(e.help).toContain(`  ${join(dir, 'busybox')}  (currently: missing)\n`);
    expect(e.help).toContain('linux-image-<abi>-powerpc64le');
    expect(e.help).toContain('busybox-static');
    expect(e.help).toContain('  ppcvm guest fetch\n');
    expect(existsSync(join(dir, 'manifest.json'))).toBe(false);
    // A wrong file is named as such.
    writeFileSync(join(dir, 'busybox'), dynamicElf());
    const again = (await fetchGuest(dir, { env: noApt() }).catch((x: unknown) => x)) as GuestFetchError;
    expect(again.help).toContain(`${join(dir, 'busybox')}  (currently: dynamically linked`);
  });

  it('accepts valid files placed by hand, records them and builds the initramfs', async () => {
    const dir = freshDir('guest');
    writeFileSync(join(dir, 'vmlinux'), leElf(0x11));
    writeFileSync(join(dir, 'busybox'), leElf(0x22));
    const steps: string[] = [];
    const img = await fetchGuest(dir, {
      env: noApt(),
      progress: (e) => e.kind === 'step' && steps.push(e.message),
    });
    expect(steps[0]).toMatch(/user-supplied/);
    expect(steps[1]).toMatch(/^building initramfs/);
    expect(img.manifest.source).toBe('user-supplied');
    expect(img.manifest.files.vmlinux).toMatchObject({ package: null, size: leElf(0x11).length });
    const cpio = gunzipSync(readFileSync(img.initrd));
    const list = spawnSync('cpio', ['-it', '--quiet'], { input: cpio, encoding: 'utf8' });
    expect(list.stdout.split('\n')).toContain('bin/busybox');
    expect(inspectGuest(dir)).toMatchObject({ ready: true, problems: { vmlinux: null, initrd: null } });

    // Unchanged: nothing is rebuilt. A new busybox: the initramfs follows.
    const before = statSync(img.initrd).mtimeMs;
    const steps2: string[] = [];
    await fetchGuest(dir, { env: noApt(), progress: (e) => e.kind === 'step' && steps2.push(e.message) });
    expect(steps2).toEqual(['up to date: vmlinux (user-supplied), busybox (user-supplied)']);
    expect(statSync(img.initrd).mtimeMs).toBe(before);
    writeFileSync(join(dir, 'busybox'), leElf(0x33, 5000));
    expect(inspectGuest(dir)).toMatchObject({ ready: false, problems: { busybox: 'differs from the manifest' } });
    const img2 = await fetchGuest(dir, { env: noApt() });
    expect(img2.manifest.files.busybox.size).toBe(leElf(0x33, 5000).length);
    expect(gunzipSync(readFileSync(img2.initrd)).includes(0x33)).toBe(true);
  });

  it('links a complete guest from a seed directory instead of downloading', async () => {
    const seed = freshDir('seed');
    writeFileSync(join(seed, 'vmlinux'), leElf(0x44));
    writeFileSync(join(seed, 'busybox'), leElf(0x55));
    await fetchGuest(seed, { env: noApt() });
    const dir = freshDir('guest');
    const steps: string[] = [];
    const img = await fetchGuest(dir, {
      env: noApt(),
      seedFrom: [join(tmp, 'does-not-exist'), seed],
      progress: (e) => e.kind === 'step' && steps.push(e.message),
    });
    expect(steps[0]).toBe(`using the kernel and busybox already fetched into ${seed} (no download)`);
    expect(img.manifest.copiedFrom).toBe(seed);
    expect(readFileSync(img.vmlinux)).toEqual(readFileSync(join(seed, 'vmlinux')));
    expect(existsSync(img.initrd)).toBe(true);
    expect(readGuestManifest(dir)?.initrd?.cpioSha256).toBe(readGuestManifest(seed)?.initrd?.cpioSha256);
  });
});

describe('fetchGuest with (fake) apt', () => {
  const fake = join(tmp, 'fake');
  const bin = join(fake, 'bin');
  const debs = join(fake, 'debs');
  const log = join(fake, 'apt.log');
  const codename = hostCodename();
  const suite = codename ?? 'stable';
  const kernelImage = leElf(0x66, 8192);
  const busyboxImage = leElf(0x77);

  /** Build a .deb with the real dpkg-deb from `files` (path → contents). */
  function buildDeb(name: string, version: string, files: Record<string, Uint8Array>, outDir = debs) {
    const root = join(fake, 'trees', `${name}-${version}-${counter++}`);
    mkdirSync(join(root, 'DEBIAN'), { recursive: true });
    writeFileSync(
      join(root, 'DEBIAN', 'control'),
      `Package: ${name}\nVersion: ${version}\nArchitecture: ppc64el\nMaintainer: test <t@t>\nDescription: test\n`,
    );
    for (const [p, data] of Object.entries(files)) {
      mkdirSync(dirname(join(root, p)), { recursive: true });
      writeFileSync(join(root, p), data, { mode: 0o755 });
    }
    mkdirSync(outDir, { recursive: true });
    const out = join(outDir, `${name}_${version.replace(':', '%3a')}_ppc64el.deb`);
    const r = spawnSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '-b', root, out], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
  }

  const tool = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >> "$FAKE_LOG"\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };

  beforeAll(() => {
    mkdirSync(bin, { recursive: true });
    mkdirSync(debs, { recursive: true });
    mkdirSync(join(fake, 'sources.list.d'), { recursive: true });
    writeFileSync(
      join(fake, 'sources.list'),
      `deb [signed-by=/k.gpg] http://mirror.invalid/debian ${suite} main\ndeb http://mirror.invalid/debian ${suite}-backports main\n`,
    );
    writeFileSync(
      join(fake, 'sources.list.d', 'extra.sources'),
      `Types: deb\nURIs: http://mirror.invalid/security\nSuites: ${suite}-security\nComponents: main\n`,
    );
    // The kernel arrives gzip-compressed in one package to exercise decompression.
    buildDeb('linux-image-6.1.0-99-powerpc64le', '6.1.999-1', {
      'boot/vmlinux-6.1.0-99-powerpc64le': gzipSync(kernelImage),
      'lib/modules/6.1.0-99-powerpc64le/modules.dep': new Uint8Array(1),
    });
    buildDeb('linux-image-6.1.0-98-powerpc64le', '6.1.998-1', {
      'boot/vmlinux-6.1.0-98-powerpc64le': leElf(0x68, 8192),
    });
    buildDeb('busybox-static', '1:1.35.0-4', { 'bin/busybox': busyboxImage, 'bin/other': new Uint8Array(3) });
    const bad = join(fake, 'bad-debs');
    buildDeb(
      'linux-image-6.1.0-99-powerpc64le',
      '6.1.999-1',
      { 'boot/vmlinux-6.1.0-99-powerpc64le': kernelImage },
      bad,
    );
    buildDeb('busybox-static', '1:1.35.0-4', { 'bin/busybox': dynamicElf() }, bad);
    tool('apt-config', `printf "SL='%s'\\nSP='%s'\\n" "$FAKE_SL" "$FAKE_SP"`);
    tool(
      'apt-cache',
      [
        'for a in "$@"; do last="$a"; done',
        'case " $* " in',
        '  *" policy "*) case "$last" in',
        '      busybox-static) echo "  Installed: (none)"; echo "  Candidate: 1:1.35.0-4" ;;',
        '      linux-image-6.1.0-99-powerpc64le) echo "  Candidate: 6.1.999-1" ;;',
        '      linux-image-6.1.0-98-powerpc64le) echo "  Candidate: 6.1.998-1" ;;',
        '      *) echo "  Candidate: (none)" ;; esac ;;',
        '  *" depends "*) echo "linux-image-powerpc64le"; echo "  Depends: linux-image-6.1.0-99-powerpc64le" ;;',
        '  *) exit 1 ;;',
        'esac',
      ].join('\n'),
    );
    tool(
      'apt-get',
      [
        'case " $* " in',
        '  *" update "*) echo "Get:1 http://mirror.invalid/debian InRelease"',
        '    echo "dlstatus:1:50.0000:Retrieving file 1 of 2" >&3',
        '    echo "dlstatus:2:100.0000:Retrieving file 2 of 2" >&3',
        '    exit $((FAKE_UPDATE_STATUS + 0)) ;;',
        '  *" download "*) for a in "$@"; do case "$a" in -*) ;; *=*) cp "$FAKE_DEBS/$(echo "$a" | cut -d= -f1)"_*.deb . ;; esac; done',
        '    echo "Get:1 http://mirror.invalid/debian kernel [8 kB]"',
        '    echo "dlstatus:1:100.0000:Retrieving file 1 of 1" >&3 ;;',
        '  *) exit 1 ;;',
        'esac',
      ].join('\n'),
    );
  });

  const env = (extra: Record<string, string> = {}) => ({
    PATH: `${bin}:${process.env.PATH}`,
    HOME: tmp,
    FAKE_LOG: log,
    FAKE_SL: join(fake, 'sources.list'),
    FAKE_SP: `${join(fake, 'sources.list.d')}/`,
    FAKE_DEBS: debs,
    ...extra,
  });

  it('downloads the metapackage kernel and busybox, checks, records and builds', async () => {
    const dir = freshDir('guest');
    rmSync(log, { force: true });
    const events: FetchProgress[] = [];
    const img = await fetchGuest(dir, { env: env(), progress: (e) => events.push(e) });
    // The private apt state: ppc64el, own directories, sources from the "host" minus backports.
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls.map((c) => c.split(' ')[0])).toEqual([
      'apt-config',
      'apt-get',
      'apt-cache',
      'apt-cache',
      'apt-cache',
      'apt-get',
    ]);
    const download = calls[5]!;
    expect(download).toContain('-oAPT::Architecture=ppc64el');
    expect(download).toContain(`-oDir::State::Lists=${join(dir, 'apt', 'state', 'lists')}`);
    expect(download).toMatch(/ download linux-image-6\.1\.0-99-powerpc64le=6\.1\.999-1 busybox-static=1:1\.35\.0-4$/);
    const sources = readFileSync(join(dir, 'apt', 'etc', 'sources.list.d', 'ppcvm-fixtures.sources'), 'utf8');
    expect(sources).toContain(`Suites: ${suite}\nArchitectures: ppc64el\nURIs: http://mirror.invalid/debian`);
    expect(sources).toContain(`Suites: ${suite}-security\n`);
    if (codename) expect(sources).not.toContain('backports');

    expect(new Uint8Array(readFileSync(img.vmlinux))).toEqual(kernelImage);
    expect(new Uint8Array(readFileSync(img.busybox))).toEqual(busyboxImage);
    expect(img.manifest).toMatchObject({
      source: 'apt',
      kernelRelease: '6.1.0-99-powerpc64le',
      files: {
        vmlinux: {
          package: 'linux-image-6.1.0-99-powerpc64le',
          version: '6.1.999-1',
          member: '/boot/vmlinux-6.1.0-99-powerpc64le',
          size: kernelImage.length,
        },
        busybox: { package: 'busybox-static', version: '1:1.35.0-4', member: '/bin/busybox' },
      },
    });
    expect(img.manifest.packages.map((p) => p.name)).toEqual(['linux-image-6.1.0-99-powerpc64le', 'busybox-static']);
    expect(existsSync(img.initrd)).toBe(true);
    // The .debs and extraction leftovers are gone.
    expect(existsSync(join(dir, 'apt', 'debs'))).toBe(false);
    expect(spawnSync('ls', [dir], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).sort()).toEqual([
      'apt',
      'busybox',
      'initrd.gz',
      'manifest.json',
      'vmlinux',
    ]);
    // Progress: steps, apt's lines and its Status-Fd percentages.
    expect(events).toContainEqual({ kind: 'output', line: 'Get:1 http://mirror.invalid/debian InRelease' });
    expect(events).toContainEqual({ kind: 'percent', percent: 50, label: 'Retrieving file 1 of 2' });
    expect(events).toContainEqual({
      kind: 'step',
      message: 'chosen: linux-image-6.1.0-99-powerpc64le 6.1.999-1, busybox-static 1:1.35.0-4',
    });
    expect(events).toContainEqual({
      kind: 'step',
      message: 'vmlinux-6.1.0-99-powerpc64le is gzip-compressed, decompressing',
    });

    // --refresh with the same versions downloads nothing.
    rmSync(log, { force: true });
    const steps: string[] = [];
    await fetchGuest(dir, { env: env(), refresh: true, progress: (e) => e.kind === 'step' && steps.push(e.message) });
    expect(steps).toContain('the cache already holds these versions; nothing to download');
    expect(readFileSync(log, 'utf8')).not.toMatch(/ download /);
  });

  it('takes a pinned kernel package, and goes on when apt-get update partly fails', async () => {
    const dir = freshDir('guest');
    const warnings: string[] = [];
    const img = await fetchGuest(dir, {
      env: env({ FAKE_UPDATE_STATUS: '100' }),
      kernelPackage: 'linux-image-6.1.0-98-powerpc64le',
      progress: (e) => e.kind === 'warning' && warnings.push(e.message),
    });
    expect(img.manifest.files.vmlinux.package).toBe('linux-image-6.1.0-98-powerpc64le');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^apt-get -q update exited with 100; going on/);
  });

  it('a failing refresh keeps the complete guest; a package without the file is refused', async () => {
    const dir = freshDir('guest');
    await fetchGuest(dir, { env: env() });
    const warnings: string[] = [];
    const img = await fetchGuest(dir, {
      env: env(),
      refresh: true,
      kernelPackage: 'linux-image-6.1.0-97-powerpc64le',
      progress: (e) => e.kind === 'warning' && warnings.push(e.message),
    });
    expect(warnings).toEqual([
      `package linux-image-6.1.0-97-powerpc64le has no installable ppc64el version; keeping the guest already in ${dir}`,
    ]);
    expect(img.manifest.files.vmlinux.package).toBe('linux-image-6.1.0-99-powerpc64le');

    // busybox-static whose /bin/busybox is dynamically linked: nothing replaces the files.
    const other = freshDir('guest');
    const err = (await fetchGuest(other, {
      env: env({ FAKE_DEBS: join(fake, 'bad-debs') }),
    }).catch((e: unknown) => e)) as GuestFetchError;
    expect(err).toBeInstanceOf(GuestFetchError);
    expect(err.message).toBe('extracted busybox is unusable: dynamically linked (has PT_INTERP), expected static');
    expect(err.help).toContain(`${join(other, 'vmlinux')}  (currently: missing)`);
    expect(existsSync(join(other, 'vmlinux'))).toBe(false);
  });
});
