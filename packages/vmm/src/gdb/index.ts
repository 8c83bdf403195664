/**
 * The gdbstub: a GDB remote serial protocol server for ppcvm guests
 * (`gdb-multiarch`, 64-bit POWER, big- and little-endian). See ./README.md.
 */
export { readCpuMemory, readCpuRegister, writeCpuMemory, writeCpuRegister } from './cpu-state.js';
export { CpuDebugTarget, type CpuDebugTargetOptions, defaultStopEvent } from './cpu-target.js';
export { exitStopEvent, MachineDebugTarget, type MachineDebugTargetOptions } from './machine-target.js';
export { type MemAccess, memoryAccessOf } from './mem-access.js';
export { DEFAULT_MAX_PACKET, framePacket, type Incoming, PacketReader } from './packet.js';
export { CodePoints } from './points.js';
export { G_PACKET_BYTES, type GdbRegister, POWER64_REGISTERS, REGNUM, targetXml } from './registers.js';
export { GdbServer, type GdbServerOptions } from './server.js';
export { GdbSession, type GdbSessionOptions } from './session.js';
export {
  type Breakpoint,
  type BreakpointResult,
  type BreakpointType,
  type DebugTarget,
  GdbSignal,
  type ResumeAction,
  type StopEvent,
} from './target.js';
