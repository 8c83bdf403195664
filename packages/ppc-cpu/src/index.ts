export { Access, addEa, Cpu, type AddressTranslator, type CpuHooks, type CpuOptions, GuestFault, type StopReason, TranslateFault } from './cpu.js';
export { type CpuModelName, decoderFor } from './decode.js';
export * as layout from './state.js';
