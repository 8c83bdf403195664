/**
 * The guest initramfs: Debian's static busybox plus an /init that mounts
 * proc/sys/devtmpfs, prints a banner and starts a shell on the console (hvc0),
 * or runs a command handed over on the kernel command line.
 */
import { gzipSync } from 'node:zlib';
import { type CpioEntry, writeCpio } from './cpio.js';

/** The line /init prints when userspace is up (tests and benchmarks wait for it). */
export const INIT_BANNER = 'ppcvm: busybox initramfs ready';

/**
 * Kernel command-line parameter carrying a base64 shell command. Linux passes
 * unknown `name=value` parameters to init as environment variables (they must not
 * contain a '.', or the kernel takes them as module parameters).
 */
export const RUN_PARAM = 'ppcvm_run';

/** Build the kernel command-line fragment that makes /init run `command` and power off. */
export function runCommandArg(command: string): string {
  return `${RUN_PARAM}=${Buffer.from(command, 'utf8').toString('base64')}`;
}

/** The /init script (busybox sh). */
export function initScript(): string {
  return `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /root /etc /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || mknod /dev/console c 5 1
mount -t tmpfs tmpfs /tmp
hostname ppcvm
echo "${INIT_BANNER} ($(uname -r) $(uname -m))"
if [ -n "$${RUN_PARAM}" ]; then
  echo "$${RUN_PARAM}" | base64 -d > /tmp/run.sh
  sh /tmp/run.sh
  echo "ppcvm: command exited with status $?"
  poweroff -f
fi
export PS1='ppcvm:\\w# '
export HOME=/root
cd /root
exec setsid cttyhack /bin/sh -l
`;
}

export interface InitramfsOptions {
  /** Contents of a static ppc64le busybox binary. */
  readonly busybox: Uint8Array;
  /** Extra files to add (e.g. test data). */
  readonly extra?: readonly CpioEntry[];
}

/** The uncompressed newc archive. */
export function buildInitramfsCpio(opts: InitramfsOptions): Uint8Array {
  const entries: CpioEntry[] = [
    { path: 'bin', type: 'dir', mode: 0o755 },
    { path: 'dev', type: 'dir', mode: 0o755 },
    { path: 'dev/console', type: 'chardev', mode: 0o600, rdevMajor: 5, rdevMinor: 1 },
    { path: 'etc', type: 'dir', mode: 0o755 },
    { path: 'proc', type: 'dir', mode: 0o755 },
    { path: 'sys', type: 'dir', mode: 0o755 },
    { path: 'tmp', type: 'dir', mode: 0o1777 },
    { path: 'root', type: 'dir', mode: 0o700 },
    { path: 'bin/busybox', type: 'file', mode: 0o755, data: opts.busybox },
    { path: 'bin/sh', type: 'symlink', mode: 0o777, data: 'busybox' },
    { path: 'etc/passwd', type: 'file', mode: 0o644, data: 'root:x:0:0:root:/root:/bin/sh\n' },
    { path: 'etc/group', type: 'file', mode: 0o644, data: 'root:x:0:\n' },
    { path: 'init', type: 'file', mode: 0o755, data: initScript() },
    ...(opts.extra ?? []),
  ];
  return writeCpio(entries);
}

/** The gzip-compressed initramfs image, as the kernel expects it. */
export function buildInitramfs(opts: InitramfsOptions): Uint8Array {
  return gzipSync(buildInitramfsCpio(opts), { level: 6 });
}
