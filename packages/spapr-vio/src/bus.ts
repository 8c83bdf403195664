/**
 * The sPAPR VIO bus (LoPAPR "Virtual I/O"): a registry of virtual devices,
 * each with a unit address (`reg`) the guest names in hcalls and an interrupt
 * source, described under `/vdevice` in the device tree.
 *
 * Unit addresses are handed out upward from `regBase` (QEMU's 7.2+ pseries
 * uses 0x71000000, older ones 0x30000000; the guest only reads them from the
 * tree) and interrupt sources upward from `irqBase` (QEMU: 0x1100).
 */
import { type FdtNodeDescription, type FdtProperty, type IrqLine, type Logger, nullLogger } from '@ppcvm/machine-core';
import type { VioDevice } from './device.js';
import { VioError } from './errors.js';
import { VioVty } from './vty.js';

/** Default first unit address. */
export const VIO_REG_BASE = 0x30000000;
/** First VIO interrupt source (papr-notes A §3.2: VIO 0x1100-0x11FF). */
export const VIO_IRQ_BASE = 0x1100;
/** Number of VIO interrupt sources. */
export const VIO_IRQ_COUNT = 0x100;

export interface VioBusOptions {
  /** Give the device its interrupt source (the vmm: `xics.claim(irq, 'msi')`). */
  readonly claimIrq: (irq: number) => IrqLine;
  readonly regBase?: number;
  readonly irqBase?: number;
  readonly logger?: Logger;
}

/** One device on the bus with what the bus assigned it. */
export interface VioSlot {
  readonly device: VioDevice;
  readonly reg: number;
  readonly irq: number;
  /** Last mode the guest set with H_VIO_SIGNAL. */
  signalState: number;
}

export interface VioBusSavedState {
  readonly signalStates: readonly { readonly reg: number; readonly state: number }[];
}

export class VioBus {
  readonly logger: Logger;
  private readonly claimIrq: (irq: number) => IrqLine;
  private readonly regBase: number;
  private readonly irqBase: number;
  private readonly slots: VioSlot[] = [];
  private nextReg: number;
  private nextIrq: number;

  constructor(options: VioBusOptions) {
    this.claimIrq = options.claimIrq;
    this.regBase = options.regBase ?? VIO_REG_BASE;
    this.irqBase = options.irqBase ?? VIO_IRQ_BASE;
    this.logger = options.logger ?? nullLogger;
    if (!Number.isInteger(this.regBase) || this.regBase <= 0 || this.regBase > 0xffffffff) {
      throw new VioError(`VIO regBase 0x${this.regBase.toString(16)} is not a non-zero u32`);
    }
    this.nextReg = this.regBase;
    this.nextIrq = this.irqBase;
  }

  /** Add a device: assign its unit address and interrupt, attach it. Returns its slot. */
  add(device: VioDevice): VioSlot {
    if (this.slots.some((s) => s.device === device)) throw new VioError(`${device.dtName} is already on this bus`);
    if (this.nextIrq >= this.irqBase + VIO_IRQ_COUNT) throw new VioError('no VIO interrupt sources left');
    if (this.nextReg > 0xffffffff) throw new VioError('no VIO unit addresses left');
    const reg = this.nextReg++;
    const irq = this.nextIrq++;
    const irqLine = this.claimIrq(irq);
    const slot: VioSlot = { device, reg, irq, signalState: 0 };
    device.attach({ reg, irq, irqLine, logger: this.logger });
    this.slots.push(slot);
    return slot;
  }

  get devices(): readonly VioSlot[] {
    return this.slots;
  }

  /** The device with unit address `reg`, if any. */
  find(reg: number | bigint): VioSlot | undefined {
    return this.slots.find((s) => BigInt(s.reg) === BigInt(reg));
  }

  /**
   * The vty a terminal hcall names. Like QEMU (and PowerVM) unit address 0,
   * which Linux's early debug console uses, means the vty with the lowest
   * unit address; any other address must name a vty.
   */
  findVty(reg: bigint): VioVty | undefined {
    const slot = this.find(reg);
    if (slot) return slot.device instanceof VioVty ? slot.device : undefined;
    if (reg !== 0n) return undefined;
    let best: VioSlot | undefined;
    for (const s of this.slots) if (s.device instanceof VioVty && (!best || s.reg < best.reg)) best = s;
    return best?.device as VioVty | undefined;
  }

  /** Device-tree path of a device, e.g. `/vdevice/vty@30000000`. */
  pathOf(device: VioDevice): string {
    const slot = this.slots.find((s) => s.device === device);
    if (!slot) throw new VioError(`${device.dtName} is not on this bus`);
    return `/vdevice/${nodeName(slot)}`;
  }

  /** The `/vdevice` node with one child per device (QEMU spapr_dt_vdevice / vio_make_devnode). */
  vdeviceNode(): FdtNodeDescription {
    const props: FdtProperty[] = [
      { name: 'device_type', value: { kind: 'string', value: 'vdevice' } },
      { name: 'compatible', value: { kind: 'string', value: 'IBM,vdevice' } },
      { name: '#address-cells', value: { kind: 'cells', value: [1] } },
      { name: '#size-cells', value: { kind: 'cells', value: [0] } },
      // VIO interrupt specifiers are <source, sense> like XICS's.
      { name: '#interrupt-cells', value: { kind: 'cells', value: [2] } },
      { name: 'interrupt-controller', value: { kind: 'empty' } },
    ];
    const children = [...this.slots].sort((a, b) => a.reg - b.reg).map((s) => this.deviceNode(s));
    return { name: 'vdevice', properties: props, children };
  }

  private deviceNode(slot: VioSlot): FdtNodeDescription {
    const d = slot.device;
    return {
      name: nodeName(slot),
      properties: [
        { name: 'reg', value: { kind: 'cells', value: [slot.reg] } },
        { name: 'device_type', value: { kind: 'string', value: d.dtType } },
        { name: 'compatible', value: { kind: 'string', value: d.dtCompatible } },
        // Sense 0: VIO sources are message-signalled (edge), as QEMU's spapr_dt_irq(.., false).
        { name: 'interrupts', value: { kind: 'cells', value: [slot.irq, 0] } },
        ...d.nodeProperties(),
      ],
    };
  }

  /** Machine reset: every device resets, interrupt modes go back to 0. */
  reset(): void {
    for (const s of this.slots) {
      s.signalState = 0;
      s.device.reset();
    }
  }

  saveState(): VioBusSavedState {
    return { signalStates: this.slots.map((s) => ({ reg: s.reg, state: s.signalState })) };
  }

  restore(state: VioBusSavedState): void {
    if (!Array.isArray(state?.signalStates)) throw new VioError('VIO bus state needs signalStates');
    const next = new Map<VioSlot, number>();
    for (const e of state.signalStates) {
      const slot = this.find(e.reg);
      if (!slot) throw new VioError(`VIO bus state names unknown unit 0x${Number(e.reg).toString(16)}`);
      if (!Number.isInteger(e.state) || (e.state & ~slot.device.signalMask) !== 0) {
        throw new VioError(`bad signal state ${e.state} for unit 0x${slot.reg.toString(16)}`);
      }
      next.set(slot, e.state);
    }
    for (const [slot, v] of next) slot.signalState = v;
  }
}

function nodeName(slot: VioSlot): string {
  return `${slot.device.dtName}@${slot.reg.toString(16)}`;
}
