/**
 * @ppcvm/vmm/guest: the guest `ppcvm` boots by default (Debian's ppc64el
 * kernel and static busybox, fetched with apt into the user's cache, plus a
 * busybox initramfs), usable without loading the machine.
 */

export {
  ARCH,
  FETCH_TOOLS,
  findExecutable,
  GuestFetchError,
  KERNEL_METAPACKAGE,
  parseDeb822,
  parseOneLineSources,
  retargetSources,
} from './apt.js';
export { checkGuestBinary, checkGuestFile, type GuestBinaryKind } from './check.js';
export { type CpioEntry, writeCpio } from './cpio.js';
export {
  BUSYBOX_PACKAGE,
  ensureInitrd,
  type FetchGuestOptions,
  fetchGuest,
  type GuestFileEntry,
  type GuestImage,
  type GuestInitrdEntry,
  type GuestManifest,
  type GuestPackageEntry,
  type GuestStatus,
  inspectGuest,
  MANIFEST_SCHEMA,
  manualHelp,
  readGuestManifest,
} from './debian.js';
export {
  buildInitramfs,
  buildInitramfsCpio,
  INIT_BANNER,
  type InitramfsOptions,
  initScript,
  RUN_PARAM,
  runCommandArg,
} from './initramfs.js';
export {
  cacheRoot,
  fixturesDir,
  GUEST_FILES,
  type GuestEnv,
  type GuestFileName,
  guestDir,
  guestPaths,
} from './paths.js';
export { type FetchProgress, type ProgressListener, type ProgressPrinterOptions, progressPrinter } from './progress.js';
