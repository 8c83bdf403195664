/**
 * A writer for the "newc" cpio format (SVR4 portable ASCII, magic 070701) that
 * the Linux kernel unpacks as an initramfs (Documentation/driver-api/early-userspace/buffer-format.rst).
 */

export interface CpioEntry {
  /** Path inside the archive, without a leading '/'. */
  readonly path: string;
  readonly type: 'file' | 'dir' | 'symlink' | 'chardev';
  /** Permission bits (e.g. 0o755). */
  readonly mode: number;
  /** File contents, or the link target for symlinks. */
  readonly data?: Uint8Array | string;
  readonly uid?: number;
  readonly gid?: number;
  readonly mtime?: number;
  /** Device numbers for character devices. */
  readonly rdevMajor?: number;
  readonly rdevMinor?: number;
}

const TYPE_BITS = { file: 0o100000, dir: 0o040000, symlink: 0o120000, chardev: 0o020000 } as const;

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/** Serialise entries (in order) followed by the TRAILER!!! record. */
export function writeCpio(entries: readonly CpioEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  let ino = 1;
  const push = (e: CpioEntry | null) => {
    const name = e ? e.path.replace(/^\/+/, '') : 'TRAILER!!!';
    if (e && (name === '' || name.includes('\0'))) throw new Error(`cpio: bad path '${e.path}'`);
    const data = e?.data === undefined ? new Uint8Array(0) : typeof e.data === 'string' ? enc.encode(e.data) : e.data;
    const nameBytes = enc.encode(`${name}\0`);
    const mode = e ? TYPE_BITS[e.type] | (e.mode & 0o7777) : 0;
    const fields = [
      e ? ino++ : 0, // ino
      mode,
      e?.uid ?? 0,
      e?.gid ?? 0,
      e ? (e.type === 'dir' ? 2 : 1) : 1, // nlink
      e?.mtime ?? 0,
      data.length,
      0, // devmajor
      0, // devminor
      e?.rdevMajor ?? 0,
      e?.rdevMinor ?? 0,
      nameBytes.length,
      0, // check
    ];
    const header = enc.encode(`070701${fields.map(hex8).join('')}`);
    chunks.push(header, nameBytes, new Uint8Array(pad4(header.length + nameBytes.length)));
    if (data.length > 0) chunks.push(data, new Uint8Array(pad4(data.length)));
  };
  for (const e of entries) push(e);
  push(null);
  const total = chunks.reduce((a, c) => a + c.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
