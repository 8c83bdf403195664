/**
 * The `(ppcvm)` monitor, QEMU's human monitor for the commands a kernel
 * developer needs: machine state (`info registers|cpus|hpt|tlb`), guest
 * memory and disassembly (`x/Ni`, `x/Nx`, `xp`), `stop`/`cont`,
 * `system_reset` and `quit`. Reached with Ctrl-A c on the console and through
 * gdb's `monitor CMD`.
 *
 * Commands run on the machine's thread between run slices, so what they show
 * is a consistent snapshot even while the guest runs. Input is untrusted text:
 * anything malformed gets a one-line error, never an exception.
 */
import { HPTE_V_BOLTED, HPTE_V_VALID } from '@ppcvm/hpt-mmu';
import { Access, type Cpu, disassemble, layout, SPR } from '@ppcvm/ppc-cpu';
import { readCpuMemory } from '../gdb/cpu-state.js';
import type { MachineDebugTarget } from '../gdb/machine-target.js';
import type { Machine } from '../machine.js';

/** Most units one `x` prints (a hostile count must not flood the terminal or the heap). */
export const MAX_EXAMINE = 4096;

export interface MonitorOptions {
  readonly machine: Machine;
  /** The gdbstub's target, when ppcvm serves gdb: `cont` does not override gdb's hold. */
  readonly debug?: MachineDebugTarget;
  /** `quit` (default: `machine.quit()`, ppcvm exits with status 0). */
  readonly quit?: () => void;
  /** The banner's version string. */
  readonly version?: string;
}

export const MONITOR_HELP = `cont|c                  resume the vCPUs (after stop or -S)
cpu N                   select vCPU N for x and info tlb
help|?                  this list
info cpus               the vCPUs: PC, state
info hpt                hashed page table: size, valid and bolted entries, page sizes
info registers [N]      registers of every vCPU, or of vCPU N
info tlb|slb            the SLB of the selected vCPU
quit|q                  end ppcvm (exit status 0)
stop                    pause the vCPUs
system_reset            reset the machine (reload the kernel, restart vCPU 0)
x /FMT ADDR             guest memory at an effective address of the selected vCPU:
                        FMT = [COUNT][x|i][b|h|w|g], e.g. x/8i $pc, x/4xg 0xc000000000000000
xp /FMT ADDR            the same at a guest physical address
ADDR: a number (0x... hex, else decimal), $pc $lr $ctr $msr $sp $rN, or a kernel symbol,
      with + and - terms (start_kernel+0x10, $r1-16)
`;

class MonitorError extends Error {}

const hex16 = (v: bigint) => BigInt.asUintN(64, v).toString(16).padStart(16, '0');
const hex8 = (v: number | bigint) => BigInt.asUintN(32, BigInt(v)).toString(16).padStart(8, '0');

export class Monitor {
  private current = 0;
  readonly banner: string;

  constructor(private readonly opts: MonitorOptions) {
    this.banner = `ppcvm ${opts.version ?? ''} monitor - type 'help' for more information\n`.replace('  ', ' ');
  }

  private get machine(): Machine {
    return this.opts.machine;
  }

  /** The selected vCPU (for x and info tlb). */
  get cpuIndex(): number {
    return this.current;
  }

  /** Run one command line; returns its output ('' for none), each line ending in '\n'. Never throws. */
  execute(line: string): string {
    try {
      return this.run(line.trim());
    } catch (e) {
      if (e instanceof MonitorError) return `${e.message}\n`;
      return `error: ${e instanceof Error ? e.message : String(e)}\n`;
    }
  }

  private run(line: string): string {
    if (line === '') return '';
    // `x/4i $pc`: the format is glued to the command name.
    const m = /^([a-z_?]+)(\/\S*)?\s*(.*)$/i.exec(line);
    if (!m) throw new MonitorError(`unknown command: '${clip(line)}'`);
    const cmd = m[1]!.toLowerCase();
    const fmt = m[2];
    let rest = m[3]!;
    if (fmt !== undefined && cmd !== 'x' && cmd !== 'xp') throw new MonitorError(`unknown command: '${clip(line)}'`);
    switch (cmd) {
      case 'help':
      case '?':
        return MONITOR_HELP;
      case 'info':
        return this.info(rest.trim());
      case 'x':
      case 'xp': {
        let f = fmt;
        // `x /4i ADDR` (QEMU's spelling) as well as `x/4i ADDR`.
        if (f === undefined && rest.startsWith('/')) {
          const sp = /^(\/\S*)\s*(.*)$/.exec(rest)!;
          f = sp[1];
          rest = sp[2]!;
        }
        return this.examine(cmd === 'xp', f ?? '', rest.trim());
      }
      case 'cpu':
        return this.selectCpu(rest.trim());
      case 'stop':
        this.noArgs(cmd, rest);
        this.machine.hold('monitor');
        return '';
      case 'cont':
      case 'c':
        this.noArgs(cmd, rest);
        return this.cont();
      case 'system_reset':
        this.noArgs(cmd, rest);
        this.machine.systemReset();
        return '';
      case 'quit':
      case 'q':
        this.noArgs(cmd, rest);
        (this.opts.quit ?? (() => this.machine.quit()))();
        return '';
      default:
        throw new MonitorError(`unknown command: '${clip(cmd)}' (try 'help')`);
    }
  }

  private noArgs(cmd: string, rest: string): void {
    if (rest.trim() !== '') throw new MonitorError(`${cmd}: takes no arguments`);
  }

  private cont(): string {
    const m = this.machine;
    const debug = this.opts.debug;
    if (debug?.attached && m.holdReasons.has('debugger')) {
      throw new MonitorError("cont: gdb holds the vCPUs stopped; resume them from gdb ('continue')");
    }
    m.release('startup');
    m.release('monitor');
    return '';
  }

  private selectCpu(arg: string): string {
    const n = parseIndex(arg);
    if (n === undefined || !this.machine.vcpus[n]) throw new MonitorError(`cpu: no vCPU '${clip(arg)}'`);
    this.current = n;
    return '';
  }

  /**
   * With vCPU worker threads (thread=multi) the registers live in the workers: the Cpu objects
   * on this thread are not the running ones, so commands that read them refuse.
   */
  private needLocalCpus(what: string): void {
    if (this.machine.threadMode === 'multi') {
      throw new MonitorError(
        `${what}: not available while the vCPUs run in worker threads; use -accel hv,thread=single`,
      );
    }
  }

  private cpu(): Cpu {
    this.needLocalCpus('vCPU state');
    const v = this.machine.vcpus[this.current] ?? this.machine.vcpus[0]!;
    return v.cpu;
  }

  // ---- info ------------------------------------------------------------------------------------

  private info(what: string): string {
    const [sub, ...args] = what.split(/\s+/);
    switch (sub) {
      case 'registers': {
        if (args.length > 1) throw new MonitorError('info registers: at most one vCPU number');
        this.needLocalCpus('info registers');
        const vcpus = this.machine.vcpus;
        if (args.length === 1) {
          const n = parseIndex(args[0]!);
          if (n === undefined || !vcpus[n]) throw new MonitorError(`info registers: no vCPU '${clip(args[0]!)}'`);
          return registers(vcpus[n]!.cpu, n);
        }
        return vcpus.map((v) => registers(v.cpu, v.index)).join('\n');
      }
      case 'cpus':
        this.noArgs('info cpus', args.join(' '));
        return this.cpus();
      case 'hpt':
        this.noArgs('info hpt', args.join(' '));
        return this.hpt();
      case 'tlb':
      case 'slb':
        this.noArgs(`info ${sub}`, args.join(' '));
        return this.slb();
      case '':
      case undefined:
        throw new MonitorError('info: registers, cpus, hpt or tlb');
      default:
        throw new MonitorError(`info: unknown item '${clip(sub)}' (registers, cpus, hpt, tlb)`);
    }
  }

  private cpus(): string {
    const holds = [...this.machine.holdReasons];
    let s = '';
    const workers = this.machine.threadMode === 'multi';
    for (const v of this.machine.vcpuStatus()) {
      const flags: string[] = [];
      if (v.state === 'stopped') flags.push('stopped by RTAS');
      else if (v.halted) flags.push('halted');
      // A worker publishes its PC at slice ends: say how current it is, with its count.
      if (workers) flags.push(`as of ${v.instructions} instructions`);
      s += `${v.index === this.current ? '*' : ' '} CPU #${v.index}: nip=0x${hex16(v.pc)}${flags.map((f) => ` (${f})`).join('')}\n`;
    }
    if (holds.length > 0) s += `vCPUs held stopped by: ${holds.join(', ')}\n`;
    return s;
  }

  private hpt(): string {
    const m = this.machine;
    const hpt = m.hpt;
    let valid = 0;
    let bolted = 0;
    const bySize = new Map<number, number>();
    for (let i = 0; i < hpt.nHptes; i++) {
      const vLo = hpt.vLo(i);
      if ((vLo & HPTE_V_VALID) === 0) continue;
      valid++;
      if (vLo & HPTE_V_BOLTED) bolted++;
      const enc = m.pageSizes.decodeNoSlb(vLo, hpt.rHi(i), hpt.rLo(i));
      bySize.set(enc, (bySize.get(enc) ?? 0) + 1);
    }
    let s = `HPT: ${sizeText(2 ** hpt.shift)} (2^${hpt.shift} bytes), ${hpt.nPtegs} PTEGs, ${hpt.nHptes} entries\n`;
    s += `valid: ${valid} (${hpt.nHptes > 0 ? ((100 * valid) / hpt.nHptes).toFixed(1) : '0'}%), bolted: ${bolted}\n`;
    const sizes = [...bySize].sort((a, b) => a[0] - b[0]);
    for (const [enc, n] of sizes) {
      const base = enc >>> 8;
      const actual = enc & 0xff;
      const name =
        enc === 0
          ? 'unknown page size'
          : base === actual
            ? `${sizeText(2 ** actual)} pages`
            : `${sizeText(2 ** actual)} pages (base ${sizeText(2 ** base)})`;
      s += `  ${name}: ${n}\n`;
    }
    return s;
  }

  private slb(): string {
    const cpu = this.cpu();
    const slb = cpu.mmu?.mmu.slb;
    if (!slb) return `CPU #${this.current}: no SLB (not the hash MMU)\n`;
    let s = '';
    for (let i = 0; i < slb.size; i++) {
      const e = slb.entry(i);
      if (!e.valid) continue;
      const flags = [e.ks ? 'Ks' : '', e.kp ? 'Kp' : '', e.n ? 'N' : '', e.c ? 'C' : ''].filter((f) => f).join(' ');
      const mask = e.segment === '1T' ? 0xffffff0000000000n : 0xfffffffff0000000n;
      const vsid = e.segment === '1T' ? (e.vsid >> 24n) & 0xffffffffffn : (e.vsid >> 12n) & 0xfffffffffffffn;
      s +=
        `${String(i).padStart(2)}: ESID ${hex16(e.esid & mask)} VSID ${vsid.toString(16).padStart(13, '0')} ${e.segment.padEnd(4)} ${sizeText(2 ** e.basePageShift)} ${flags}`.trimEnd();
      s += '\n';
    }
    return s === '' ? `CPU #${this.current}: SLB empty\n` : `CPU #${this.current} SLB:\n${s}`;
  }

  // ---- x / xp ----------------------------------------------------------------------------------

  private examine(physical: boolean, fmt: string, expr: string): string {
    const f = /^(?:\/(\d*)([xi]?)([bhwg]?)([xi]?))?$/.exec(fmt);
    if (!f || (f[2] && f[4])) throw new MonitorError(`x: bad format '${clip(fmt)}' (e.g. /8i, /4x, /2xg)`);
    const count = f[1] ? Number(f[1]) : 1;
    if (!Number.isSafeInteger(count) || count < 1 || count > MAX_EXAMINE) {
      throw new MonitorError(`x: count must be 1..${MAX_EXAMINE}`);
    }
    const format = f[2] || f[4] || 'x';
    const unit = { b: 1, h: 2, w: 4, g: 8 }[f[3] || 'w']!;
    if (expr === '') throw new MonitorError('x: address missing');
    const cpu = this.cpu();
    const address = BigInt.asUintN(64, this.evaluate(expr, cpu));
    if (format === 'i') {
      if (unit !== 4) throw new MonitorError('x: instructions are words (no size letter with i)');
      return this.disassembleAt(cpu, physical, address, count);
    }
    const read = (a: bigint, n: number) => (physical ? this.readPhysical(a, n) : readCpuMemory(cpu, a, n));
    const bytes = read(address, count * unit);
    const perLine = unit === 8 ? 2 : unit === 1 ? 8 : 4;
    let s = '';
    for (let i = 0; i < count; i++) {
      const at = address + BigInt(i * unit);
      if (i % perLine === 0) s += `${i > 0 ? '\n' : ''}${hex16(at)}:`;
      if ((i + 1) * unit > bytes.length) {
        s += `\ncannot read memory at 0x${hex16(at)}`;
        break;
      }
      let v = 0n;
      for (let k = 0; k < unit; k++) {
        const byte = BigInt(bytes[i * unit + (cpu.le ? unit - 1 - k : k)]!);
        v = (v << 8n) | byte;
      }
      s += ` 0x${v.toString(16).padStart(unit * 2, '0')}`;
    }
    return `${s}\n`;
  }

  private disassembleAt(cpu: Cpu, physical: boolean, address: bigint, count: number): string {
    const symbols = this.machine.symbols;
    const model = this.machine.model.name;
    const symbol = (a: bigint) => symbols.format(a);
    const start = address & ~3n;
    const bytes = physical ? this.readPhysical(start, count * 4) : readCpuMemory(cpu, start, count * 4, Access.Fetch);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let s = '';
    for (let i = 0; i < count; i++) {
      const pc = BigInt.asUintN(64, start + BigInt(4 * i));
      if (4 * i + 4 > bytes.length) {
        s += `0x${hex16(pc)}: cannot read memory\n`;
        break;
      }
      const word = dv.getUint32(4 * i, cpu.le);
      const sym = symbols.format(pc);
      const text = disassemble(word, pc, { model, symbol }).text;
      s += `0x${hex16(pc)}${sym ? ` <${sym}>` : ''}:  ${hex8(word)}  ${text}\n`;
    }
    return s;
  }

  /** Guest RAM at a physical address (not the PR-mode shared pages after it: those are the VMM's). */
  private readPhysical(address: bigint, length: number): Uint8Array {
    const size = this.machine.ramSize;
    if (address >= BigInt(size)) return new Uint8Array(0);
    const a = Number(address);
    return this.machine.memory.u8.slice(a, Math.min(size, a + length));
  }

  /** `term (+|- term)*`, a term being a number, `$reg` or a symbol. */
  private evaluate(expr: string, cpu: Cpu): bigint {
    // Two operands with only blanks between them is a typo, not a sum.
    if (/[^\s+-]\s+[^\s+-]/.test(expr)) throw new MonitorError(`bad address '${clip(expr)}'`);
    const parts = expr.replace(/\s+/g, '').split(/(?=[+-])/);
    let v = 0n;
    for (const [i, p] of parts.entries()) {
      let sign = 1n;
      let t = p;
      if (t.startsWith('+') || t.startsWith('-')) {
        sign = t.startsWith('-') ? -1n : 1n;
        t = t.slice(1);
      } else if (i > 0) throw new MonitorError(`bad address '${clip(expr)}'`);
      v += sign * this.term(t, cpu, expr);
    }
    return v;
  }

  private term(t: string, cpu: Cpu, expr: string): bigint {
    if (/^0x[0-9a-f]{1,16}$/i.test(t)) return BigInt(t);
    if (/^\d{1,20}$/.test(t)) return BigInt(t);
    if (t.startsWith('$')) {
      const r = t.slice(1).toLowerCase();
      const gpr = /^r?(\d{1,2})$/.exec(r);
      if (gpr && Number(gpr[1]) < 32) return cpu.getGpr(Number(gpr[1]));
      switch (r) {
        case 'pc':
        case 'nip':
          return cpu.pcBig();
        case 'lr':
          return cpu.get64(layout.LR);
        case 'ctr':
          return cpu.get64(layout.CTR);
        case 'msr':
          return cpu.get64(layout.MSR);
        case 'sp':
          return cpu.getGpr(1);
      }
      throw new MonitorError(`unknown register '${clip(t)}'`);
    }
    if (/^[A-Za-z_.][\w.$]*$/.test(t)) {
      const a = this.machine.symbols.addressOf(t);
      if (a !== undefined) return a;
      throw new MonitorError(`unknown symbol '${clip(t)}'`);
    }
    throw new MonitorError(`bad address '${clip(expr)}'`);
  }
}

function parseIndex(s: string): number | undefined {
  return /^\d{1,6}$/.test(s) ? Number(s) : undefined;
}

function clip(s: string): string {
  const t = s.replace(/[^\x20-\x7e]/g, '?');
  return t.length > 40 ? `${t.slice(0, 40)}...` : t;
}

function sizeText(bytes: number): string {
  for (const [unit, n] of [
    ['T', 2 ** 40],
    ['G', 2 ** 30],
    ['M', 2 ** 20],
    ['K', 2 ** 10],
  ] as const) {
    if (bytes >= n && bytes % n === 0) return `${bytes / n}${unit}`;
  }
  return `${bytes}B`;
}

/** QEMU's `info registers` layout (target/ppc ppc_cpu_dump_state), for one vCPU. */
function registers(cpu: Cpu, index: number): string {
  const spr = (n: number) => hex16(cpu.getSpr(n));
  const msr = cpu.pr ? guestMsrBig(cpu) : cpu.get64(layout.MSR);
  let s = `CPU#${index}\n`;
  s += `NIP ${hex16(cpu.pcBig())}   LR ${hex16(cpu.get64(layout.LR))} CTR ${hex16(cpu.get64(layout.CTR))} XER ${hex16(BigInt(cpu.getXer() >>> 0))}\n`;
  const bit = (b: number) => ((msr >> BigInt(b)) & 1n).toString();
  s += `MSR ${hex16(msr)}  SF ${bit(63)} HV ${bit(60)} EE ${bit(15)} PR ${bit(14)} FP ${bit(13)} ME ${bit(12)} IR ${bit(5)} DR ${bit(4)} RI ${bit(1)} LE ${bit(0)}\n`;
  s += `TB ${hex16(BigInt(Math.max(0, Math.floor(cpu.tb()))))} DECR ${hex8(Number(cpu.getSpr(SPR.DEC) & 0xffffffffn))}${cpu.halted ? '  (halted)' : ''}\n`;
  for (let i = 0; i < 32; i += 4) {
    s += `GPR${String(i).padStart(2, '0')}`;
    for (let k = i; k < i + 4; k++) s += ` ${hex16(cpu.getGpr(k))}`;
    s += '\n';
  }
  const cr = cpu.getCr() >>> 0;
  // One letter per field: LT, GT or EQ (or '-'), then O when SO is set.
  const fields = Array.from({ length: 8 }, (_, f) => {
    const v = (cr >>> (28 - 4 * f)) & 0xf;
    return `${v & 8 ? 'L' : v & 4 ? 'G' : v & 2 ? 'E' : '-'}${v & 1 ? 'O' : ' '}`;
  });
  s += `CR ${hex8(cr)}  [ ${fields.join(' ')} ]\n`;
  s += `SRR0 ${spr(SPR.SRR0)} SRR1 ${spr(SPR.SRR1)}  PVR ${hex8(cpu.pvr)} PIR ${cpu.pir}\n`;
  s += `HSRR0 ${spr(SPR.HSRR0)} HSRR1 ${spr(SPR.HSRR1)}\n`;
  s += `SPRG0 ${spr(SPR.SPRG0)} SPRG1 ${spr(SPR.SPRG1)} SPRG2 ${spr(SPR.SPRG2)} SPRG3 ${spr(SPR.SPRG3)}\n`;
  s += `DAR ${spr(SPR.DAR)} DSISR ${hex8(Number(cpu.getSpr(SPR.DSISR) & 0xffffffffn))} CFAR ${spr(SPR.CFAR)}\n`;
  s += `LPCR ${spr(SPR.LPCR)} AMR ${spr(SPR.AMR)} FPSCR ${hex8(cpu.getFpscr())}\n`;
  return s;
}

function guestMsrBig(cpu: Cpu): bigint {
  const [lo, hi] = cpu.pr!.guestMsr();
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
