import { createLogger, H } from '@ppcvm/machine-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  packTermChars,
  unpackTermChars,
  VIO_HCALL,
  VioBus,
  VioError,
  VioNvram,
  VioVty,
  VTY_FIFO_SIZE,
  vioHcalls,
} from '../src/index.js';
import { hcaller, RecordingLine } from './helpers.js';

const enc = (s: string) => new TextEncoder().encode(s);

function setup(opts: { backlogLimit?: number } = {}) {
  const lines = new Map<number, RecordingLine>();
  const logs: string[] = [];
  const bus = new VioBus({
    claimIrq: (irq) => {
      const l = new RecordingLine();
      lines.set(irq, l);
      return l;
    },
    logger: createLogger(['guest_errors'], (l) => logs.push(l)),
  });
  const out: number[] = [];
  const vty = new VioVty({ sink: (b) => out.push(...b), backlogLimit: opts.backlogLimit });
  const vtySlot = bus.add(vty);
  const nvram = new VioNvram();
  const nvSlot = bus.add(nvram);
  const call = hcaller(vioHcalls(bus));
  return { bus, vty, vtySlot, nvram, nvSlot, lines, logs, out, call };
}

describe('VioBus', () => {
  it('numbers units and interrupts upward from the bases', () => {
    const { vtySlot, nvSlot, lines } = setup();
    expect(vtySlot.reg).toBe(0x30000000);
    expect(vtySlot.irq).toBe(0x1100);
    expect(nvSlot.reg).toBe(0x30000001);
    expect(nvSlot.irq).toBe(0x1101);
    expect([...lines.keys()]).toEqual([0x1100, 0x1101]);
  });

  it('honours other bases and refuses a device twice', () => {
    const bus = new VioBus({ claimIrq: () => new RecordingLine(), regBase: 0x71000000, irqBase: 0x1180 });
    const vty = new VioVty();
    expect(bus.add(vty)).toMatchObject({ reg: 0x71000000, irq: 0x1180 });
    expect(() => bus.add(vty)).toThrow(VioError);
    expect(() => new VioBus({ claimIrq: () => new RecordingLine(), regBase: 0 })).toThrow(VioError);
  });

  it('describes /vdevice as QEMU does', () => {
    const { bus, vty, nvram } = setup();
    const node = bus.vdeviceNode();
    expect(node.name).toBe('vdevice');
    const props = Object.fromEntries(node.properties.map((p) => [p.name, p.value]));
    expect(props.compatible).toEqual({ kind: 'string', value: 'IBM,vdevice' });
    expect(props.device_type).toEqual({ kind: 'string', value: 'vdevice' });
    expect(props['#address-cells']).toEqual({ kind: 'cells', value: [1] });
    expect(props['#size-cells']).toEqual({ kind: 'cells', value: [0] });
    expect(props['#interrupt-cells']).toEqual({ kind: 'cells', value: [2] });
    expect(props['interrupt-controller']).toEqual({ kind: 'empty' });
    expect(node.children?.map((c) => c.name)).toEqual(['vty@30000000', 'nvram@30000001']);
    const vtyProps = Object.fromEntries(node.children![0]!.properties.map((p) => [p.name, p.value]));
    expect(vtyProps).toEqual({
      reg: { kind: 'cells', value: [0x30000000] },
      device_type: { kind: 'string', value: 'serial' },
      compatible: { kind: 'string', value: 'hvterm1' },
      interrupts: { kind: 'cells', value: [0x1100, 0] },
    });
    const nvProps = Object.fromEntries(node.children![1]!.properties.map((p) => [p.name, p.value]));
    expect(nvProps.compatible).toEqual({ kind: 'string', value: 'qemu,spapr-nvram' });
    expect(nvProps.device_type).toEqual({ kind: 'string', value: 'nvram' });
    expect(nvProps['#bytes']).toEqual({ kind: 'cells', value: [65536] });
    expect(bus.pathOf(vty)).toBe('/vdevice/vty@30000000');
    expect(bus.pathOf(nvram)).toBe('/vdevice/nvram@30000001');
    expect(() => bus.pathOf(new VioVty())).toThrow(VioError);
  });

  it('finds the vty for unit 0 (early debug) and only vtys otherwise', () => {
    const { bus, vty } = setup();
    expect(bus.findVty(0n)).toBe(vty);
    expect(bus.findVty(0x30000000n)).toBe(vty);
    expect(bus.findVty(0x30000001n)).toBeUndefined(); // the nvram
    expect(bus.findVty(0x12345n)).toBeUndefined();
  });

  it('saves and restores interrupt modes, refusing foreign state', () => {
    const { bus } = setup();
    const saved = bus.saveState();
    expect(saved.signalStates).toEqual([
      { reg: 0x30000000, state: 0 },
      { reg: 0x30000001, state: 0 },
    ]);
    bus.restore(saved);
    expect(() => bus.restore({ signalStates: [{ reg: 5, state: 0 }] })).toThrow(VioError);
    expect(() => bus.restore({ signalStates: [{ reg: 0x30000000, state: 1 }] })).toThrow(VioError);
  });
});

describe('terminal hcalls', () => {
  it('H_PUT_TERM_CHAR sends the packed bytes in order', () => {
    const { call, out } = setup();
    const [hi, lo] = packTermChars(enc('Hello, world!\r\n'));
    expect(call(VIO_HCALL.H_PUT_TERM_CHAR, 0x30000000n, 15n, hi, lo).rc).toBe(H.SUCCESS);
    expect(new TextDecoder().decode(Uint8Array.from(out))).toBe('Hello, world!\r\n');
    // Unit 0 reaches the default vty too; length 0 writes nothing.
    expect(call(VIO_HCALL.H_PUT_TERM_CHAR, 0n, 1n, 0x4100000000000000n, 0n).rc).toBe(H.SUCCESS);
    expect(call(VIO_HCALL.H_PUT_TERM_CHAR, 0n, 0n, 0x4200000000000000n, 0n).rc).toBe(H.SUCCESS);
    expect(String.fromCharCode(out.at(-1)!)).toBe('A');
  });

  it('refuses hostile lengths and units', () => {
    const { call, out, logs } = setup();
    for (const len of [17n, 0x100n, (1n << 63n) + 1n, -1n]) {
      expect(call(VIO_HCALL.H_PUT_TERM_CHAR, 0x30000000n, len, -1n, -1n).rc).toBe(H.PARAMETER);
    }
    expect(call(VIO_HCALL.H_PUT_TERM_CHAR, 0x30000001n, 1n, 0n, 0n).rc).toBe(H.PARAMETER);
    expect(call(VIO_HCALL.H_GET_TERM_CHAR, 0x99n).rc).toBe(H.PARAMETER);
    expect(out).toEqual([]);
    expect(logs.length).toBe(6);
    expect(logs[0]).toMatch(/\[guest_errors\] H_PUT_TERM_CHAR .*length/);
  });

  it('H_GET_TERM_CHAR returns buffered input packed big-endian', () => {
    const { call, vty } = setup();
    expect(call(VIO_HCALL.H_GET_TERM_CHAR, 0x30000000n).rets.slice(0, 3)).toEqual([0n, 0n, 0n]);
    vty.receive(enc('ls'));
    const r = call(VIO_HCALL.H_GET_TERM_CHAR, 0x30000000n);
    expect(r.rc).toBe(H.SUCCESS);
    expect(r.rets.slice(0, 3)).toEqual([2n, 0x6c73000000000000n, 0n]);
  });

  it('inserts a NUL after CR and never splits the pair', () => {
    const { call, vty } = setup();
    vty.receive(enc('a\rb'));
    const r = call(VIO_HCALL.H_GET_TERM_CHAR, 0n);
    expect(r.rets[0]).toBe(4n);
    expect([...unpackTermChars(r.rets[1]!, r.rets[2]!, 4)]).toEqual([0x61, 0x0d, 0x00, 0x62]);
    // 15 bytes then a CR: the CR does not fit with its NUL, it waits.
    vty.receive(enc(`${'x'.repeat(15)}\r`));
    const first = vty.getChars(16);
    expect(first.length).toBe(15);
    expect([...vty.getChars(16)]).toEqual([0x0d, 0x00]);
    // A request for one byte cannot take a CR at all.
    vty.receive(enc('\r'));
    expect(vty.getChars(1).length).toBe(0);
    expect(vty.getChars(2).length).toBe(2);
  });

  it('H_VIO_SIGNAL accepts only the modes the device has', () => {
    const { call, vtySlot } = setup();
    expect(call(VIO_HCALL.H_VIO_SIGNAL, 0x30000000n, 0n).rc).toBe(H.SUCCESS);
    expect(call(VIO_HCALL.H_VIO_SIGNAL, 0x30000000n, 1n).rc).toBe(H.PARAMETER);
    expect(call(VIO_HCALL.H_VIO_SIGNAL, 0x40000000n, 0n).rc).toBe(H.PARAMETER);
    expect(vtySlot.signalState).toBe(0);
  });

  it('never throws and answers only SUCCESS or PARAMETER for random arguments', () => {
    const { call } = setup();
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    const reg = fc.oneof(fc.constantFrom(0n, 0x30000000n, 0x30000001n), u64);
    fc.assert(
      fc.property(
        fc.constantFrom(VIO_HCALL.H_PUT_TERM_CHAR, VIO_HCALL.H_GET_TERM_CHAR, VIO_HCALL.H_VIO_SIGNAL),
        reg,
        fc.oneof(fc.bigInt({ min: 0n, max: 20n }), u64),
        u64,
        u64,
        (op, r, a1, a2, a3) => {
          const { rc, rets } = call(op, r, a1, a2, a3);
          expect([H.SUCCESS, H.PARAMETER]).toContain(rc);
          for (const v of rets) expect(v >= 0n && v < 1n << 64n).toBe(true);
        },
      ),
    );
  });

  it('pack/unpack are inverse for every length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => {
        const [hi, lo] = packTermChars(bytes);
        expect(unpackTermChars(hi, lo, bytes.length)).toEqual(bytes);
      }),
    );
  });
});

describe('vty input and its interrupt', () => {
  it('pulses when the guest FIFO goes from empty to non-empty', () => {
    const { vty, lines } = setup();
    const line = lines.get(0x1100)!;
    vty.receive(enc('a'));
    expect(line.events).toEqual(['pulse']);
    vty.receive(enc('b')); // FIFO was not empty: no new edge
    expect(line.events).toEqual(['pulse']);
    expect(vty.getChars(16)).toEqual(enc('ab'));
    vty.receive(new Uint8Array(0));
    expect(line.events).toEqual(['pulse']);
    vty.receive(enc('c'));
    expect(line.events).toEqual(['pulse', 'pulse']);
  });

  it('keeps a backlog behind the 16-byte FIFO and signals again when it refills', () => {
    const { vty, lines } = setup();
    const line = lines.get(0x1100)!;
    const text = 'abcdefghijklmnopqrstuvwxyz0123456789';
    expect(vty.receive(enc(text))).toBe(text.length);
    expect(vty.pendingInput()).toBe(text.length);
    let got = '';
    for (let i = 0; i < 5; i++) got += new TextDecoder().decode(vty.getChars(16));
    expect(got).toBe(text);
    // One edge per refill of an empty FIFO: the first arrival plus two refills.
    expect(line.events.length).toBe(Math.ceil(text.length / VTY_FIFO_SIZE));
  });

  it('drops input beyond the backlog limit with one log line', () => {
    const { vty, logs } = setup({ backlogLimit: 20 });
    expect(vty.receive(new Uint8Array(30))).toBe(20);
    expect(vty.receive(new Uint8Array(5))).toBe(0);
    expect(logs.filter((l) => l.includes('backlog full')).length).toBe(1);
  });

  it('saves and restores buffered input', () => {
    const { vty } = setup();
    vty.receive(enc('x'.repeat(20)));
    const s = vty.saveState();
    const other = new VioVty();
    other.restore(s);
    expect(other.pendingInput()).toBe(20);
    expect(() => other.restore({ fifo: new Uint8Array(17), backlog: new Uint8Array(0) })).toThrow(VioError);
  });
});
