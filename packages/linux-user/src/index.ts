/**
 * @ppcvm/linux-user — run static ppc64le Linux programs on @ppcvm/ppc-cpu
 * (a user-mode emulator in the manner of qemu-ppc64le).
 */
export { AT_, HWCAPS, NR, PAGE_SIZE, SIG, signalName, syscallName } from './abi.js';
export {
  ElfError,
  type ElfFile,
  ET_DYN,
  ET_EXEC,
  type ProgramHeader,
  PT_GNU_STACK,
  PT_LOAD,
  PT_TLS,
  parseElf,
} from './elf.js';
export { E as Errno, errnoName } from './errno.js';
export { DEBUG_CHANNELS, type DebugChannel, Kernel, type KernelOptions, type Termination } from './kernel.js';
export { buildInitialStack, DYN_BASE, type InitialStack, type LoadedImage, loadElf, type StackInit } from './loader.js';
export {
  AddressSpace,
  type AddressSpaceOptions,
  GuestOutOfMemory,
  type MappingInfo,
  type MemoryListener,
  USER_LIMIT,
} from './memory.js';
export {
  LinuxProcess,
  LinuxUserError,
  type ProcessOptions,
  type RunResult,
  runProgram,
  STACK_TOP,
} from './process.js';
export { decodeStat, encodeStat } from './structs.js';
