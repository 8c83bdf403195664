/**
 * Device-tree description of the presentation layer: the `/interrupt-controller`
 * node Linux's icp-hv driver looks for (compatible "IBM,ppc-xicp", or device_type
 * "PowerPC-External-Interrupt-Presentation"). Mirrors QEMU's pseries tree
 * (reference DTS). Plain data; the vmm's FDT builder serialises it.
 */

export type FdtValue =
  | { readonly kind: 'empty' }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'cells'; readonly value: readonly number[] }
  | { readonly kind: 'bytes'; readonly value: Uint8Array };

export interface FdtProperty {
  readonly name: string;
  readonly value: FdtValue;
}

export interface FdtNodeDescription {
  /** Node name, child of the root. */
  readonly name: string;
  /** In the order QEMU adds them. */
  readonly properties: readonly FdtProperty[];
}

export interface XicsFdtOptions {
  /** Number of interrupt servers (ibm,interrupt-server-ranges length). */
  readonly nrServers: number;
  /** First server number. Default 0. */
  readonly firstServer?: number;
  /** phandle of the node (QEMU pseries: 0x1111). Omitted when not given. */
  readonly phandle?: number;
}

function u32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${what} must be a u32, got ${v}`);
  return v;
}

export function xicsFdtNode(options: XicsFdtOptions): FdtNodeDescription {
  const nr = u32(options.nrServers, 'nrServers');
  const first = u32(options.firstServer ?? 0, 'firstServer');
  const props: FdtProperty[] = [
    { name: 'device_type', value: { kind: 'string', value: 'PowerPC-External-Interrupt-Presentation' } },
    { name: 'compatible', value: { kind: 'string', value: 'IBM,ppc-xicp' } },
    { name: 'interrupt-controller', value: { kind: 'empty' } },
    // LoPAPR: <first server, count> pairs of the servers this presentation layer serves.
    { name: 'ibm,interrupt-server-ranges', value: { kind: 'cells', value: [first, nr] } },
    // Interrupt specifiers are <source number, sense> (sense 0 = edge/MSI, 1 = level/LSI).
    { name: '#interrupt-cells', value: { kind: 'cells', value: [2] } },
  ];
  if (options.phandle !== undefined) {
    const ph = u32(options.phandle, 'phandle');
    props.push({ name: 'linux,phandle', value: { kind: 'cells', value: [ph] } });
    props.push({ name: 'phandle', value: { kind: 'cells', value: [ph] } });
  }
  return { name: 'interrupt-controller', properties: props };
}

/** Encode a property value as flattened-device-tree bytes (strings NUL-terminated, cells big-endian). */
export function encodeFdtValue(value: FdtValue): Uint8Array {
  switch (value.kind) {
    case 'empty':
      return new Uint8Array(0);
    case 'string': {
      const s = new TextEncoder().encode(value.value);
      const out = new Uint8Array(s.length + 1);
      out.set(s);
      return out;
    }
    case 'cells': {
      const out = new Uint8Array(value.value.length * 4);
      const dv = new DataView(out.buffer);
      value.value.forEach((c, i) => {
        dv.setUint32(i * 4, u32(c, 'cell'), false);
      });
      return out;
    }
    case 'bytes':
      return value.value.slice();
  }
}
