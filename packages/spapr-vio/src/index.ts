/**
 * @ppcvm/spapr-vio: the sPAPR VIO bus and its devices (vty, nvram), their
 * device-tree nodes and hcalls.
 */
export {
  VIO_IRQ_BASE,
  VIO_IRQ_COUNT,
  VIO_REG_BASE,
  VioBus,
  type VioBusOptions,
  type VioBusSavedState,
  type VioSlot,
} from './bus.js';
export type { VioAttachment, VioDevice } from './device.js';
export { VioError } from './errors.js';
export { packTermChars, unpackTermChars, VIO_HCALL, vioHcalls } from './hcalls.js';
export {
  CHRP_HEADER_SIZE,
  CHRP_SIG_FREE,
  chrpNvramChecksum,
  formatChrpNvram,
  NVRAM_DEFAULT_SIZE,
  NVRAM_MAX_SIZE,
  NVRAM_MIN_SIZE,
  VioNvram,
  type VioNvramOptions,
} from './nvram.js';
export { VioVty, type VioVtyOptions, type VioVtySavedState, VTY_FIFO_SIZE, VTY_MAX_CHARS } from './vty.js';
