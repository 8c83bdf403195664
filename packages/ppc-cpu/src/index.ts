/**
 * @ppcvm/ppc-cpu — a POWER7/8/9 CPU for JavaScript: instruction table,
 * decoder, interpreter and embedding API.
 */
export {
  Access,
  type AddressTranslator,
  addEa,
  Cpu,
  type CpuHooks,
  type CpuOptions,
  type FaultInfo,
  GuestFault,
  type StopReason,
  TranslateFault,
} from './cpu.js';
export { type CpuModelName, type DecodedInsn, decoderFor, ModelDecoder } from './decode.js';
export { type DisasmOptions, type Disassembly, disassemble } from './disasm.js';
export { extractField, FIELDS, type FieldDef, type FieldKind, insertField } from './fields.js';
export { DSISR, PENDING, SRR1_ISI, SRR1_PROGRAM, SRR1_WAKE, VEC } from './interrupts.js';
export { INSTRUCTIONS } from './isa/index.js';
export {
  KVM_HC_FEATURES,
  KVM_HC_PPC_MAP_MAGIC_PAGE,
  KVM_SC_MAGIC,
  PR_HCALL_INSTRUCTIONS,
  PrMode,
  type PrModeOptions,
  SHARED,
} from './pr-mode.js';
export { ATTN, ATTN_EMBEDDER, CpuDomain, type CpuDomainOptions, DOMAIN_TLB_SIZE } from './smp.js';
export { SPR } from './sprs.js';
export * as layout from './state.js';
export { SystemMmu, type SystemMmuOptions } from './system-mmu.js';
export {
  ALL_MODELS,
  type CompiledInsn,
  compileInsn,
  Decoder,
  decodeFields,
  type Exec,
  type ExecFactory,
  type Fields,
  type FlagBit,
  type Form,
  type InsnDef,
  P7,
  P8,
  P9,
  variantMnemonic,
} from './table.js';
