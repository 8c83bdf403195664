/**
 * The default guest: Debian's ppc64el kernel (`linux-image-<abi>-powerpc64le`,
 * the one the `linux-image-powerpc64le` metapackage depends on) and static
 * busybox (`busybox-static`), fetched with the host's apt into a cache
 * directory, checked, recorded in a manifest, and turned into an initramfs.
 *
 *   <dir>/vmlinux        uncompressed ELF64 LE ppc64 kernel (/boot/vmlinux-*)
 *   <dir>/busybox        static ppc64el busybox (/bin/busybox)
 *   <dir>/initrd.gz      busybox + /init (./initramfs.ts)
 *   <dir>/manifest.json  package names, versions, sizes, sha256 of the above
 *   <dir>/apt/           private apt state (lists; the .debs are deleted after use)
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  ARCH,
  candidateVersion,
  dropBinaryCaches,
  FETCH_TOOLS,
  findExecutable,
  GuestFetchError,
  KERNEL_METAPACKAGE,
  type PrivateApt,
  privateApt,
  resolveKernelPackage,
  runTool,
} from './apt.js';
import { checkGuestFile, type GuestBinaryKind } from './check.js';
import { buildInitramfsCpio } from './initramfs.js';
import { type GuestEnv, guestPaths } from './paths.js';
import type { ProgressListener } from './progress.js';

export const MANIFEST_SCHEMA = 1;
export const BUSYBOX_PACKAGE = 'busybox-static';

export interface GuestFileEntry {
  /** Debian package and version it came from; null for user-supplied files. */
  readonly package: string | null;
  readonly version: string | null;
  /** Path inside the package. */
  readonly member: string | null;
  readonly size: number;
  readonly sha256: string;
}

export interface GuestPackageEntry {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  readonly debSha256: string;
}

export interface GuestInitrdEntry {
  readonly size: number;
  readonly sha256: string;
  /** Hash of the uncompressed archive: the initrd is rebuilt when busybox or /init change. */
  readonly cpioSha256: string;
}

export interface GuestManifest {
  readonly schema: typeof MANIFEST_SCHEMA;
  readonly architecture: string;
  readonly createdAt: string;
  /** 'apt', 'user-supplied', or 'copy' (linked from another cache directory holding the same files). */
  readonly source?: string;
  readonly kernelRelease?: string;
  readonly copiedFrom?: string;
  readonly packages: readonly GuestPackageEntry[];
  readonly files: { readonly vmlinux: GuestFileEntry; readonly busybox: GuestFileEntry };
  readonly initrd?: GuestInitrdEntry;
}

/** A complete guest directory. */
export interface GuestImage {
  readonly dir: string;
  readonly vmlinux: string;
  readonly busybox: string;
  readonly initrd: string;
  readonly manifest: GuestManifest;
}

export interface FetchGuestOptions {
  /** Ask apt for the newest packages even when the directory is complete. */
  readonly refresh?: boolean;
  /** Exact kernel package name instead of the metapackage's choice. */
  readonly kernelPackage?: string;
  /** Other guest directories whose files may be linked instead of downloaded when they hold a complete guest. */
  readonly seedFrom?: readonly string[];
  /** PATH for the tools and the environment they run in (default process.env). */
  readonly env?: GuestEnv;
  readonly progress?: ProgressListener;
  /** The command that repeats the fetch, named in the help text of a failure. */
  readonly rerun?: string;
}

const BINARIES: readonly GuestBinaryKind[] = ['vmlinux', 'busybox'];

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function writeAtomic(path: string, data: Uint8Array | string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/** The manifest in `dir`, or null when absent or not of this schema. */
export function readGuestManifest(dir: string): GuestManifest | null {
  try {
    const m = JSON.parse(readFileSync(guestPaths(dir).manifest, 'utf8')) as Partial<GuestManifest> | null;
    return m && m.schema === MANIFEST_SCHEMA && m.files?.vmlinux && m.files.busybox ? (m as GuestManifest) : null;
  } catch {
    return null;
  }
}

function writeManifest(dir: string, manifest: GuestManifest): GuestManifest {
  writeAtomic(guestPaths(dir).manifest, `${JSON.stringify(manifest, null, 2)}\n`, 0o644);
  return manifest;
}

/** True when kernel and busybox exist with the size and sha256 the manifest records. */
function manifestMatches(dir: string, manifest: GuestManifest | null): manifest is GuestManifest {
  if (!manifest) return false;
  const paths = guestPaths(dir);
  for (const name of BINARIES) {
    const entry = manifest.files[name];
    try {
      if (statSync(paths[name]).size !== entry.size) return false;
      if (sha256(readFileSync(paths[name])) !== entry.sha256) return false;
    } catch {
      return false;
    }
  }
  return true;
}

export interface GuestStatus {
  readonly dir: string;
  /** Kernel and busybox are present, valid and recorded in the manifest. */
  readonly ready: boolean;
  /** Why each file is unusable (null when it is fine). */
  readonly problems: Readonly<Record<GuestBinaryKind | 'initrd' | 'manifest', string | null>>;
  readonly manifest: GuestManifest | null;
}

/**
 * A quick look at a guest directory (ELF headers and sizes, no hashing), as
 * `ppcvm` does before every boot; `fetchGuest` checks the hashes.
 */
export function inspectGuest(dir: string): GuestStatus {
  const paths = guestPaths(dir);
  const manifest = readGuestManifest(dir);
  const problem = (name: GuestBinaryKind) => {
    const why = checkGuestFile(name, paths[name]);
    if (why) return why;
    if (manifest && statSync(paths[name]).size !== manifest.files[name].size) return 'differs from the manifest';
    return null;
  };
  const vmlinux = problem('vmlinux');
  const busybox = problem('busybox');
  const initrd = existsSync(paths.initrd) ? null : 'missing';
  const manifestProblem = manifest ? null : existsSync(paths.manifest) ? 'unreadable or of another version' : 'missing';
  return {
    dir,
    ready: !vmlinux && !busybox && !manifestProblem,
    problems: { vmlinux, busybox, initrd, manifest: manifestProblem },
    manifest,
  };
}

/**
 * What to place where when the fetch cannot be done automatically: the exact
 * paths, what each file must be, and the current state of each.
 */
export function manualHelp(dir: string, rerun = 'ppcvm guest fetch'): string {
  const paths = guestPaths(dir);
  const status = (name: GuestBinaryKind) => {
    const why = checkGuestFile(name, paths[name]);
    return why ? `currently: ${why}` : 'currently: present and valid';
  };
  return (
    'Supply the guest by hand:\n' +
    `  ${paths.vmlinux}  (${status('vmlinux')})\n` +
    '      uncompressed ELF64 little-endian ppc64 Linux kernel, /boot/vmlinux-<abi>-powerpc64le\n' +
    `      from Debian's ${ARCH} package linux-image-<abi>-powerpc64le (see ${KERNEL_METAPACKAGE})\n` +
    `  ${paths.busybox}  (${status('busybox')})\n` +
    `      statically linked ${ARCH} busybox, /bin/busybox from Debian's ${ARCH} package ${BUSYBOX_PACKAGE}\n` +
    '(extract a .deb with: dpkg-deb -x <file>.deb <dir>). Then run again:\n' +
    `  ${rerun}\n` +
    `It checks both files, writes ${paths.manifest} and builds ${paths.initrd}.\n`
  );
}

function fileEntry(path: string, pkg: string | null, version: string | null, member: string | null): GuestFileEntry {
  const data = readFileSync(path);
  return { package: pkg, version, member, size: data.length, sha256: sha256(data) };
}

/**
 * Build `<dir>/initrd.gz` from `<dir>/busybox` unless the one there already
 * holds exactly this busybox and this /init (the manifest keeps the archive's
 * hash). Returns the path.
 */
export function ensureInitrd(dir: string, progress?: ProgressListener): string {
  const paths = guestPaths(dir);
  const manifest = readGuestManifest(dir);
  if (!manifest) throw new GuestFetchError(`no guest manifest in ${dir}`);
  const cpio = buildInitramfsCpio({ busybox: new Uint8Array(readFileSync(paths.busybox)) });
  const cpioSha256 = sha256(cpio);
  const have = manifest.initrd;
  if (have && have.cpioSha256 === cpioSha256 && existsSync(paths.initrd) && statSync(paths.initrd).size === have.size) {
    return paths.initrd;
  }
  progress?.({ kind: 'step', message: `building initramfs (busybox + /init) into ${paths.initrd}…` });
  const gz = gzipSync(cpio, { level: 6 });
  writeAtomic(paths.initrd, gz, 0o644);
  writeManifest(dir, { ...manifest, initrd: { size: gz.length, sha256: sha256(gz), cpioSha256 } });
  return paths.initrd;
}

function image(dir: string): GuestImage {
  const paths = guestPaths(dir);
  const manifest = readGuestManifest(dir);
  if (!manifest) throw new GuestFetchError(`no guest manifest in ${dir}`);
  return { dir, vmlinux: paths.vmlinux, busybox: paths.busybox, initrd: paths.initrd, manifest };
}

/** Hard-link (or copy) a complete guest from `seed` into `dir`; false when `seed` is not complete. */
function seedFrom(dir: string, seed: string, progress?: ProgressListener): boolean {
  const manifest = readGuestManifest(seed);
  if (!manifestMatches(seed, manifest)) return false;
  if (BINARIES.some((n) => checkGuestFile(n, guestPaths(seed)[n]))) return false;
  for (const name of BINARIES) {
    const from = guestPaths(seed)[name];
    const to = guestPaths(dir)[name];
    const tmp = `${to}.tmp-${process.pid}`;
    rmSync(tmp, { force: true });
    // A rename over either name later replaces that directory entry only, so sharing the inode is safe.
    try {
      linkSync(from, tmp);
    } catch {
      copyFileSync(from, tmp);
    }
    renameSync(tmp, to);
  }
  if (!manifestMatches(dir, manifest)) return false;
  // The initrd entry describes the seed's initrd.gz, not one in `dir`.
  writeManifest(dir, { ...manifest, initrd: undefined, createdAt: new Date().toISOString(), copiedFrom: seed });
  progress?.({ kind: 'step', message: `using the kernel and busybox already fetched into ${seed} (no download)` });
  return true;
}

/** When apt cannot be used but the user placed valid files, record them. */
function adoptUserFiles(dir: string, progress?: ProgressListener): boolean {
  const paths = guestPaths(dir);
  if (BINARIES.some((n) => checkGuestFile(n, paths[n]))) return false;
  writeManifest(dir, {
    schema: MANIFEST_SCHEMA,
    architecture: ARCH,
    createdAt: new Date().toISOString(),
    source: 'user-supplied',
    packages: [],
    files: {
      vmlinux: fileEntry(paths.vmlinux, null, null, null),
      busybox: fileEntry(paths.busybox, null, null, null),
    },
  });
  progress?.({ kind: 'step', message: 'valid user-supplied vmlinux and busybox found; manifest written' });
  return true;
}

/** Extract tar members matching `patterns` from a .deb's data archive into `dest`. */
function extractMembers(deb: string, dest: string, patterns: readonly string[], env: GuestEnv): Promise<void> {
  mkdirSync(dest, { recursive: true });
  return new Promise((resolvePromise, reject) => {
    const dd = spawn('dpkg-deb', ['--fsys-tarfile', deb], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env } });
    const tar = spawn('tar', ['-x', '-f', '-', '-C', dest, '--wildcards', ...patterns], {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...env },
    });
    let err = '';
    dd.stderr.on('data', (d) => (err += d));
    tar.stderr.on('data', (d) => (err += d));
    dd.stdout.pipe(tar.stdin);
    // tar may exit before dpkg-deb finishes writing; that broken pipe is expected.
    tar.stdin.on('error', () => {});
    let pending = 2;
    let failed: string | null = null;
    const done = (who: string) => (code: number | null) => {
      if (code !== 0 && who === 'tar') failed = `tar exited with ${code}`;
      if (code !== 0 && code !== null && who === 'dpkg-deb' && !failed) failed = `dpkg-deb exited with ${code}`;
      if (--pending === 0) {
        if (failed) reject(new GuestFetchError(`extracting ${deb}: ${failed}\n${err.trim()}`));
        else resolvePromise();
      }
    };
    dd.on('error', (e) => reject(new GuestFetchError(`dpkg-deb could not be started: ${e.message}`)));
    tar.on('error', (e) => reject(new GuestFetchError(`tar could not be started: ${e.message}`)));
    dd.on('close', done('dpkg-deb'));
    tar.on('close', done('tar'));
  });
}

/**
 * Debian ships ppc64el kernels as a plain ELF vmlinux, but accept a compressed
 * one too (gzip via zlib; xz/zstd/bzip2 via the host tools) in case that changes.
 */
function decompressIfNeeded(buf: Buffer, what: string, env: GuestEnv, progress?: ProgressListener): Buffer {
  const viaTool = (tool: string) => {
    progress?.({ kind: 'step', message: `${what} is ${tool}-compressed, decompressing` });
    const r = spawnSync(tool, ['-dc'], { input: buf, maxBuffer: 1 << 30, env: { ...env } });
    if (r.error || r.status !== 0) {
      throw new GuestFetchError(`cannot decompress ${what} with ${tool}: ${r.error?.message ?? r.stderr.toString()}`);
    }
    return r.stdout;
  };
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    progress?.({ kind: 'step', message: `${what} is gzip-compressed, decompressing` });
    return gunzipSync(buf);
  }
  if (buf[0] === 0xfd && buf[1] === 0x37 && buf[2] === 0x7a && buf[3] === 0x58 && buf[4] === 0x5a) return viaTool('xz');
  if (buf[0] === 0x28 && buf[1] === 0xb5 && buf[2] === 0x2f && buf[3] === 0xfd) return viaTool('zstd');
  if (buf[0] === 0x42 && buf[1] === 0x5a && buf[2] === 0x68) return viaTool('bzip2');
  return buf;
}

function findDeb(debs: string, pkg: string): string {
  const f = readdirSync(debs).find((n) => n.startsWith(`${pkg}_`) && n.endsWith('.deb'));
  if (!f) throw new GuestFetchError(`apt-get download reported success but no ${pkg}_*.deb is in ${debs}`);
  return join(debs, f);
}

async function fetchWithApt(dir: string, opts: FetchGuestOptions, env: GuestEnv): Promise<void> {
  const progress = opts.progress;
  const step = (message: string) => progress?.({ kind: 'step', message });
  for (const tool of FETCH_TOOLS) {
    if (!findExecutable(tool, env)) {
      throw new GuestFetchError(`${tool} is not installed (fetching needs Debian's apt and dpkg)`);
    }
  }
  step('preparing a private apt state (the host configuration is left untouched)');
  const apt = await privateApt(join(dir, 'apt'), env);
  step(`apt-get update (${ARCH} package lists)`);
  // apt-get update fails as a whole when any one index fails (e.g. a mirror
  // mid-sync), yet keeps the indexes that did arrive; go on with those and
  // fail later only if the packages cannot be found.
  let updateError: string | null = null;
  try {
    await runTool('apt-get', [...apt.options, '-q', '-oAPT::Status-Fd=3', 'update'], {
      env,
      progress,
      statusFd: true,
    });
  } catch (e) {
    if (!(e instanceof GuestFetchError)) throw e;
    updateError = e.message;
    progress?.({
      kind: 'warning',
      message: `${updateError}; going on with the package lists that arrived (they may not be the newest)`,
    });
  }
  const withUpdateError = (msg: string) => (updateError ? `${msg} (after: ${updateError})` : msg);
  try {
    await downloadAndInstall(dir, apt, opts);
  } catch (e) {
    if (e instanceof GuestFetchError && updateError) throw new GuestFetchError(withUpdateError(e.message));
    throw e;
  } finally {
    rmSync(apt.debs, { recursive: true, force: true });
    dropBinaryCaches(apt);
  }
}

async function downloadAndInstall(dir: string, apt: PrivateApt, opts: FetchGuestOptions): Promise<void> {
  const progress = opts.progress;
  const step = (message: string) => progress?.({ kind: 'step', message });
  const paths = guestPaths(dir);
  const kernelPkg = opts.kernelPackage || (await resolveKernelPackage(apt));
  const kernelVer = await candidateVersion(apt, kernelPkg);
  const bbVer = await candidateVersion(apt, BUSYBOX_PACKAGE);
  if (!kernelVer) throw new GuestFetchError(`package ${kernelPkg} has no installable ${ARCH} version`);
  if (!bbVer) throw new GuestFetchError(`package ${BUSYBOX_PACKAGE} has no installable ${ARCH} version`);
  step(`chosen: ${kernelPkg} ${kernelVer}, ${BUSYBOX_PACKAGE} ${bbVer}`);

  const previous = readGuestManifest(dir);
  if (
    previous?.files.vmlinux.package === kernelPkg &&
    previous.files.vmlinux.version === kernelVer &&
    previous.files.busybox.version === bbVer &&
    manifestMatches(dir, previous)
  ) {
    step('the cache already holds these versions; nothing to download');
    return;
  }

  rmSync(apt.debs, { recursive: true, force: true });
  mkdirSync(apt.debs, { recursive: true });
  step(`downloading ${kernelPkg} and ${BUSYBOX_PACKAGE}`);
  await runTool(
    'apt-get',
    [
      ...apt.options,
      '-q',
      '-oAPT::Status-Fd=3',
      'download',
      `${kernelPkg}=${kernelVer}`,
      `${BUSYBOX_PACKAGE}=${bbVer}`,
    ],
    { cwd: apt.debs, env: apt.env, progress, statusFd: true },
  );
  const kernelDeb = findDeb(apt.debs, kernelPkg);
  const bbDeb = findDeb(apt.debs, BUSYBOX_PACKAGE);

  const ex = join(dir, `extract-${process.pid}`);
  rmSync(ex, { recursive: true, force: true });
  try {
    step(`extracting /boot/vmlinux-* from ${kernelDeb.split('/').pop()}`);
    await extractMembers(kernelDeb, join(ex, 'kernel'), ['./boot/vmlinux-*'], apt.env);
    const bootDir = join(ex, 'kernel', 'boot');
    const vmlinuxName = existsSync(bootDir) ? readdirSync(bootDir).find((n) => n.startsWith('vmlinux-')) : undefined;
    if (!vmlinuxName) throw new GuestFetchError(`${kernelPkg} contains no /boot/vmlinux-*`);
    const kernelImage = decompressIfNeeded(readFileSync(join(bootDir, vmlinuxName)), vmlinuxName, apt.env, progress);
    const stagedKernel = join(ex, 'vmlinux');
    writeFileSync(stagedKernel, kernelImage, { mode: 0o644 });
    const whyK = checkGuestFile('vmlinux', stagedKernel);
    if (whyK) throw new GuestFetchError(`extracted ${vmlinuxName} is unusable: ${whyK}`);

    step(`extracting /bin/busybox from ${bbDeb.split('/').pop()}`);
    await extractMembers(bbDeb, join(ex, 'busybox-pkg'), ['./bin/busybox'], apt.env);
    const stagedBusybox = join(ex, 'busybox-pkg', 'bin', 'busybox');
    if (!existsSync(stagedBusybox)) throw new GuestFetchError(`${BUSYBOX_PACKAGE} contains no /bin/busybox`);
    chmodSync(stagedBusybox, 0o755);
    const whyB = checkGuestFile('busybox', stagedBusybox);
    if (whyB) throw new GuestFetchError(`extracted busybox is unusable: ${whyB}`);

    // Both checked: move into place together (same filesystem, so each rename is atomic).
    renameSync(stagedKernel, paths.vmlinux);
    renameSync(stagedBusybox, paths.busybox);
    writeManifest(dir, {
      schema: MANIFEST_SCHEMA,
      architecture: ARCH,
      createdAt: new Date().toISOString(),
      source: 'apt',
      kernelRelease: vmlinuxName.slice('vmlinux-'.length),
      packages: [
        { name: kernelPkg, version: kernelVer, architecture: ARCH, debSha256: sha256(readFileSync(kernelDeb)) },
        { name: BUSYBOX_PACKAGE, version: bbVer, architecture: ARCH, debSha256: sha256(readFileSync(bbDeb)) },
      ],
      files: {
        vmlinux: fileEntry(paths.vmlinux, kernelPkg, kernelVer, `/boot/${vmlinuxName}`),
        busybox: fileEntry(paths.busybox, BUSYBOX_PACKAGE, bbVer, '/bin/busybox'),
      },
    });
  } finally {
    rmSync(ex, { recursive: true, force: true });
  }
}

/**
 * Make `dir` hold a complete guest: nothing to do when its manifest matches
 * the files (unless `refresh`); else link the files from a complete
 * `seedFrom` directory, else download with apt; when apt is missing or fails,
 * accept valid files the user placed by hand. Then build the initramfs.
 * Throws a {@link GuestFetchError} whose `help` names the files to supply.
 */
export async function fetchGuest(dir: string, opts: FetchGuestOptions = {}): Promise<GuestImage> {
  const env = opts.env ?? process.env;
  const progress = opts.progress;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new GuestFetchError(`cannot create ${dir}: ${e instanceof Error ? e.message : String(e)}`, '', { cause: e });
  }
  const previous = readGuestManifest(dir);
  const complete = manifestMatches(dir, previous);
  if (complete && !opts.refresh) {
    const desc = (f: GuestFileEntry) => (f.package ? `${f.package} ${f.version}` : 'user-supplied');
    progress?.({
      kind: 'step',
      message: `up to date: vmlinux (${desc(previous.files.vmlinux)}), busybox (${desc(previous.files.busybox)})`,
    });
  } else if (!opts.refresh && (opts.seedFrom ?? []).some((s) => s !== dir && seedFrom(dir, s, progress))) {
    // linked from another cache directory
  } else {
    try {
      await fetchWithApt(dir, opts, env);
    } catch (e) {
      if (!(e instanceof GuestFetchError)) throw e;
      // A refresh that fails keeps the complete guest already there.
      if (complete) progress?.({ kind: 'warning', message: `${e.message}; keeping the guest already in ${dir}` });
      else if (!adoptUserFiles(dir, progress)) {
        throw new GuestFetchError(e.message, manualHelp(dir, opts.rerun), { cause: e });
      }
    }
  }
  ensureInitrd(dir, progress);
  return image(dir);
}
