/**
 * The save/restore contract (STYLE.md lesson 13): every stateful component
 * saves its state as plain data and restores from the same shape. Plain data
 * here means JSON values plus `bigint` and `Uint8Array`, so registers and
 * buffers need no ad-hoc encoding; {@link encodeSnapshot} turns such a value
 * into bytes and {@link decodeSnapshot} back.
 */

/** A value a snapshot may contain. */
export type SnapshotValue =
  | null
  | boolean
  | number
  | string
  | bigint
  | Uint8Array
  | readonly SnapshotValue[]
  | { readonly [key: string]: SnapshotValue };

/**
 * A component with savable state. `restore` validates the shape and ranges of
 * what it is given and throws (a host error) on a mismatch; it never half-applies.
 */
export interface Snapshottable<S> {
  saveState(): S;
  restore(state: S): void;
}

const SNAPSHOT_ERROR = Symbol.for('@ppcvm/machine-core/snapshot-error');

/** A snapshot that cannot be encoded, decoded or applied. */
export class SnapshotError extends Error {
  readonly [SNAPSHOT_ERROR] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SnapshotError';
  }

  static is(e: unknown): e is SnapshotError {
    return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[SNAPSHOT_ERROR] === true;
  }
}

const FORMAT = 'ppcvm-snapshot-1';
/** Tagged objects stand for the two non-JSON types; a plain object using the tag key is escaped. */
const TAG = '$ppcvm';

function toJson(v: unknown, path: string, seen: Set<object>): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return { [TAG]: 'number', value: String(v) };
    if (Object.is(v, -0)) return { [TAG]: 'number', value: '-0' };
    return v;
  }
  if (typeof v === 'bigint') return { [TAG]: 'bigint', value: v.toString() };
  if (v instanceof Uint8Array) return { [TAG]: 'bytes', value: Buffer.from(v).toString('base64') };
  if (typeof v !== 'object') throw new SnapshotError(`${path}: ${typeof v} cannot be saved in a snapshot`);
  if (seen.has(v)) throw new SnapshotError(`${path}: cyclic reference`);
  seen.add(v);
  let out: unknown;
  if (Array.isArray(v)) out = v.map((x, i) => toJson(x, `${path}[${i}]`, seen));
  else {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      throw new SnapshotError(
        `${path}: only plain objects can be saved (got ${proto?.constructor?.name ?? 'unknown'})`,
      );
    }
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      o[k] = toJson(x, `${path}.${k}`, seen);
    }
    out = TAG in o ? { [TAG]: 'object', value: o } : o;
  }
  seen.delete(v);
  return out;
}

function fromJson(v: unknown, path: string): SnapshotValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number') return v;
  if (Array.isArray(v)) return v.map((x, i) => fromJson(x, `${path}[${i}]`));
  if (typeof v !== 'object') throw new SnapshotError(`${path}: unexpected ${typeof v}`);
  const o = v as Record<string, unknown>;
  if (TAG in o) {
    const kind = o[TAG];
    const value = o.value;
    switch (kind) {
      case 'bigint':
        if (typeof value !== 'string' || !/^-?\d+$/.test(value)) throw new SnapshotError(`${path}: bad bigint`);
        return BigInt(value);
      case 'bytes':
        if (typeof value !== 'string') throw new SnapshotError(`${path}: bad bytes`);
        return new Uint8Array(Buffer.from(value, 'base64'));
      case 'number':
        if (typeof value !== 'string') throw new SnapshotError(`${path}: bad number`);
        return value === '-0' ? -0 : Number(value);
      case 'object': {
        if (typeof value !== 'object' || value === null || Array.isArray(value))
          throw new SnapshotError(`${path}: bad object`);
        const r: Record<string, SnapshotValue> = {};
        for (const [k, x] of Object.entries(value)) r[k] = fromJson(x, `${path}.${k}`);
        return r;
      }
      default:
        throw new SnapshotError(`${path}: unknown tag ${String(kind)}`);
    }
  }
  const r: Record<string, SnapshotValue> = {};
  for (const [k, x] of Object.entries(o)) r[k] = fromJson(x, `${path}.${k}`);
  return r;
}

/** Encode plain snapshot data (see {@link SnapshotValue}) as UTF-8 JSON bytes with a format header. */
export function encodeSnapshot(value: unknown): Uint8Array {
  const body = toJson(value, '$', new Set());
  return new TextEncoder().encode(JSON.stringify({ format: FORMAT, state: body }));
}

/** Decode bytes made by {@link encodeSnapshot}. Throws {@link SnapshotError} on anything else. */
export function decodeSnapshot(bytes: Uint8Array): SnapshotValue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new SnapshotError('snapshot is not valid UTF-8 JSON', { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as Record<string, unknown>).format !== FORMAT) {
    throw new SnapshotError(`not a ${FORMAT} snapshot`);
  }
  return fromJson((parsed as Record<string, unknown>).state, '$');
}
