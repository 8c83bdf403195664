/**
 * HPT save/restore as a stream of runs (papr-notes Part B §3.1; QEMU's
 * "spapr/htab" migration section, KVM_PPC_GET_HTAB_FD):
 *
 *   u32 shift                                   (log2 HPT bytes; stream header)
 *   repeated: u32 index, u16 n_valid, u16 n_invalid,
 *             n_valid HPTEs of 16 bytes (big-endian, pre-ISA-3.0 format)
 *             -- then n_invalid slots that are invalid and not transmitted
 *   end:      u32 0, u16 0, u16 0
 *
 * Header integers are big-endian as in QEMU's stream; KVM's fd uses host byte
 * order (`headerEndian: 'little'` reads/writes that flavour). A save covers the
 * whole table, or with `onlyDirty` only HPTEs written since the last save (the
 * iterative passes of live migration).
 */
import { HPTE_BYTES, HPTE_V_VALID } from './bits.js';
import type { HashPageTable } from './hpt.js';

export interface HptStreamOptions {
  /** Byte order of the header integers. Default 'big' (QEMU). */
  headerEndian?: 'big' | 'little';
}

export interface HptSaveOptions extends HptStreamOptions {
  /** Only HPTEs changed since the last save (dirty bits). Default false: everything. */
  onlyDirty?: boolean;
  /** Clear the dirty bits of what was saved. Default true. */
  clearDirty?: boolean;
}

/** Counts of what a load applied. */
export interface HptLoadResult {
  valid: number;
  invalid: number;
}

const MAX_RUN = 0xffff;

/** Save the HPT as a stream. */
export function saveHptStream(hpt: HashPageTable, opts: HptSaveOptions = {}): Uint8Array {
  const le = opts.headerEndian === 'little';
  const onlyDirty = opts.onlyDirty ?? false;
  const clear = opts.clearDirty ?? true;
  const table = new Uint8Array(hpt.storage.table);
  const chunks: Uint8Array[] = [];
  const head = new Uint8Array(4);
  new DataView(head.buffer).setUint32(0, hpt.shift, le);
  chunks.push(head);
  const n = hpt.nHptes;
  // Which entries this save covers.
  const sel = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const dirty = hpt.testDirty(i, clear);
    sel[i] = onlyDirty ? (dirty ? 1 : 0) : 1;
  }
  // Snapshot one entry under its group lock; returns whether it is valid.
  const entry = new Uint8Array(HPTE_BYTES);
  const snap = (i: number): boolean => {
    const g = i >>> 3;
    hpt.lockGroup(g);
    try {
      entry.set(table.subarray(i * HPTE_BYTES, (i + 1) * HPTE_BYTES));
      return (hpt.vLo(i) & HPTE_V_VALID) !== 0;
    } finally {
      hpt.unlockGroup(g);
    }
  };
  let i = 0;
  while (i < n) {
    if (sel[i] === 0) {
      i++;
      continue;
    }
    // One run: selected valid entries, then selected invalid ones; never empty.
    const start = i;
    const valid: Uint8Array[] = [];
    let nInvalid = 0;
    let isValid = snap(i);
    while (isValid && valid.length < MAX_RUN) {
      valid.push(entry.slice());
      i++;
      if (i >= n || sel[i] === 0) break;
      isValid = snap(i);
    }
    if (!isValid && i < n && sel[i] === 1 && valid.length < MAX_RUN) {
      for (;;) {
        nInvalid++;
        i++;
        if (i >= n || sel[i] === 0 || nInvalid >= MAX_RUN || snap(i)) break;
      }
    }
    const rec = new Uint8Array(8 + valid.length * HPTE_BYTES);
    const dv = new DataView(rec.buffer);
    dv.setUint32(0, start, le);
    dv.setUint16(4, valid.length, le);
    dv.setUint16(6, nInvalid, le);
    for (let k = 0; k < valid.length; k++) rec.set(valid[k]!, 8 + k * HPTE_BYTES);
    chunks.push(rec);
  }
  chunks.push(new Uint8Array(8));
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** The HPT shift a stream was saved from. Throws on a truncated stream. */
export function hptStreamShift(bytes: Uint8Array, opts: HptStreamOptions = {}): number {
  if (bytes.length < 4) throw new Error('HPT stream truncated (no header)');
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, opts.headerEndian === 'little');
}

/**
 * Apply a stream to `hpt`, which must have the size the stream was saved from.
 * Valid HPTEs are written (H_ENTER with H_EXACT semantics: the old occupant
 * goes), invalid slots are cleared. Throws (a host error: the stream is
 * malformed or does not fit) before changing anything only for a header
 * mismatch; a bad record part-way leaves earlier records applied. The caller
 * must flush every soft TLB afterwards.
 */
export function loadHptStream(hpt: HashPageTable, bytes: Uint8Array, opts: HptStreamOptions = {}): HptLoadResult {
  const le = opts.headerEndian === 'little';
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shift = hptStreamShift(bytes, opts);
  if (shift !== hpt.shift) throw new Error(`HPT stream is for 2^${shift} bytes, table is 2^${hpt.shift}`);
  const res: HptLoadResult = { valid: 0, invalid: 0 };
  let off = 4;
  for (;;) {
    if (off + 8 > bytes.length) throw new Error(`HPT stream truncated at byte ${off}`);
    const index = dv.getUint32(off, le);
    const nValid = dv.getUint16(off + 4, le);
    const nInvalid = dv.getUint16(off + 6, le);
    off += 8;
    if (index === 0 && nValid === 0 && nInvalid === 0) break;
    if (index + nValid + nInvalid > hpt.nHptes) {
      throw new Error(`HPT stream run at ${index} (+${nValid}+${nInvalid}) beyond ${hpt.nHptes} entries`);
    }
    if (off + nValid * HPTE_BYTES > bytes.length) throw new Error(`HPT stream truncated in run at ${index}`);
    for (let k = 0; k < nValid; k++) {
      const p = off + k * HPTE_BYTES;
      const vHi = dv.getInt32(p, false);
      const vLo = dv.getInt32(p + 4, false);
      if ((vLo & HPTE_V_VALID) === 0) throw new Error(`HPT stream entry ${index + k} in a valid run is not valid`);
      writeLocked(hpt, index + k, vHi, vLo, dv.getInt32(p + 8, false), dv.getInt32(p + 12, false));
      res.valid++;
    }
    off += nValid * HPTE_BYTES;
    for (let k = 0; k < nInvalid; k++) {
      writeLocked(hpt, index + nValid + k, 0, 0, 0, 0);
      res.invalid++;
    }
  }
  if (off !== bytes.length) throw new Error(`HPT stream has ${bytes.length - off} bytes after the end marker`);
  return res;
}

function writeLocked(hpt: HashPageTable, ptex: number, vHi: number, vLo: number, rHi: number, rLo: number): void {
  const g = ptex >>> 3;
  hpt.lockGroup(g);
  try {
    hpt.setEntry(ptex, vHi, vLo, rHi, rLo);
  } finally {
    hpt.unlockGroup(g);
  }
}
