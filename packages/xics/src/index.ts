/**
 * @ppcvm/xics: the XICS interrupt controller of a PAPR (pseries) guest.
 * ICS sources + per-server ICP presentation state in one SharedArrayBuffer,
 * its hcalls, its RTAS calls and its device-tree node.
 */
export { XicsError } from './errors.js';
export {
  encodeFdtValue,
  type FdtNodeDescription,
  type FdtProperty,
  type FdtValue,
  type XicsFdtOptions,
  xicsFdtNode,
} from './fdt.js';
export { XICS_HCALL, type XicsHcallOptions, xicsHcalls } from './hcalls.js';
export {
  RTAS_HARDWARE_ERROR,
  RTAS_PARAMETER_ERROR,
  RTAS_SUCCESS,
  type RtasCall,
  type RtasResult,
  type XicsRtasOptions,
  xicsRtasCalls,
} from './rtas.js';
export {
  type ExternalPendingCallback,
  type IcpState,
  type IrqType,
  PRIORITY_MASKED,
  type SourceState,
  XICS_DEFAULT_NR_IRQS,
  XICS_IPI,
  XICS_IRQ_BASE,
  XICS_MIN_OFFSET,
  XICS_SPURIOUS,
  XISR_MASK,
  Xics,
  type XicsAttachOptions,
  type XicsIrqLine,
  type XicsOptions,
  type XicsSavedState,
} from './xics.js';
