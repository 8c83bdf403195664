/**
 * Guest file descriptors. A descriptor points at an open file description
 * (shared by dup'd descriptors, as in Linux: offset and status flags are shared,
 * FD_CLOEXEC is per descriptor). Descriptions wrap a host fd, an in-process
 * pipe, or a synthesized read-only file (/proc/self/auxv and friends).
 */
import * as fs from 'node:fs';
import { O } from './abi.js';

/** A guest pipe (both ends live in this process: no fork, so the buffer is simply a queue). */
export class PipeBuffer {
  readonly chunks: Uint8Array[] = [];
  length = 0;
  readers = 0;
  writers = 0;
  /** Linux's default pipe capacity; writes beyond it fail with EAGAIN instead of blocking forever. */
  static readonly CAPACITY = 65536;

  push(b: Uint8Array): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  take(max: number): Uint8Array {
    const out = new Uint8Array(Math.min(max, this.length));
    let o = 0;
    while (o < out.length) {
      const c = this.chunks[0]!;
      const n = Math.min(c.length, out.length - o);
      out.set(c.subarray(0, n), o);
      o += n;
      if (n === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(n);
    }
    this.length -= out.length;
    return out;
  }
}

/** A directory listing snapshot taken at the first getdents64 (d_off = index + 1). */
export interface DirEntry {
  readonly name: Uint8Array;
  readonly ino: bigint;
  readonly type: number;
}

export type FileKind = 'host' | 'pipe' | 'memory';

export class OpenFile {
  refs = 0;
  /** Own file position for seekable host files we opened, and memory files. */
  pos = 0;
  /** When false, host I/O uses (and moves) the host description's own offset. */
  trackPos: boolean;
  dirEntries: DirEntry[] | null = null;

  constructor(
    readonly kind: FileKind,
    /** Guest status flags: access mode, O_APPEND, O_NONBLOCK, ... */
    public flags: number,
    readonly hostFd: number,
    /** Close the host fd when the last guest reference goes away. */
    readonly ownsHostFd: boolean,
    readonly info: {
      readonly isDir?: boolean;
      readonly seekable?: boolean;
      readonly isTty?: boolean;
      readonly isCharDev?: boolean;
      readonly path?: string;
      readonly pipe?: PipeBuffer;
      readonly pipeEnd?: 'r' | 'w';
      readonly data?: Uint8Array;
      /** The description came from outside (inherited stdio): its offset belongs to the host. */
      readonly inherited?: boolean;
    } = {},
  ) {
    this.trackPos = !info.inherited && (info.seekable ?? false);
  }

  get isDir(): boolean {
    return this.info.isDir ?? false;
  }

  get seekable(): boolean {
    return this.info.seekable ?? false;
  }

  get readable(): boolean {
    return (this.flags & O.ACCMODE) !== O.WRONLY && (this.flags & O.PATH) === 0;
  }

  get writable(): boolean {
    const m = this.flags & O.ACCMODE;
    return (m === O.WRONLY || m === O.RDWR) && (this.flags & O.PATH) === 0;
  }

  retain(): this {
    this.refs++;
    if (this.info.pipe) {
      if (this.info.pipeEnd === 'r') this.info.pipe.readers++;
      else this.info.pipe.writers++;
    }
    return this;
  }

  release(): void {
    this.refs--;
    if (this.info.pipe) {
      if (this.info.pipeEnd === 'r') this.info.pipe.readers--;
      else this.info.pipe.writers--;
    }
    if (this.refs === 0 && this.ownsHostFd && this.hostFd >= 0) {
      try {
        fs.closeSync(this.hostFd);
      } catch {
        // A failing close of our own host fd leaves nothing for the guest to observe.
      }
    }
  }
}

interface Slot {
  file: OpenFile;
  cloexec: boolean;
}

/** The descriptor table (RLIMIT_NOFILE-sized). */
export class FdTable {
  private readonly slots: (Slot | undefined)[] = [];

  constructor(public limit = 1024) {}

  get(fd: number): OpenFile | undefined {
    return fd >= 0 ? this.slots[fd]?.file : undefined;
  }

  cloexec(fd: number): boolean {
    return this.slots[fd]?.cloexec ?? false;
  }

  setCloexec(fd: number, on: boolean): void {
    const s = this.slots[fd];
    if (s) s.cloexec = on;
  }

  /** Install at the lowest free descriptor >= min; -1 when the table is full. */
  install(file: OpenFile, cloexec: boolean, min = 0): number {
    for (let fd = min; fd < this.limit; fd++) {
      if (!this.slots[fd]) {
        this.slots[fd] = { file: file.retain(), cloexec };
        return fd;
      }
    }
    return -1;
  }

  /** Install at exactly `fd`, closing what was there. */
  installAt(fd: number, file: OpenFile, cloexec: boolean): void {
    file.retain();
    this.close(fd);
    this.slots[fd] = { file, cloexec };
  }

  close(fd: number): boolean {
    const s = fd >= 0 ? this.slots[fd] : undefined;
    if (!s) return false;
    this.slots[fd] = undefined;
    s.file.release();
    return true;
  }

  closeAll(): void {
    for (let fd = 0; fd < this.slots.length; fd++) this.close(fd);
  }

  /** Open descriptors, ascending. */
  list(): number[] {
    const out: number[] = [];
    this.slots.forEach((s, fd) => {
      if (s) out.push(fd);
    });
    return out;
  }
}
