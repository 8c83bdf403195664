/**
 * Device-tree descriptions as plain data (STYLE.md lesson 13: devices describe
 * their own FDT node). The vmm's FDT builder serialises them; packages that
 * only describe a node need nothing else. `@ppcvm/xics`'s node type is a
 * structural subset of these.
 */

export type FdtValue =
  | { readonly kind: 'empty' }
  /** One NUL-terminated string. */
  | { readonly kind: 'string'; readonly value: string }
  /** A string list: each NUL-terminated, concatenated (e.g. compatible, ibm,hypertas-functions). */
  | { readonly kind: 'strings'; readonly value: readonly string[] }
  /** Big-endian 32-bit cells. */
  | { readonly kind: 'cells'; readonly value: readonly number[] }
  /** Big-endian 64-bit values (two cells each). */
  | { readonly kind: 'u64'; readonly value: readonly bigint[] }
  | { readonly kind: 'bytes'; readonly value: Uint8Array };

export interface FdtProperty {
  readonly name: string;
  readonly value: FdtValue;
}

export interface FdtNodeDescription {
  /** Node name including any unit address, e.g. `vty@30000000`. */
  readonly name: string;
  readonly properties: readonly FdtProperty[];
  readonly children?: readonly FdtNodeDescription[];
}

/** Shorthands for building property values. */
export const fdtValue = {
  empty: (): FdtValue => ({ kind: 'empty' }),
  string: (value: string): FdtValue => ({ kind: 'string', value }),
  strings: (...value: string[]): FdtValue => ({ kind: 'strings', value }),
  cells: (...value: number[]): FdtValue => ({ kind: 'cells', value }),
  u64: (...value: bigint[]): FdtValue => ({ kind: 'u64', value }),
  bytes: (value: Uint8Array | readonly number[]): FdtValue => ({ kind: 'bytes', value: Uint8Array.from(value) }),
};
