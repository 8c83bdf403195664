#!/usr/bin/env node
// fetch-fixtures: download the large binaries that ppcvm's boot and
// differential tests use, and place them under stable names in a cache
// directory OUTSIDE the repository (`npm run fixtures`).
//
//   <cache>/vmlinux        uncompressed ELF64 LE ppc64 kernel from Debian's
//                          linux-image-<abi>-powerpc64le package (/boot/vmlinux-*)
//   <cache>/busybox        static ppc64el busybox from Debian's busybox-static (/bin/busybox)
//   <cache>/manifest.json  package names, versions, sizes and sha256 of the above
//
// How tests find fixtures: they import { fixturePath } from scripts/fixtures.mjs
// (relative import; types in fixtures.d.mts), which applies the same cache-dir
// rule as this script, first match wins:
//   $PPCVM_FIXTURES, else $XDG_CACHE_HOME/ppcvm/fixtures, else ~/.cache/ppcvm/fixtures.
// fixturePath('vmlinux') returns the absolute path, or null when the file is
// missing (the test should then skip, naming `npm run fixtures`).
//
// How it fetches: Debian's own apt, with a private state/cache directory under
// <cache>/apt so the host's package state and configuration are never changed.
// The apt sources are read from the host's apt configuration at run time (only
// entries for the host's release codename, e.g. "<codename>", "<codename>-updates",
// "<codename>-security"), re-targeted to the ppc64el architecture. Re-running is
// cheap: when manifest.json matches the files on disk nothing is downloaded.
//
// Usage: node scripts/fetch-fixtures.mjs [--refresh] [--help]
//   --refresh   ask apt again for the newest packages even if the cache is complete
// Environment:
//   PPCVM_FIXTURES          cache directory (see above)
//   PPCVM_FIXTURE_KERNEL    exact kernel package name to use instead of the newest
//                           one (e.g. linux-image-6.1.0-NN-powerpc64le)

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { fixturesDir } from './fixtures.mjs';

const ARCH = 'ppc64el';
const MANIFEST_SCHEMA = 1;
const KERNEL_META = 'linux-image-powerpc64le';
const KERNEL_RE = /^linux-image-(\d+)\.(\d+)\.(\d+)-(\d+)-powerpc64le$/;
const BUSYBOX_PKG = 'busybox-static';

const EM_PPC64 = 21; // ELF e_machine for 64-bit PowerPC (ELF ABI, "e_machine" table)
const PT_INTERP = 3;

class FetchError extends Error {}

function log(msg) {
  process.stdout.write(`[fixtures] ${msg}\n`);
}

function parseArgs(argv) {
  const opts = { refresh: false };
  for (const a of argv) {
    if (a === '--refresh') opts.refresh = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: node scripts/fetch-fixtures.mjs [--refresh]\n' +
          `Fetches vmlinux and busybox (Debian ${ARCH}) into ${fixturesDir()}\n`,
      );
      process.exit(0);
    } else throw new FetchError(`unknown argument ${a} (try --help)`);
  }
  return opts;
}

// ---------------------------------------------------------------- files / ELF

function sha256File(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Minimal ELF header + program header inspection; returns null if not ELF. */
function inspectElf(buf) {
  if (buf.length < 64 || buf[0] !== 0x7f || buf[1] !== 0x45 || buf[2] !== 0x4c || buf[3] !== 0x46) return null;
  const cls = buf[4]; // 1 = ELF32, 2 = ELF64
  const data = buf[5]; // 1 = little-endian, 2 = big-endian
  if (cls !== 2 || (data !== 1 && data !== 2)) return { cls, data, machine: -1, type: -1, hasInterp: false };
  const le = data === 1;
  const u16 = (o) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u64 = (o) => (le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o));
  const type = u16(16);
  const machine = u16(18);
  const phoff = Number(u64(32));
  const phentsize = u16(54);
  const phnum = u16(56);
  let hasInterp = false;
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (o + 4 > buf.length) break;
    if (u32(o) === PT_INTERP) hasInterp = true;
  }
  return { cls, data, machine, type, hasInterp };
}

function readHead(path, n) {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Why `path` is not a usable fixture of this kind, or null when it is. */
function checkFixture(kind, path) {
  if (!existsSync(path)) return 'missing';
  const elf = inspectElf(readHead(path, 64 * 1024));
  if (!elf) return 'not an ELF file';
  if (elf.cls !== 2 || elf.data !== 1 || elf.machine !== EM_PPC64) {
    return `not an ELF64 little-endian ppc64 file (class ${elf.cls}, data ${elf.data}, machine ${elf.machine})`;
  }
  if (kind === 'vmlinux' && elf.type !== 2) return `ELF type ${elf.type}, expected ET_EXEC (2)`;
  if (kind === 'busybox' && elf.hasInterp) return 'dynamically linked (has PT_INTERP), expected static';
  return null;
}

/**
 * Debian ships ppc64el kernels as a plain ELF vmlinux, but accept a compressed
 * one too (gzip via zlib; xz/zstd/bzip2 via the host tools) in case that changes.
 */
function decompressIfNeeded(buf, what) {
  const m = buf.subarray(0, 6);
  if (m[0] === 0x1f && m[1] === 0x8b) return gunzipSync(buf);
  const viaTool = (tool) => {
    log(`${what} is ${tool}-compressed, decompressing`);
    const r = spawnSync(tool, ['-dc'], { input: buf, maxBuffer: 1 << 30 });
    if (r.error || r.status !== 0) {
      throw new FetchError(`cannot decompress ${what} with ${tool}: ${r.error?.message ?? r.stderr.toString()}`);
    }
    return r.stdout;
  };
  if (m[0] === 0xfd && m[1] === 0x37 && m[2] === 0x7a && m[3] === 0x58 && m[4] === 0x5a) return viaTool('xz');
  if (m[0] === 0x28 && m[1] === 0xb5 && m[2] === 0x2f && m[3] === 0xfd) return viaTool('zstd');
  if (m[0] === 0x42 && m[1] === 0x5a && m[2] === 0x68) return viaTool('bzip2');
  return buf;
}

function readManifest(dir) {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    return m && m.schema === MANIFEST_SCHEMA && m.files ? m : null;
  } catch {
    return null;
  }
}

/** True when every fixture named in the manifest exists with the recorded hash. */
function manifestMatches(dir, manifest) {
  if (!manifest) return false;
  for (const name of ['vmlinux', 'busybox']) {
    const entry = manifest.files[name];
    const path = join(dir, name);
    if (!entry || !existsSync(path)) return false;
    if (statSync(path).size !== entry.size) return false;
    if (sha256File(path) !== entry.sha256) return false;
  }
  return true;
}

function writeAtomic(path, data, mode) {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

// ---------------------------------------------------------------- apt

function which(tool) {
  const r = spawnSync('sh', ['-c', `command -v "$1"`, 'sh', tool], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
}

function run(cmd, args, { cwd, quiet = false } = {}) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    maxBuffer: 256 << 20,
  });
  if (r.error) throw new FetchError(`${cmd} could not be started: ${r.error.message}`);
  if (r.status !== 0) {
    const detail = quiet ? `\n${(r.stderr || r.stdout || '').trim()}` : '';
    throw new FetchError(
      `${cmd} ${args.filter((a) => !a.startsWith('-o')).join(' ')} exited with ${r.status}${detail}`,
    );
  }
  return r.stdout ?? '';
}

function hostCodename() {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const m = /^VERSION_CODENAME=["']?([^"'\n]*)/m.exec(text);
    return m?.[1] || null;
  } catch {
    return null;
  }
}

/** Paths of the host's sources.list and sources.list.d, as apt itself resolves them. */
function hostSourcePaths() {
  const out = run('apt-config', ['shell', 'SL', 'Dir::Etc::sourcelist/f', 'SP', 'Dir::Etc::sourceparts/d'], {
    quiet: true,
  });
  const get = (k) => /^(\w+)='(.*)'$/m.exec(out.split('\n').find((l) => l.startsWith(`${k}=`)) ?? '')?.[2] ?? null;
  return { list: get('SL') ?? '/etc/apt/sources.list', parts: get('SP') ?? '/etc/apt/sources.list.d/' };
}

/**
 * Parse deb822 ".sources" text into stanzas of [field, rawValue] pairs; raw
 * values keep continuation lines so inline Signed-By key blocks survive.
 */
function parseDeb822(text) {
  const stanzas = [];
  let cur = null;
  let last = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    if (line.trim() === '') {
      if (cur) stanzas.push(cur);
      cur = null;
      last = null;
      continue;
    }
    if (/^[ \t]/.test(line)) {
      if (last) last[1] += `\n${line}`;
      continue;
    }
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    cur ??= [];
    last = [m[1], m[2]];
    cur.push(last);
  }
  if (cur) stanzas.push(cur);
  return stanzas;
}

/** Parse one-line-style "deb [opts] uri suite comp..." entries into the same shape. */
function parseOneLine(text) {
  const stanzas = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const st = [
      ['Types', m[1]],
      ['URIs', m[3]],
      ['Suites', m[4]],
    ];
    if (m[5]) st.push(['Components', m[5]]);
    for (const opt of (m[2] ?? '').split(/\s+/).filter(Boolean)) {
      const [k, v] = opt.split('=');
      if (k === 'signed-by') st.push(['Signed-By', v.split(',').join(' ')]);
      else if (k === 'trusted') st.push(['Trusted', v]);
    }
    stanzas.push(st);
  }
  return stanzas;
}

/**
 * Build a private deb822 source file from the host's apt sources: binary
 * ("deb") entries only, only suites of the host's release (third-party
 * repositories rarely carry ppc64el and never carry the Debian kernel), with
 * Architectures forced to ppc64el.
 */
function buildSources() {
  const { list, parts } = hostSourcePaths();
  const stanzas = [];
  if (existsSync(list)) stanzas.push(...parseOneLine(readFileSync(list, 'utf8')));
  if (existsSync(parts)) {
    for (const f of readdirSync(parts).sort()) {
      const p = join(parts, f);
      if (f.endsWith('.sources')) stanzas.push(...parseDeb822(readFileSync(p, 'utf8')));
      else if (f.endsWith('.list')) stanzas.push(...parseOneLine(readFileSync(p, 'utf8')));
    }
  }
  const codename = hostCodename();
  const keepSuite = (s) =>
    codename ? (s === codename || s.startsWith(`${codename}-`)) && !/-backports/.test(s) : true;
  const out = [];
  for (const st of stanzas) {
    const field = (k) => st.find(([n]) => n.toLowerCase() === k.toLowerCase())?.[1];
    if (!(field('Types') ?? '').split(/\s+/).includes('deb')) continue;
    if (/^(no|false)$/i.test((field('Enabled') ?? 'yes').trim())) continue;
    const suites = (field('Suites') ?? '').split(/\s+/).filter(keepSuite);
    if (suites.length === 0 || !field('URIs')) continue;
    const lines = ['Types: deb', `Suites: ${suites.join(' ')}`, `Architectures: ${ARCH}`];
    for (const [k, v] of st) {
      if (!/^(types|suites|architectures|enabled)$/i.test(k)) lines.push(`${k}: ${v}`);
    }
    out.push(lines.join('\n'));
  }
  if (out.length === 0) {
    throw new FetchError(
      `no usable apt source found in ${list} or ${parts} (looked for "deb" entries of suite ${codename ?? '<any>'})`,
    );
  }
  return `${out.join('\n\n')}\n`;
}

function aptEnv(cache) {
  const apt = join(cache, 'apt');
  const dirs = {
    apt,
    state: join(apt, 'state'),
    lists: join(apt, 'state', 'lists'),
    cache: join(apt, 'cache'),
    etc: join(apt, 'etc'),
    parts: join(apt, 'etc', 'sources.list.d'),
    prefParts: join(apt, 'etc', 'preferences.d'),
    debs: join(apt, 'debs'),
  };
  for (const d of [dirs.lists, join(dirs.lists, 'partial'), join(dirs.cache, 'archives', 'partial')]) {
    mkdirSync(d, { recursive: true });
  }
  for (const d of [dirs.parts, dirs.prefParts]) mkdirSync(d, { recursive: true });
  const status = join(dirs.state, 'status');
  const emptyFile = join(dirs.etc, 'empty');
  if (!existsSync(status)) writeFileSync(status, '');
  writeFileSync(emptyFile, '');
  writeFileSync(join(dirs.parts, 'ppcvm-fixtures.sources'), buildSources());
  const o = [
    `-oAPT::Architecture=${ARCH}`,
    `-oAPT::Architectures=${ARCH}`,
    `-oDir::State=${dirs.state}`,
    `-oDir::State::Lists=${dirs.lists}`,
    `-oDir::State::status=${status}`,
    `-oDir::Cache=${dirs.cache}`,
    '-oDir::Cache::pkgcache=pkgcache.bin',
    '-oDir::Cache::srcpkgcache=srcpkgcache.bin',
    `-oDir::Etc::SourceList=${emptyFile}`,
    `-oDir::Etc::SourceParts=${dirs.parts}`,
    `-oDir::Etc::Preferences=${emptyFile}`,
    `-oDir::Etc::PreferencesParts=${dirs.prefParts}`,
    '-oAcquire::Languages=none',
  ];
  // As root apt drops to the _apt user for downloads, which cannot enter a
  // cache under a private home directory; the files are still hash-checked
  // against the signed Release file.
  if (process.getuid?.() === 0) o.push('-oAPT::Sandbox::User=root');
  return { dirs, o };
}

function dropBinaryCaches(env) {
  for (const f of ['pkgcache.bin', 'srcpkgcache.bin']) rmSync(join(env.dirs.cache, f), { force: true });
}

function candidateVersion(env, pkg) {
  const out = run('apt-cache', [...env.o, 'policy', pkg], { quiet: true });
  const m = /^\s*Candidate:\s*(\S+)/m.exec(out);
  return m && m[1] !== '(none)' ? m[1] : null;
}

function compareKernelNames(a, b) {
  const pa = KERNEL_RE.exec(a).slice(1).map(Number);
  const pb = KERNEL_RE.exec(b).slice(1).map(Number);
  for (let i = 0; i < pa.length; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

/** The kernel image package the metapackage points at, else the newest by ABI number. */
function resolveKernelPackage(env) {
  const pinned = process.env.PPCVM_FIXTURE_KERNEL;
  if (pinned) return pinned;
  const deps = run('apt-cache', [...env.o, 'depends', KERNEL_META], { quiet: true });
  for (const line of deps.split('\n')) {
    const m = /^\s*Depends:\s*(\S+)/.exec(line);
    if (m && KERNEL_RE.test(m[1])) return m[1];
  }
  const names = run('apt-cache', [...env.o, 'search', '--names-only', '^linux-image-[0-9].*-powerpc64le$'], {
    quiet: true,
  })
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => KERNEL_RE.test(n))
    .sort(compareKernelNames);
  if (names.length === 0) throw new FetchError(`no ${ARCH} kernel image package found in the apt sources`);
  return names[names.length - 1];
}

// ---------------------------------------------------------------- extraction

/** Extract tar members matching `patterns` from a .deb's data archive into `dest`. */
function extractMembers(deb, dest, patterns) {
  mkdirSync(dest, { recursive: true });
  return new Promise((resolvePromise, reject) => {
    const dd = spawn('dpkg-deb', ['--fsys-tarfile', deb], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tar = spawn('tar', ['-x', '-f', '-', '-C', dest, '--wildcards', ...patterns], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let err = '';
    dd.stderr.on('data', (d) => (err += d));
    tar.stderr.on('data', (d) => (err += d));
    dd.stdout.pipe(tar.stdin);
    // tar may exit before dpkg-deb finishes writing; that broken pipe is expected.
    tar.stdin.on('error', () => {});
    let pending = 2;
    let failed = null;
    const done = (who) => (code) => {
      if (code !== 0 && who === 'tar') failed = `tar exited with ${code}`;
      if (code !== 0 && who === 'dpkg-deb' && code !== null && !failed) failed = `dpkg-deb exited with ${code}`;
      if (--pending === 0) {
        if (failed) reject(new FetchError(`extracting ${deb}: ${failed}\n${err.trim()}`));
        else resolvePromise();
      }
    };
    dd.on('error', (e) => reject(new FetchError(`dpkg-deb could not be started: ${e.message}`)));
    tar.on('error', (e) => reject(new FetchError(`tar could not be started: ${e.message}`)));
    dd.on('close', done('dpkg-deb'));
    tar.on('close', done('tar'));
  });
}

function findDeb(debsDir, pkg) {
  const f = readdirSync(debsDir).find((n) => n.startsWith(`${pkg}_`) && n.endsWith('.deb'));
  if (!f) throw new FetchError(`apt-get download reported success but no ${pkg}_*.deb is in ${debsDir}`);
  return join(debsDir, f);
}

// ---------------------------------------------------------------- main

function printManualHelp(cache, reason) {
  const status = (name) => {
    const why = checkFixture(name, join(cache, name));
    return why ? `currently: ${why}` : 'currently: present and valid';
  };
  process.stderr.write(
    `\n[fixtures] ERROR: ${reason}\n\n` +
      `Could not fetch the test fixtures automatically. Supply them by hand:\n` +
      `  ${join(cache, 'vmlinux')}  (${status('vmlinux')})\n` +
      `      uncompressed ELF64 little-endian ppc64 Linux kernel, e.g. /boot/vmlinux-<abi>-powerpc64le\n` +
      `      from Debian's ${ARCH} package linux-image-<abi>-powerpc64le (or ${KERNEL_META})\n` +
      `  ${join(cache, 'busybox')}  (${status('busybox')})\n` +
      `      statically linked ${ARCH} busybox, /bin/busybox from Debian's ${ARCH} package ${BUSYBOX_PKG}\n` +
      `(extract a .deb with: dpkg-deb -x <file>.deb <dir>). Then run this script again: it\n` +
      `checks the files and writes ${join(cache, 'manifest.json')}.\n` +
      `The directory comes from $PPCVM_FIXTURES, else $XDG_CACHE_HOME/ppcvm/fixtures, else ~/.cache/ppcvm/fixtures.\n`,
  );
}

function fileEntry(cache, name, pkg, version, member) {
  const path = join(cache, name);
  return { package: pkg, version, member, size: statSync(path).size, sha256: sha256File(path) };
}

function writeManifest(cache, files, packages, extra = {}) {
  const manifest = {
    schema: MANIFEST_SCHEMA,
    architecture: ARCH,
    createdAt: new Date().toISOString(),
    ...extra,
    packages,
    files,
  };
  writeAtomic(join(cache, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, 0o644);
  return manifest;
}

/** When apt is unusable but the user placed valid files by hand, record them. */
function adoptUserFiles(cache) {
  const bad = ['vmlinux', 'busybox'].map((n) => [n, checkFixture(n, join(cache, n))]).filter(([, why]) => why);
  if (bad.length > 0) return false;
  const files = {
    vmlinux: fileEntry(cache, 'vmlinux', null, null, null),
    busybox: fileEntry(cache, 'busybox', null, null, null),
  };
  writeManifest(cache, files, [], { source: 'user-supplied' });
  log('apt unavailable, but valid user-supplied vmlinux and busybox found; manifest written');
  return true;
}

async function fetchWithApt(cache, opts, previous) {
  for (const tool of ['apt-get', 'apt-cache', 'apt-config', 'dpkg-deb', 'tar']) {
    if (!which(tool)) throw new FetchError(`${tool} is not installed (a Debian-style host is needed to fetch)`);
  }
  log('preparing private apt state (host configuration is left untouched)');
  const env = aptEnv(cache);
  log(`apt-get update for ${ARCH}`);
  // apt-get update fails as a whole when any one index fails (e.g. a mirror
  // mid-sync), yet keeps the indexes that did arrive; go on with those and
  // fail later only if the packages cannot be found.
  let updateError = null;
  try {
    run('apt-get', [...env.o, '-q', 'update']);
  } catch (e) {
    if (!(e instanceof FetchError)) throw e;
    updateError = e.message;
    log(`warning: ${updateError}; continuing with the package indexes that were fetched (may not be the newest)`);
  }
  const withUpdateError = (msg) => (updateError ? `${msg} (after: ${updateError})` : msg);

  let kernelPkg;
  try {
    kernelPkg = resolveKernelPackage(env);
  } catch (e) {
    if (e instanceof FetchError) throw new FetchError(withUpdateError(e.message));
    throw e;
  }
  const kernelVer = candidateVersion(env, kernelPkg);
  const bbVer = candidateVersion(env, BUSYBOX_PKG);
  if (!kernelVer) throw new FetchError(withUpdateError(`package ${kernelPkg} has no installable ${ARCH} version`));
  if (!bbVer) throw new FetchError(withUpdateError(`package ${BUSYBOX_PKG} has no installable ${ARCH} version`));
  log(`chosen: ${kernelPkg} ${kernelVer}, ${BUSYBOX_PKG} ${bbVer}`);

  if (
    opts.refresh &&
    previous?.files?.vmlinux?.package === kernelPkg &&
    previous.files.vmlinux.version === kernelVer &&
    previous.files.busybox?.version === bbVer &&
    manifestMatches(cache, previous)
  ) {
    log('cache already holds these versions; nothing to download');
    dropBinaryCaches(env);
    return previous;
  }

  rmSync(env.dirs.debs, { recursive: true, force: true });
  mkdirSync(env.dirs.debs, { recursive: true });
  log('downloading packages');
  run('apt-get', [...env.o, '-q', 'download', `${kernelPkg}=${kernelVer}`, `${BUSYBOX_PKG}=${bbVer}`], {
    cwd: env.dirs.debs,
  });
  const kernelDeb = findDeb(env.dirs.debs, kernelPkg);
  const bbDeb = findDeb(env.dirs.debs, BUSYBOX_PKG);

  const ex = join(cache, `extract-${process.pid}`);
  rmSync(ex, { recursive: true, force: true });
  try {
    log(`extracting /boot/vmlinux-* from ${kernelDeb.split('/').pop()}`);
    await extractMembers(kernelDeb, join(ex, 'kernel'), ['./boot/vmlinux-*']);
    const bootDir = join(ex, 'kernel', 'boot');
    const vmlinuxName = existsSync(bootDir) ? readdirSync(bootDir).find((n) => n.startsWith('vmlinux-')) : undefined;
    if (!vmlinuxName) throw new FetchError(`${kernelPkg} contains no /boot/vmlinux-*`);
    const kernelImage = decompressIfNeeded(readFileSync(join(bootDir, vmlinuxName)), vmlinuxName);
    const stagedKernel = join(ex, 'vmlinux');
    writeFileSync(stagedKernel, kernelImage, { mode: 0o644 });
    const whyK = checkFixture('vmlinux', stagedKernel);
    if (whyK) throw new FetchError(`extracted ${vmlinuxName} is unusable: ${whyK}`);

    log(`extracting /bin/busybox from ${bbDeb.split('/').pop()}`);
    await extractMembers(bbDeb, join(ex, 'busybox-pkg'), ['./bin/busybox']);
    const stagedBusybox = join(ex, 'busybox-pkg', 'bin', 'busybox');
    if (!existsSync(stagedBusybox)) throw new FetchError(`${BUSYBOX_PKG} contains no /bin/busybox`);
    chmodSync(stagedBusybox, 0o755);
    const whyB = checkFixture('busybox', stagedBusybox);
    if (whyB) throw new FetchError(`extracted busybox is unusable: ${whyB}`);

    // Both checked: move into place together (same filesystem, so each rename is atomic).
    renameSync(stagedKernel, join(cache, 'vmlinux'));
    renameSync(stagedBusybox, join(cache, 'busybox'));

    const files = {
      vmlinux: fileEntry(cache, 'vmlinux', kernelPkg, kernelVer, `/boot/${vmlinuxName}`),
      busybox: fileEntry(cache, 'busybox', BUSYBOX_PKG, bbVer, '/bin/busybox'),
    };
    const packages = [
      { name: kernelPkg, version: kernelVer, architecture: ARCH, debSha256: sha256File(kernelDeb) },
      { name: BUSYBOX_PKG, version: bbVer, architecture: ARCH, debSha256: sha256File(bbDeb) },
    ];
    const kernelRelease = vmlinuxName.slice('vmlinux-'.length);
    return writeManifest(cache, files, packages, { source: 'apt', kernelRelease });
  } finally {
    rmSync(ex, { recursive: true, force: true });
    // The .debs (the kernel one is large) and apt's binary caches (rebuilt
    // from the lists on demand) are not needed at rest.
    rmSync(env.dirs.debs, { recursive: true, force: true });
    dropBinaryCaches(env);
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const cache = fixturesDir();
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const rel = relative(repoRoot, cache);
  if (!rel.startsWith('..') && !rel.startsWith('/')) {
    log(`warning: cache ${cache} is inside the repository; prefer a directory outside it`);
  }
  mkdirSync(cache, { recursive: true });
  log(`cache: ${cache}`);

  const previous = readManifest(cache);
  if (!opts.refresh && manifestMatches(cache, previous)) {
    const desc = (f) => (f.package ? `${f.package} ${f.version}` : 'user-supplied');
    log(`up to date: vmlinux (${desc(previous.files.vmlinux)}), busybox (${desc(previous.files.busybox)})`);
    return 0;
  }

  let manifest;
  try {
    manifest = await fetchWithApt(cache, opts, previous);
  } catch (e) {
    if (!(e instanceof FetchError)) throw e;
    if (adoptUserFiles(cache)) return 0;
    printManualHelp(cache, e.message);
    return 1;
  }
  for (const [name, f] of Object.entries(manifest.files)) {
    log(`${name}: ${join(cache, name)} ${f.size} bytes sha256 ${f.sha256} (${f.package} ${f.version})`);
  }
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
