/**
 * The RTAS services of the machine (papr-notes A §2.2; QEMU spapr_rtas.c,
 * spapr_rtc.c, spapr_events.c, spapr_nvram.c, spapr_drc.c): what Linux calls
 * while booting, running and shutting down. Argument counts are checked as
 * QEMU checks them; the machine-wide effects go through {@link RtasHost}.
 */
import type { Logger } from '@ppcvm/machine-core';
import type { VioNvram } from '@ppcvm/spapr-vio';
import type { RtasCall as XicsRtasCall } from '@ppcvm/xics';
import type { MachineExit } from './exit.js';
import { RTAS, RTAS_TOKENS, type RtasService } from './rtas.js';

/** ibm,get-system-parameter parameters QEMU knows (spapr.h RTAS_SYSPARM_*). */
export const SYSPARM = { SPLPAR_CHARACTERISTICS: 20, DIAGNOSTICS_RUN_MODE: 42, UUID: 48 } as const;
/** Sensor / indicator types that belong to dynamic reconfiguration (PAPR+ 2.7 table 41). */
const DR_SENSOR_TYPES = new Set([9001, 9002, 9003]);
/** FWNMI vectors must lie in the first 32 MiB (LoPAPR "ibm,nmi-register"). */
const FWNMI_LIMIT = 32 * 1024 * 1024;
/** Longest os-term message read (QEMU reads 511 bytes). */
const OS_TERM_MAX = 511;

/** What the services need from the machine. */
export interface RtasHost {
  readonly logger: Logger;
  readonly ramSize: number;
  readonly rmaSize: number;
  /** Possible vCPUs (ibm,lrdr-capacity, the SPLPAR string). */
  readonly maxCpus: number;
  /** vCPUs present now. */
  readonly nrCpus: number;
  readonly nvram: VioNvram | undefined;
  /** Host wall clock in milliseconds since the epoch (UTC). */
  now(): number;
  /** Write to the default vty; false when there is none. */
  consoleWrite(bytes: Uint8Array): boolean;
  /** The vCPU with this device-tree id: true running, false stopped, undefined no such vCPU. */
  cpuRunning(id: number): boolean | undefined;
  /** Start a stopped vCPU at `start` with r3 = `r3` (start-cpu); the caller's LPCR ILE/AIL are copied. */
  startCpu(id: number, start: number, r3: number, callerIndex: number): void;
  /** Put the calling vCPU into the RTAS-stopped state (stop-self). */
  stopSelf(cpuIndex: number): void;
  /** End the run with this reason (the calling vCPU stops at once). */
  requestExit(cpuIndex: number, exit: MachineExit): void;
  /** The guest may have written code there: drop decoded instructions. */
  onRamWrite(address: number, length: number): void;
}

/** Mutable RTAS state that is part of the machine state. */
export interface RtasState {
  /** Guest time minus host time, in nanoseconds (set-time-of-day). */
  rtcOffsetNs: bigint;
  /** FWNMI system-reset vector, -1 when not registered. */
  fwnmiSystemReset: number;
  /** FWNMI machine-check vector, -1 when not registered. */
  fwnmiMachineCheck: number;
  /** vCPU that took a FWNMI machine check and must call ibm,nmi-interlock, -1 for none. */
  fwnmiInterlock: number;
}

export function createRtasState(): RtasState {
  return { rtcOffsetNs: 0n, fwnmiSystemReset: -1, fwnmiMachineCheck: -1, fwnmiInterlock: -1 };
}

function svc(name: string, nargs: RtasService['nargs'], nret: RtasService['nret'], fn: RtasService['fn']): RtasService {
  const token = RTAS_TOKENS[name];
  if (token === undefined) throw new Error(`no RTAS token for ${name}`);
  return { name, token, nargs, nret, fn };
}

/** Signed RTAS word (arguments such as power domain -1 arrive as u32). */
const s32 = (v: number) => v | 0;

export function createRtasServices(
  host: RtasHost,
  state: RtasState,
  xicsCalls: readonly XicsRtasCall[],
): RtasService[] {
  const log = host.logger;
  const hostNs = () => {
    // Milliseconds since the epoch times 1e6 exceeds 2^53: split before scaling.
    const ms = host.now();
    const whole = Math.floor(ms);
    return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
  };
  const guestErr = (msg: string) => {
    if (log.enabled('guest_errors')) log.log('guest_errors', msg);
  };

  const services: RtasService[] = [
    svc('display-character', [1, 16], [1, 16], (c) =>
      host.consoleWrite(Uint8Array.of(c.args[0]! & 0xff)) ? [RTAS.SUCCESS] : [RTAS.HW_ERROR],
    ),

    svc('get-time-of-day', undefined, 8, () => {
      const t = hostNs() + state.rtcOffsetNs;
      const ms = Number(t / 1_000_000n);
      const d = new Date(ms);
      const ns = Number(((t % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n);
      return [
        RTAS.SUCCESS,
        d.getUTCFullYear(),
        d.getUTCMonth() + 1,
        d.getUTCDate(),
        d.getUTCHours(),
        d.getUTCMinutes(),
        d.getUTCSeconds(),
        ns,
      ];
    }),

    svc('set-time-of-day', 7, 1, (c) => {
      const [year, mon, day, hour, min, sec, ns] = c.args as [number, number, number, number, number, number, number];
      const ms = Date.UTC(year, mon - 1, day, hour, min, sec);
      const d = new Date(ms);
      // Out-of-range fields would be normalised by Date.UTC; PAPR says they are a parameter error.
      const valid =
        Number.isFinite(ms) &&
        d.getUTCFullYear() === year &&
        d.getUTCMonth() === mon - 1 &&
        d.getUTCDate() === day &&
        d.getUTCHours() === hour &&
        d.getUTCMinutes() === min &&
        d.getUTCSeconds() === sec &&
        ns < 1_000_000_000;
      if (!valid) {
        guestErr(`set-time-of-day: invalid date ${c.args.join(' ')}`);
        return [RTAS.PARAM_ERROR];
      }
      state.rtcOffsetNs = BigInt(ms) * 1_000_000n + BigInt(ns) - hostNs();
      return [RTAS.SUCCESS];
    }),

    svc('power-off', 2, 1, (c) => {
      host.requestExit(c.cpuIndex, { kind: 'power-off' });
      return [RTAS.SUCCESS];
    }),

    svc('system-reboot', 0, 1, (c) => {
      host.requestExit(c.cpuIndex, { kind: 'reboot' });
      return [RTAS.SUCCESS];
    }),

    svc('query-cpu-stopped-state', 1, 2, (c) => {
      const running = host.cpuRunning(c.args[0]!);
      if (running === undefined) {
        guestErr(`query-cpu-stopped-state: no cpu ${c.args[0]}`);
        return [RTAS.PARAM_ERROR];
      }
      // 0 = stopped, 2 = running (LoPAPR).
      return [RTAS.SUCCESS, running ? 2 : 0];
    }),

    svc('start-cpu', 3, 1, (c) => {
      const [id, start, r3] = c.args as [number, number, number];
      const running = host.cpuRunning(id);
      if (running === undefined) {
        guestErr(`start-cpu: no cpu ${id}`);
        return [RTAS.PARAM_ERROR];
      }
      // Only a stopped CPU can be started (QEMU: hardware error otherwise).
      if (running) return [RTAS.HW_ERROR];
      host.startCpu(id, start, r3, c.cpuIndex);
      return [RTAS.SUCCESS];
    }),

    // Linux passes 0 args and 1 return word; the call does not return on success.
    svc('stop-self', undefined, undefined, (c) => {
      host.stopSelf(c.cpuIndex);
      return [RTAS.SUCCESS];
    }),

    svc('ibm,get-system-parameter', 3, [1, 16], (c) => {
      const [param, buffer, length] = c.args as [number, number, number];
      let value: Uint8Array;
      switch (param) {
        case SYSPARM.SPLPAR_CHARACTERISTICS:
          value = new TextEncoder().encode(
            `MaxEntCap=${host.maxCpus},DesMem=${Math.floor(host.ramSize / 2 ** 20)},DesProcs=${host.nrCpus},MaxPlatProcs=${host.maxCpus}\0`,
          );
          break;
        case SYSPARM.DIAGNOSTICS_RUN_MODE:
          value = Uint8Array.of(0); // disabled
          break;
        case SYSPARM.UUID:
          value = new Uint8Array(0); // no UUID set
          break;
        default:
          return [RTAS.PARAM_ERROR];
      }
      // Buffer: a 2-byte length, then as much of the value as fits (QEMU sysparm_st).
      if (length < 2) return [RTAS.SYSPARM_PARAM_ERROR];
      const n = Math.min(length - 2, value.length);
      c.memory.checkRange(buffer, 2 + n);
      c.memory.write16BE(buffer, value.length);
      c.memory.write(buffer + 2, value.subarray(0, n));
      host.onRamWrite(buffer, 2 + n);
      return [RTAS.SUCCESS];
    }),

    svc('ibm,set-system-parameter', [1, 16], [1, 16], (c) => {
      const known = Object.values(SYSPARM) as number[];
      return [known.includes(c.args[0]!) ? RTAS.NOT_AUTHORIZED : RTAS.PARAM_ERROR];
    }),

    svc('check-exception', [6, 7], 1, () => [RTAS.NO_ERRORS_FOUND]),
    svc('event-scan', 4, 1, () => [RTAS.NO_ERRORS_FOUND]),

    svc('set-indicator', 3, 1, (c) => {
      // No dynamic-reconfiguration connectors and no other indicators exist.
      guestErr(`set-indicator: ${DR_SENSOR_TYPES.has(c.args[0]!) ? 'no DR connector' : 'no indicator'} ${c.args[1]}`);
      return [RTAS.PARAM_ERROR];
    }),

    svc('get-sensor-state', 2, 2, (c) => {
      guestErr(`get-sensor-state: ${DR_SENSOR_TYPES.has(c.args[0]!) ? 'no DR connector' : 'no sensor'} ${c.args[1]}`);
      return [RTAS.PARAM_ERROR, 0];
    }),

    svc('set-power-level', 2, 2, (c) => (s32(c.args[0]!) === -1 ? [RTAS.SUCCESS, 100] : [RTAS.PARAM_ERROR])),
    svc('get-power-level', 1, 2, (c) => (s32(c.args[0]!) === -1 ? [RTAS.SUCCESS, 100] : [RTAS.PARAM_ERROR])),

    svc('ibm,configure-connector', 2, 1, () => {
      guestErr('ibm,configure-connector: no DR connectors');
      return [RTAS.PARAM_ERROR];
    }),

    svc('ibm,os-term', 1, 1, (c) => {
      const at = c.args[0]!;
      const message = c.memory.contains(at, 1) ? c.memory.readCString(at, OS_TERM_MAX) : '(message outside RAM)';
      host.requestExit(c.cpuIndex, { kind: 'os-term', message });
      return [RTAS.SUCCESS];
    }),

    svc('ibm,nmi-register', 2, 1, (c) => {
      const [sreset, mce] = c.args as [number, number];
      const limit = Math.min(FWNMI_LIMIT, host.rmaSize);
      if (sreset >= limit || mce >= limit) {
        guestErr(
          `ibm,nmi-register: vectors 0x${sreset.toString(16)}/0x${mce.toString(16)} beyond 0x${limit.toString(16)}`,
        );
        return [RTAS.PARAM_ERROR];
      }
      state.fwnmiSystemReset = sreset;
      state.fwnmiMachineCheck = mce;
      return [RTAS.SUCCESS];
    }),

    svc('ibm,nmi-interlock', 0, 1, (c) => {
      // Only the vCPU that is handling a FWNMI machine check may release the interlock.
      if (state.fwnmiMachineCheck === -1 || state.fwnmiInterlock !== c.cpuIndex) return [RTAS.PARAM_ERROR];
      state.fwnmiInterlock = -1;
      return [RTAS.SUCCESS];
    }),
  ];

  if (host.nvram) {
    const nv = host.nvram;
    services.push(
      svc('nvram-fetch', 3, 2, (c) => {
        const [offset, buffer, length] = c.args as [number, number, number];
        const data = nv.fetch(offset, length);
        if (!data) {
          guestErr(`nvram-fetch: 0x${offset.toString(16)}+0x${length.toString(16)} outside the NVRAM`);
          return [RTAS.PARAM_ERROR, 0];
        }
        c.memory.write(buffer, data);
        host.onRamWrite(buffer, data.length);
        return [RTAS.SUCCESS, data.length];
      }),
      svc('nvram-store', 3, 2, (c) => {
        const [offset, buffer, length] = c.args as [number, number, number];
        if (!nv.inRange(offset, length)) {
          guestErr(`nvram-store: 0x${offset.toString(16)}+0x${length.toString(16)} outside the NVRAM`);
          return [RTAS.PARAM_ERROR, 0];
        }
        nv.store(offset, c.memory.read(buffer, length));
        return [RTAS.SUCCESS, length];
      }),
    );
  }

  for (const x of xicsCalls) {
    const token = RTAS_TOKENS[x.name];
    if (token === undefined) throw new Error(`no RTAS token for ${x.name}`);
    // @ppcvm/xics checks the counts itself (and logs); hand it the caller's nret.
    services.push({
      name: x.name,
      token,
      fn: (c) => {
        const r = x.fn(c.args, c.nret);
        return [r.status, ...r.rets];
      },
    });
  }
  return services;
}
