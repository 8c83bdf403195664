import { describe, expect, it } from 'vitest';
import { encodeFdtValue, type FdtValue, xicsFdtNode } from '../src/index.js';

/** The node as QEMU's pseries machine (2 vCPUs) emits it, from the reference DTS. */
const REFERENCE = `
	interrupt-controller {
		phandle = <0x1111>;
		linux,phandle = <0x1111>;
		#interrupt-cells = <0x02>;
		ibm,interrupt-server-ranges = <0x00 0x02>;
		interrupt-controller;
		compatible = "IBM,ppc-xicp";
		device_type = "PowerPC-External-Interrupt-Presentation";
	};`;

/** Parse the few DTS value forms the node uses into the package's value type. */
function parseDts(text: string): Map<string, FdtValue> {
  const props = new Map<string, FdtValue>();
  for (const m of text.matchAll(/^\s*([#\w,-]+)(?:\s*=\s*(.+?))?;$/gm)) {
    const [, name, raw] = m;
    if (raw === undefined) props.set(name!, { kind: 'empty' });
    else if (raw.startsWith('"')) props.set(name!, { kind: 'string', value: JSON.parse(raw) as string });
    else props.set(name!, { kind: 'cells', value: raw.replace(/[<>]/g, '').trim().split(/\s+/).map(Number) });
  }
  return props;
}

describe('FDT /interrupt-controller node', () => {
  it('has exactly the properties of the QEMU reference tree, byte for byte', () => {
    const node = xicsFdtNode({ nrServers: 2, phandle: 0x1111 });
    expect(node.name).toBe('interrupt-controller');
    const ref = parseDts(REFERENCE);
    expect(ref.size).toBe(7);
    expect(new Set(node.properties.map((p) => p.name))).toEqual(new Set(ref.keys()));
    for (const p of node.properties) {
      expect(encodeFdtValue(p.value), p.name).toEqual(encodeFdtValue(ref.get(p.name)!));
    }
  });

  it('scales the server range and leaves out phandles when none is given', () => {
    const node = xicsFdtNode({ nrServers: 8, firstServer: 4 });
    const byName = Object.fromEntries(node.properties.map((p) => [p.name, p.value]));
    expect(byName['ibm,interrupt-server-ranges']).toEqual({ kind: 'cells', value: [4, 8] });
    expect(byName['phandle']).toBeUndefined();
    expect(byName['linux,phandle']).toBeUndefined();
  });

  it('encodes strings NUL-terminated, cells big-endian, empty as no bytes', () => {
    expect([...encodeFdtValue({ kind: 'string', value: 'IBM' })]).toEqual([0x49, 0x42, 0x4d, 0]);
    expect([...encodeFdtValue({ kind: 'cells', value: [0x1111, 2] })]).toEqual([0, 0, 0x11, 0x11, 0, 0, 0, 2]);
    expect(encodeFdtValue({ kind: 'empty' })).toHaveLength(0);
    const raw = new Uint8Array([1, 2, 3]);
    const enc = encodeFdtValue({ kind: 'bytes', value: raw });
    expect([...enc]).toEqual([1, 2, 3]);
    expect(enc).not.toBe(raw);
  });

  it('rejects values that are not u32', () => {
    expect(() => xicsFdtNode({ nrServers: -1 })).toThrow(RangeError);
    expect(() => xicsFdtNode({ nrServers: 2, phandle: 2 ** 32 })).toThrow(RangeError);
    expect(() => encodeFdtValue({ kind: 'cells', value: [1.5] })).toThrow(RangeError);
  });
});
