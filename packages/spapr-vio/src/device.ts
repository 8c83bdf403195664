/**
 * What a VIO device is to its bus. Like QEMU's SpaprVioDeviceClass: a node
 * name, device_type and compatible for the device tree, extra node
 * properties, and the interrupt modes H_VIO_SIGNAL may select.
 */
import type { FdtProperty, IrqLine, Logger } from '@ppcvm/machine-core';

/** What the bus gives a device when it is added (memory and interrupts at activation, STYLE.md lesson 4). */
export interface VioAttachment {
  /** Unit address: the `reg` property and the first argument of the device's hcalls. */
  readonly reg: number;
  /** Interrupt source number (`interrupts = <irq 0>`). */
  readonly irq: number;
  readonly irqLine: IrqLine;
  readonly logger: Logger;
}

export interface VioDevice {
  /** Node name without the unit address, e.g. `vty`. */
  readonly dtName: string;
  /** `device_type`, e.g. `serial`. */
  readonly dtType: string;
  /** `compatible`, e.g. `hvterm1`. */
  readonly dtCompatible: string;
  /**
   * Bits of the H_VIO_SIGNAL mode argument the device accepts (LoPAPR
   * "H_VIO_SIGNAL": bit 63 = enable the device interrupt). 0 = none: any
   * non-zero mode is H_PARAMETER, as QEMU's vty and nvram answer.
   */
  readonly signalMask: number;
  /** Device-specific properties appended to its node. */
  nodeProperties(): FdtProperty[];
  /** Called once when the device joins a bus. */
  attach(attachment: VioAttachment): void;
  /** Machine reset: drop guest-visible transient state. */
  reset(): void;
}
