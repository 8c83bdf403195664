/**
 * Guest-visible kernel structures for ppc64 (LP64, little-endian), built from
 * host data. Layouts: arch/powerpc/include/uapi/asm/stat.h (struct stat),
 * include/uapi/linux/stat.h (struct statx), include/uapi/linux/utsname.h,
 * include/uapi/linux/sysinfo.h, arch/powerpc/include/uapi/asm/termbits.h.
 */
import type { BigIntStats } from 'node:fs';

const NS = 1_000_000_000n;

function splitNs(ns: bigint): [bigint, bigint] {
  let sec = ns / NS;
  let nsec = ns % NS;
  if (nsec < 0n) {
    nsec += NS;
    sec -= 1n;
  }
  return [sec, nsec];
}

/** struct stat for powerpc64: 144 bytes (st_nlink before a 32-bit st_mode). */
export function encodeStat(st: BigIntStats): Uint8Array {
  const b = new Uint8Array(144);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0, st.dev, true);
  dv.setBigUint64(8, st.ino, true);
  dv.setBigUint64(16, st.nlink, true);
  dv.setUint32(24, Number(st.mode), true);
  dv.setUint32(28, Number(st.uid), true);
  dv.setUint32(32, Number(st.gid), true);
  dv.setBigUint64(40, st.rdev, true);
  dv.setBigInt64(48, st.size, true);
  dv.setBigUint64(56, st.blksize, true);
  dv.setBigUint64(64, st.blocks, true);
  const times: [number, bigint][] = [
    [72, st.atimeNs],
    [88, st.mtimeNs],
    [104, st.ctimeNs],
  ];
  for (const [off, ns] of times) {
    const [s, n] = splitNs(ns);
    dv.setBigInt64(off, s, true);
    dv.setBigUint64(off + 8, n, true);
  }
  return b;
}

/** Decode the fields of a guest struct stat (tests and debugging). */
export function decodeStat(b: Uint8Array): {
  dev: bigint;
  ino: bigint;
  nlink: bigint;
  mode: number;
  uid: number;
  gid: number;
  rdev: bigint;
  size: bigint;
  blksize: bigint;
  blocks: bigint;
  atime: [bigint, bigint];
  mtime: [bigint, bigint];
  ctime: [bigint, bigint];
} {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const t = (o: number): [bigint, bigint] => [dv.getBigInt64(o, true), dv.getBigUint64(o + 8, true)];
  return {
    dev: dv.getBigUint64(0, true),
    ino: dv.getBigUint64(8, true),
    nlink: dv.getBigUint64(16, true),
    mode: dv.getUint32(24, true),
    uid: dv.getUint32(28, true),
    gid: dv.getUint32(32, true),
    rdev: dv.getBigUint64(40, true),
    size: dv.getBigInt64(48, true),
    blksize: dv.getBigUint64(56, true),
    blocks: dv.getBigUint64(64, true),
    atime: t(72),
    mtime: t(88),
    ctime: t(104),
  };
}

/** glibc/kernel dev_t split (new_encode_dev / huge_encode_dev). */
export function devMajor(dev: bigint): number {
  return Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
}

export function devMinor(dev: bigint): number {
  return Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
}

/** struct statx: 256 bytes. */
export function encodeStatx(st: BigIntStats): Uint8Array {
  const b = new Uint8Array(256);
  const dv = new DataView(b.buffer);
  const hasBirth = st.birthtimeNs !== 0n;
  // The kernel may return more than requested; we always fill the basic set (and btime when known).
  dv.setUint32(0, 0x7ff | (hasBirth ? 0x800 : 0), true);
  dv.setUint32(4, Number(st.blksize), true);
  dv.setBigUint64(8, 0n, true); // stx_attributes
  dv.setUint32(16, Number(st.nlink), true);
  dv.setUint32(20, Number(st.uid), true);
  dv.setUint32(24, Number(st.gid), true);
  dv.setUint16(28, Number(st.mode), true);
  dv.setBigUint64(32, st.ino, true);
  dv.setBigUint64(40, BigInt.asUintN(64, st.size), true);
  dv.setBigUint64(48, st.blocks, true);
  dv.setBigUint64(56, 0n, true); // stx_attributes_mask
  const ts = (off: number, ns: bigint): void => {
    const [s, n] = splitNs(ns);
    dv.setBigInt64(off, s, true);
    dv.setUint32(off + 8, Number(n), true);
  };
  ts(64, st.atimeNs);
  if (hasBirth) ts(80, st.birthtimeNs);
  ts(96, st.ctimeNs);
  ts(112, st.mtimeNs);
  dv.setUint32(128, devMajor(st.rdev), true);
  dv.setUint32(132, devMinor(st.rdev), true);
  dv.setUint32(136, devMajor(st.dev), true);
  dv.setUint32(140, devMinor(st.dev), true);
  return b;
}

const enc = new TextEncoder();

/** struct new_utsname: six 65-byte NUL-padded fields. */
export function encodeUtsname(f: {
  sysname: string;
  nodename: string;
  release: string;
  version: string;
  machine: string;
  domainname: string;
}): Uint8Array {
  const b = new Uint8Array(6 * 65);
  [f.sysname, f.nodename, f.release, f.version, f.machine, f.domainname].forEach((s, i) => {
    b.set(enc.encode(s).subarray(0, 64), i * 65);
  });
  return b;
}

/** struct sysinfo on a 64-bit kernel: 112 bytes. */
export function encodeSysinfo(f: {
  uptime: number;
  loads: [number, number, number];
  totalram: number;
  freeram: number;
  procs: number;
}): Uint8Array {
  const b = new Uint8Array(112);
  const dv = new DataView(b.buffer);
  dv.setBigInt64(0, BigInt(Math.floor(f.uptime)), true);
  f.loads.forEach((l, i) => {
    dv.setBigUint64(8 + 8 * i, BigInt(Math.floor(l * 65536)), true);
  });
  dv.setBigUint64(32, BigInt(f.totalram), true);
  dv.setBigUint64(40, BigInt(f.freeram), true);
  // sharedram, bufferram, totalswap, freeswap stay 0.
  dv.setUint16(80, Math.min(f.procs, 0xffff), true);
  // totalhigh, freehigh 0; mem_unit = 1.
  dv.setUint32(104, 1, true);
  return b;
}

/**
 * termios bit translation between the asm-generic encoding (x86-64, arm64 hosts:
 * what `stty -g` prints) and powerpc's (termbits.h). Pairs of [generic, ppc].
 */
const IFLAG: [number, number][] = [
  [0x1, 0x1], // IGNBRK
  [0x2, 0x2], // BRKINT
  [0x4, 0x4], // IGNPAR
  [0x8, 0x8], // PARMRK
  [0x10, 0x10], // INPCK
  [0x20, 0x20], // ISTRIP
  [0x40, 0x40], // INLCR
  [0x80, 0x80], // IGNCR
  [0x100, 0x100], // ICRNL
  [0x200, 0x1000], // IUCLC
  [0x400, 0x200], // IXON
  [0x800, 0x800], // IXANY
  [0x1000, 0x400], // IXOFF
  [0x2000, 0x2000], // IMAXBEL
  [0x4000, 0x4000], // IUTF8
];
const OFLAG: [number, number][] = [
  [0x1, 0x1], // OPOST
  [0x2, 0x4], // OLCUC
  [0x4, 0x2], // ONLCR
  [0x8, 0x8], // OCRNL
  [0x10, 0x10], // ONOCR
  [0x20, 0x20], // ONLRET
  [0x40, 0x40], // OFILL
  [0x80, 0x80], // OFDEL
  [0x100, 0x100], // NL1
  [0x200, 0x1000], // CR1
  [0x400, 0x2000], // CR2
  [0x800, 0x400], // TAB1
  [0x1000, 0x800], // TAB2
  [0x2000, 0x8000], // BS1
  [0x4000, 0x10000], // VT1
  [0x8000, 0x4000], // FF1
];
const CFLAG: [number, number][] = [
  [0x10, 0x100], // CS6 bit
  [0x20, 0x200], // CS7 bit
  [0x40, 0x400], // CSTOPB
  [0x80, 0x800], // CREAD
  [0x100, 0x1000], // PARENB
  [0x200, 0x2000], // PARODD
  [0x400, 0x4000], // HUPCL
  [0x800, 0x8000], // CLOCAL
  [0x80000000, 0x80000000], // CRTSCTS
];
const LFLAG: [number, number][] = [
  [0x1, 0x80], // ISIG
  [0x2, 0x100], // ICANON
  [0x4, 0x4000], // XCASE
  [0x8, 0x8], // ECHO
  [0x10, 0x2], // ECHOE
  [0x20, 0x4], // ECHOK
  [0x40, 0x10], // ECHONL
  [0x80, 0x80000000], // NOFLSH
  [0x100, 0x400000], // TOSTOP
  [0x200, 0x40], // ECHOCTL
  [0x400, 0x20], // ECHOPRT
  [0x800, 0x1], // ECHOKE
  [0x1000, 0x800000], // FLUSHO
  [0x4000, 0x20000000], // PENDIN
  [0x8000, 0x400], // IEXTEN
  [0x10000, 0x10000000], // EXTPROC
];
/** c_cc index maps: generic index → ppc index (VINTR..VEOL2). */
const CC_GENERIC_TO_PPC: number[] = [0, 1, 2, 3, 4, 7, 5, 9, 13, 14, 12, 6, 11, 16, 10, 15, 8];

function mapBits(v: number, table: [number, number][], toPpc: boolean): number {
  let out = 0;
  for (const [g, p] of table) if (v & (toPpc ? g : p)) out |= toPpc ? p : g;
  return out >>> 0;
}

/** Terminal settings in the generic (host) encoding. */
export interface HostTermios {
  iflag: number;
  oflag: number;
  cflag: number;
  lflag: number;
  cc: number[];
}

/** Parse `stty -g` output ("iflag:oflag:cflag:lflag:cc0:cc1:..." in hex). */
export function parseSttyG(s: string): HostTermios | null {
  const parts = s.trim().split(':');
  if (parts.length < 4 + 17 || parts.some((p) => !/^[0-9a-fA-F]+$/.test(p))) return null;
  const n = parts.map((p) => Number.parseInt(p, 16));
  return { iflag: n[0]!, oflag: n[1]!, cflag: n[2]!, lflag: n[3]!, cc: n.slice(4) };
}

export function formatSttyG(t: HostTermios): string {
  return [t.iflag, t.oflag, t.cflag, t.lflag, ...t.cc].map((v) => v.toString(16)).join(':');
}

/** struct termios for powerpc (44 bytes) from host settings. */
export function encodeTermios(t: HostTermios): Uint8Array {
  const b = new Uint8Array(44);
  const dv = new DataView(b.buffer);
  // Baud: B0..B38400 share codes 0..15; higher generic rates (CBAUDEX 0x1000 | n) are ppc 0x10 + n - 1.
  const gbaud = t.cflag & 0x100f;
  const pbaud = gbaud & 0x1000 ? 0x10 + (gbaud & 0xf) - 1 : gbaud;
  dv.setUint32(0, mapBits(t.iflag, IFLAG, true), true);
  dv.setUint32(4, mapBits(t.oflag, OFLAG, true), true);
  dv.setUint32(8, (mapBits(t.cflag, CFLAG, true) | pbaud | (pbaud << 16)) >>> 0, true);
  dv.setUint32(12, mapBits(t.lflag, LFLAG, true), true);
  CC_GENERIC_TO_PPC.forEach((p, g) => {
    b[16 + p] = t.cc[g] ?? 0;
  });
  b[35] = 0; // c_line (N_TTY)
  const speed = BAUD_RATES[pbaud] ?? 0;
  dv.setUint32(36, speed, true);
  dv.setUint32(40, speed, true);
  return b;
}

/** Host settings from a guest struct termios (the inverse of encodeTermios). */
export function decodeTermios(b: Uint8Array, previous: HostTermios): HostTermios {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const cflag = dv.getUint32(8, true);
  const pbaud = cflag & 0xff;
  const gbaud = pbaud >= 0x10 ? 0x1000 | (pbaud - 0x10 + 1) : pbaud;
  const cc = [...previous.cc];
  CC_GENERIC_TO_PPC.forEach((p, g) => {
    cc[g] = b[16 + p]!;
  });
  return {
    iflag: mapBits(dv.getUint32(0, true), IFLAG, false),
    oflag: mapBits(dv.getUint32(4, true), OFLAG, false),
    cflag: (mapBits(cflag, CFLAG, false) | gbaud) >>> 0,
    lflag: mapBits(dv.getUint32(12, true), LFLAG, false),
    cc,
  };
}

/** Baud codes to rates (powerpc numbering). */
const BAUD_RATES: Record<number, number> = {
  0: 0,
  1: 50,
  2: 75,
  3: 110,
  4: 134,
  5: 150,
  6: 200,
  7: 300,
  8: 600,
  9: 1200,
  10: 1800,
  11: 2400,
  12: 4800,
  13: 9600,
  14: 19200,
  15: 38400,
  16: 57600,
  17: 115200,
  18: 230400,
  19: 460800,
  20: 500000,
  21: 576000,
  22: 921600,
  23: 1000000,
};
