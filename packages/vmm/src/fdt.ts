/**
 * A flattened device tree (Devicetree Specification v0.4 chapter 5, "Flattened
 * Devicetree (DTB) Format", version 17) writer and reader.
 *
 * The writer builds a tree of {@link FdtNode}s (properties keep insertion
 * order) and serialises it with a memory-reservation block, a structure block
 * and a de-duplicated strings block. The reader checks every offset and length
 * against the blob, so it can also be pointed at guest-supplied trees.
 */
import type { FdtNodeDescription, FdtValue } from '@ppcvm/machine-core';
import { VmmError } from './errors.js';

export const FDT_MAGIC = 0xd00dfeed;
export const FDT_VERSION = 17;
/** Oldest version a v17 blob is backwards compatible with. */
export const FDT_LAST_COMP_VERSION = 16;
const FDT_BEGIN_NODE = 1;
const FDT_END_NODE = 2;
const FDT_PROP = 3;
const FDT_NOP = 4;
const FDT_END = 9;
const HEADER_SIZE = 40;

export interface MemReserveEntry {
  readonly address: bigint;
  readonly size: bigint;
}

/** DT spec 2.2.1/2.2.4 character sets; the 31-character limit is only a recommendation (IBM names are longer). */
const NODE_NAME = /^[0-9A-Za-z,._+-]{1,63}(@[0-9A-Za-z,._+-]+)?$/;
const PROP_NAME = /^[0-9A-Za-z,._+?#-]{1,63}$/;

function u32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new VmmError(`${what}: ${v} is not a u32`);
  return v;
}

/** Encode a property value as DTB bytes (cells and u64 big-endian, strings NUL-terminated). */
export function encodeFdtValue(value: FdtValue, what = 'property'): Uint8Array {
  switch (value.kind) {
    case 'empty':
      return new Uint8Array(0);
    case 'string':
    case 'strings': {
      const list = value.kind === 'string' ? [value.value] : value.value;
      const parts = list.map((s) => {
        if (s.includes('\0')) throw new VmmError(`${what}: string contains NUL`);
        return new TextEncoder().encode(`${s}\0`);
      });
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.length;
      }
      return out;
    }
    case 'cells': {
      const out = new Uint8Array(value.value.length * 4);
      const dv = new DataView(out.buffer);
      value.value.forEach((c, i) => {
        dv.setUint32(i * 4, u32(c, what));
      });
      return out;
    }
    case 'u64': {
      const out = new Uint8Array(value.value.length * 8);
      const dv = new DataView(out.buffer);
      value.value.forEach((v, i) => {
        if (v < 0n || v >= 1n << 64n) throw new VmmError(`${what}: ${v} is not a u64`);
        dv.setBigUint64(i * 8, v);
      });
      return out;
    }
    case 'bytes':
      return value.value.slice();
  }
}

export class FdtNode {
  readonly name: string;
  readonly properties = new Map<string, FdtValue>();
  readonly children: FdtNode[] = [];

  constructor(name: string) {
    if (name !== '' && !NODE_NAME.test(name)) throw new VmmError(`bad device-tree node name '${name}'`);
    this.name = name;
  }

  /** Set (or replace) a property. */
  set(name: string, value: FdtValue): this {
    if (!PROP_NAME.test(name)) throw new VmmError(`bad device-tree property name '${name}'`);
    encodeFdtValue(value, `${this.name}/${name}`); // validate now, not at serialisation
    this.properties.set(name, value);
    return this;
  }

  setEmpty(name: string): this {
    return this.set(name, { kind: 'empty' });
  }

  setString(name: string, value: string): this {
    return this.set(name, { kind: 'string', value });
  }

  setStrings(name: string, ...value: string[]): this {
    return this.set(name, { kind: 'strings', value });
  }

  setCells(name: string, ...value: number[]): this {
    return this.set(name, { kind: 'cells', value });
  }

  setU64(name: string, ...value: bigint[]): this {
    return this.set(name, { kind: 'u64', value });
  }

  setBytes(name: string, value: Uint8Array | readonly number[]): this {
    return this.set(name, { kind: 'bytes', value: Uint8Array.from(value) });
  }

  get(name: string): FdtValue | undefined {
    return this.properties.get(name);
  }

  /** Add a child node; a second child with the same name is an error. */
  addChild(name: string): FdtNode {
    if (this.children.some((c) => c.name === name)) throw new VmmError(`duplicate node ${this.name}/${name}`);
    const n = new FdtNode(name);
    this.children.push(n);
    return n;
  }

  /** Add a child (and its subtree) from a plain description, e.g. a device's own node. */
  addDescription(desc: FdtNodeDescription): FdtNode {
    const n = this.addChild(desc.name);
    for (const p of desc.properties) n.set(p.name, p.value);
    for (const c of desc.children ?? []) n.addDescription(c);
    return n;
  }

  child(name: string): FdtNode | undefined {
    return this.children.find((c) => c.name === name);
  }

  /** Look up a node by absolute-style path relative to this node, e.g. `rtas` or `cpus/PowerPC,POWER8@0`. */
  find(path: string): FdtNode | undefined {
    let n: FdtNode | undefined = this;
    for (const part of path.split('/').filter((p) => p !== '')) n = n?.child(part);
    return n;
  }
}

/** A whole tree plus its header fields. */
export class FdtTree {
  readonly root = new FdtNode('');
  readonly memReserve: MemReserveEntry[] = [];
  /** Physical id of the boot CPU (header field boot_cpuid_phys). */
  bootCpuidPhys = 0;
  private nextPhandle = 1;

  constructor(options: { firstPhandle?: number } = {}) {
    this.nextPhandle = options.firstPhandle ?? 1;
  }

  /** Give `node` a phandle (if it has none) and return it. */
  phandle(node: FdtNode): number {
    const have = node.get('phandle');
    if (have?.kind === 'cells' && have.value.length === 1) return have.value[0]!;
    const ph = this.nextPhandle++;
    node.setCells('phandle', ph);
    return ph;
  }

  addMemReserve(address: bigint | number, size: bigint | number): void {
    const a = BigInt(address);
    const s = BigInt(size);
    if (a < 0n || s <= 0n || a + s > 1n << 64n)
      throw new VmmError(`bad memory reservation 0x${a.toString(16)}+0x${s.toString(16)}`);
    this.memReserve.push({ address: a, size: s });
  }

  /** Serialise as a version-17 DTB. */
  toBlob(): Uint8Array {
    const strings: number[] = [];
    const stringOffsets = new Map<string, number>();
    const nameOff = (name: string): number => {
      let off = stringOffsets.get(name);
      if (off === undefined) {
        off = strings.length;
        stringOffsets.set(name, off);
        for (const b of new TextEncoder().encode(name)) strings.push(b);
        strings.push(0);
      }
      return off;
    };
    const struct: number[] = [];
    const word = (v: number) => {
      struct.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
    };
    const bytes = (b: Uint8Array) => {
      for (const x of b) struct.push(x);
      while (struct.length % 4 !== 0) struct.push(0);
    };
    const emit = (n: FdtNode) => {
      word(FDT_BEGIN_NODE);
      bytes(new TextEncoder().encode(`${n.name}\0`));
      for (const [name, value] of n.properties) {
        const data = encodeFdtValue(value, `${n.name}/${name}`);
        word(FDT_PROP);
        word(data.length);
        word(nameOff(name));
        bytes(data);
      }
      for (const c of n.children) emit(c);
      word(FDT_END_NODE);
    };
    emit(this.root);
    word(FDT_END);

    const rsvOff = HEADER_SIZE; // already 8-byte aligned
    const rsvSize = (this.memReserve.length + 1) * 16;
    const structOff = rsvOff + rsvSize;
    const stringsOff = structOff + struct.length;
    const total = stringsOff + strings.length;
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    const header = [
      FDT_MAGIC,
      total,
      structOff,
      stringsOff,
      rsvOff,
      FDT_VERSION,
      FDT_LAST_COMP_VERSION,
      u32(this.bootCpuidPhys, 'boot_cpuid_phys'),
      strings.length,
      struct.length,
    ];
    header.forEach((v, i) => {
      dv.setUint32(i * 4, v);
    });
    this.memReserve.forEach((e, i) => {
      dv.setBigUint64(rsvOff + i * 16, e.address);
      dv.setBigUint64(rsvOff + i * 16 + 8, e.size);
    });
    out.set(struct, structOff);
    out.set(strings, stringsOff);
    return out;
  }
}

// ---- reader ----------------------------------------------------------------------------------

export interface ParsedFdtNode {
  readonly name: string;
  /** Raw property bytes, in blob order. */
  readonly properties: Map<string, Uint8Array>;
  readonly children: ParsedFdtNode[];
}

export interface ParsedFdt {
  readonly version: number;
  readonly lastCompVersion: number;
  readonly bootCpuidPhys: number;
  readonly totalSize: number;
  readonly memReserve: MemReserveEntry[];
  readonly root: ParsedFdtNode;
}

/** Parse and validate a DTB (version ≥ 16). Throws {@link VmmError} for anything malformed. */
export function parseFdt(blob: Uint8Array): ParsedFdt {
  const bad = (why: string): never => {
    throw new VmmError(`malformed device tree: ${why}`);
  };
  if (blob.length < HEADER_SIZE) bad('shorter than its header');
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const h = (i: number) => dv.getUint32(i * 4);
  if (h(0) !== FDT_MAGIC) bad('bad magic');
  const total = h(1);
  const structOff = h(2);
  const stringsOff = h(3);
  const rsvOff = h(4);
  const version = h(5);
  const lastComp = h(6);
  const boot = h(7);
  const stringsSize = h(8);
  const structSize = h(9);
  if (total > blob.length || total < HEADER_SIZE) bad(`totalsize ${total} vs blob ${blob.length}`);
  if (version < 16 || lastComp > 17) bad(`unsupported version ${version}/${lastComp}`);
  const within = (off: number, len: number) => off >= HEADER_SIZE && off + len <= total;
  if (!within(structOff, structSize) || structOff % 4 !== 0) bad('structure block out of range');
  if (!within(stringsOff, stringsSize)) bad('strings block out of range');
  if (rsvOff % 8 !== 0 || !within(rsvOff, 16)) bad('reservation block out of range');

  const memReserve: MemReserveEntry[] = [];
  for (let o = rsvOff; ; o += 16) {
    if (o + 16 > total) bad('unterminated reservation block');
    const address = dv.getBigUint64(o);
    const size = dv.getBigUint64(o + 8);
    if (address === 0n && size === 0n) break;
    memReserve.push({ address, size });
  }

  const str = (off: number): string => {
    if (off >= stringsSize) bad(`string offset ${off} out of range`);
    let e = stringsOff + off;
    const end = stringsOff + stringsSize;
    while (e < end && blob[e] !== 0) e++;
    if (e >= end) bad('unterminated string');
    return new TextDecoder().decode(blob.subarray(stringsOff + off, e));
  };
  let p = structOff;
  const structEnd = structOff + structSize;
  const next = (): number => {
    if (p + 4 > structEnd) bad('structure block ends early');
    const v = dv.getUint32(p);
    p += 4;
    return v;
  };
  const align = () => {
    p = (p + 3) & ~3;
  };
  const parseNode = (depth: number): ParsedFdtNode => {
    if (depth > 64) bad('nodes nested too deep');
    let e = p;
    while (e < structEnd && blob[e] !== 0) e++;
    if (e >= structEnd) bad('unterminated node name');
    const name = new TextDecoder().decode(blob.subarray(p, e));
    p = e + 1;
    align();
    const node: ParsedFdtNode = { name, properties: new Map(), children: [] };
    for (;;) {
      const tok = next();
      if (tok === FDT_PROP) {
        const len = next();
        const nameoff = next();
        if (p + len > structEnd) bad('property data out of range');
        node.properties.set(str(nameoff), blob.slice(p, p + len));
        p += len;
        align();
      } else if (tok === FDT_BEGIN_NODE) node.children.push(parseNode(depth + 1));
      else if (tok === FDT_END_NODE) return node;
      else if (tok !== FDT_NOP) bad(`unexpected token ${tok}`);
    }
  };
  let tok = next();
  while (tok === FDT_NOP) tok = next();
  if (tok !== FDT_BEGIN_NODE) bad('structure block does not start with a node');
  const root = parseNode(0);
  tok = next();
  while (tok === FDT_NOP) tok = next();
  if (tok !== FDT_END) bad('missing FDT_END');
  return { version, lastCompVersion: lastComp, bootCpuidPhys: boot, totalSize: total, memReserve, root };
}

/** Find a parsed node by path (`/rtas`, `/cpus/PowerPC,POWER8@0`). */
export function findParsedNode(root: ParsedFdtNode, path: string): ParsedFdtNode | undefined {
  let n: ParsedFdtNode | undefined = root;
  for (const part of path.split('/').filter((x) => x !== '')) n = n?.children.find((c) => c.name === part);
  return n;
}

/** Read a property as big-endian u32 cells. */
export function propCells(bytes: Uint8Array | undefined): number[] | undefined {
  if (!bytes || bytes.length % 4 !== 0) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 4 }, (_, i) => dv.getUint32(i * 4));
}

/** Read a property as a list of NUL-terminated strings. */
export function propStrings(bytes: Uint8Array | undefined): string[] | undefined {
  if (!bytes || bytes.length === 0 || bytes[bytes.length - 1] !== 0) return undefined;
  return new TextDecoder().decode(bytes.subarray(0, bytes.length - 1)).split('\0');
}
