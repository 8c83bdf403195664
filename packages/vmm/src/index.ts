/**
 * @ppcvm/vmm: the pseries machine (device tree, loaders, RTAS, hcall routing,
 * run loop) and the `ppcvm` command line.
 */

export {
  type CliOptions,
  DEFAULT_GDB,
  type GdbListen,
  HELP,
  LOG_CATEGORIES,
  type ParsedCommand,
  parseArgs,
  parseGdbDevice,
  parseSize,
  parseSmp,
  UsageError,
} from './cli/args.js';
export {
  CONSOLE_HELP,
  type ConsoleActions,
  type ConsoleFocus,
  ConsoleMux,
  MAX_MONITOR_LINE,
  MonitorLine,
} from './cli/console.js';
export { type CliDeps, type CliInput, type CliIo, EXIT, runCli, VERSION } from './cli/main.js';
export { MAX_EXAMINE, MONITOR_HELP, Monitor, type MonitorOptions } from './cli/monitor.js';
export { CPU_MODELS, type CpuModelInfo, isCpuModelName } from './cpu-models.js';
export { type ElfImage, type ElfSegment, EM_PPC64, parseElf64 } from './elf.js';
export { VmmError } from './errors.js';
export type { MachineExit } from './exit.js';
export {
  encodeFdtValue,
  FDT_LAST_COMP_VERSION,
  FDT_MAGIC,
  FDT_VERSION,
  FdtNode,
  FdtTree,
  findParsedNode,
  type MemReserveEntry,
  type ParsedFdt,
  type ParsedFdtNode,
  parseFdt,
  propCells,
  propStrings,
} from './fdt.js';
export {
  type Breakpoint,
  type BreakpointResult,
  type BreakpointType,
  CpuDebugTarget,
  type CpuDebugTargetOptions,
  type DebugTarget,
  exitStopEvent,
  GdbServer,
  type GdbServerOptions,
  GdbSession,
  type GdbSessionOptions,
  GdbSignal,
  MachineDebugTarget,
  type MachineDebugTargetOptions,
  REGNUM,
  type ResumeAction,
  type StopEvent,
  targetXml,
} from './gdb/index.js';
export {
  CPU_BEHAV_FAVOUR_SECURITY,
  CPU_CHAR_HON_BRANCH_HINTS,
  fwnmiSaveArea,
  LPCR_AIL,
  LPCR_ILE,
  PAGE_INIT,
  SET_MODE,
  SPRN,
  VMM_HCALL,
  type VmmHcallHost,
  VPA_FLAGS,
  vmmHcalls,
} from './hcalls.js';
export {
  FDT_MAX_ADDR,
  FDT_MAX_SIZE,
  FDT_TOP_GAP,
  fdtAddress,
  initrdAddress,
  KERNEL_LOAD_ADDR,
  kernelPhysical,
  type LoadedKernel,
  loadInitrd,
  loadKernel,
  RMA_MAX,
  rmaSize,
  rtasAddress,
} from './loader.js';
export {
  type BootLayout,
  DEFAULT_RAM_SIZE,
  DEFAULT_SLICE,
  defaultMmu,
  EPOW_IRQ,
  HOTPLUG_IRQ,
  MAX_VCPUS,
  Machine,
  type MachineDebugListener,
  type MachineHold,
  type MachineOptions,
  type MmuContext,
  type MmuFactory,
  maxThreadsPerCore,
  PR_SHARED_PAGE,
  RAM_ALIGN,
  type RunResult,
  SMP_SLICE,
  systemMmu,
  type VcpuStatus,
} from './machine.js';
export { guestMsr, setGuestMsr } from './msr.js';
export {
  buildPseriesTree,
  HYPERTAS_FUNCTION_SETS,
  hypertasFunctions,
  type PseriesTreeConfig,
  segmentPageSizesCells,
  TIMEBASE_FREQUENCY,
} from './pseries-tree.js';
export { CpuHcallArgs, HcallRouter, KNOWN_HCALL_NAMES } from './router.js';
export {
  H_RTAS,
  RTAS,
  RTAS_BLOB_WORDS,
  RTAS_MAX_WORDS,
  RTAS_TOKENS,
  type RtasCall,
  type RtasCount,
  RtasDispatcher,
  type RtasService,
  rtasBlob,
} from './rtas.js';
export { createRtasServices, createRtasState, type RtasHost, type RtasState, SYSPARM } from './rtas-services.js';
export { formatHit, type SymbolHit, Symbolizer } from './symbols.js';
export { Vcpu, type VcpuRunState } from './vcpu.js';
