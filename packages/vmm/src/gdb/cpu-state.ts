/**
 * A vCPU's registers and memory as a debugger sees them: gdb register numbers
 * (./registers.ts) over the Cpu state block, and guest memory at effective
 * addresses translated as the vCPU would, without side effects on the guest
 * (no HPTE R/C update, no paravirt count). Shared by the debug targets and
 * the monitor.
 */
import { Access, type Cpu, layout } from '@ppcvm/ppc-cpu';
import { REGNUM } from './registers.js';

const MASK64 = (1n << 64n) - 1n;
const PAGE = 4096;

/** Register value by gdb register number; undefined when out of range. */
export function readCpuRegister(cpu: Cpu, regnum: number): bigint | undefined {
  const s = cpu.s;
  const u = (i: number) => BigInt(s[i]! >>> 0);
  const pair = (lo: number) => (u(lo + 1) << 32n) | u(lo);
  if (!Number.isInteger(regnum) || regnum < 0) return undefined;
  if (regnum < 32) return cpu.getGpr(regnum);
  // FPR i is doubleword 0 of VSR i: the high half of the little-endian 128-bit slot (state.ts).
  if (regnum < REGNUM.PC) return pair(layout.VSR_I32 + 4 * (regnum - REGNUM.F0) + 2);
  switch (regnum) {
    case REGNUM.PC:
      return cpu.get64(layout.PC);
    case REGNUM.MSR: {
      // PR mode: the guest kernel's MSR (the real one always has PR=1).
      if (cpu.pr) {
        const [lo, hi] = cpu.pr.guestMsr();
        return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
      }
      return cpu.get64(layout.MSR);
    }
    case REGNUM.CR:
      return BigInt(cpu.getCr());
    case REGNUM.LR:
      return cpu.get64(layout.LR);
    case REGNUM.CTR:
      return cpu.get64(layout.CTR);
    case REGNUM.XER:
      return BigInt(cpu.getXer());
    case REGNUM.FPSCR:
      return BigInt(cpu.getFpscr());
    case REGNUM.VSCR:
      return BigInt(cpu.getVscr());
    case REGNUM.VRSAVE:
      return u(layout.VRSAVE);
  }
  if (regnum >= REGNUM.VR0 && regnum < REGNUM.VSCR) {
    const base = layout.VSR_I32 + 4 * (layout.VR_BASE + regnum - REGNUM.VR0);
    return (pair(base + 2) << 64n) | pair(base);
  }
  // vsNh: doubleword 1 (the low half) of VSR N.
  if (regnum >= REGNUM.VS0H && regnum < REGNUM.COUNT) return pair(layout.VSR_I32 + 4 * (regnum - REGNUM.VS0H));
  return undefined;
}

/** Write a register by gdb register number; false when there is no such register. */
export function writeCpuRegister(cpu: Cpu, regnum: number, value: bigint): boolean {
  const s = cpu.s;
  const v = BigInt.asUintN(128, value);
  const lo32 = (x: bigint) => Number(x & 0xffffffffn) | 0;
  const setPair = (lo: number, x: bigint) => {
    s[lo] = lo32(x);
    s[lo + 1] = lo32(x >> 32n);
  };
  if (!Number.isInteger(regnum) || regnum < 0 || regnum >= REGNUM.COUNT) return false;
  if (regnum < 32) {
    cpu.setGpr(regnum, v);
    return true;
  }
  if (regnum < REGNUM.PC) {
    setPair(layout.VSR_I32 + 4 * (regnum - REGNUM.F0) + 2, v);
    return true;
  }
  switch (regnum) {
    case REGNUM.PC:
      // Instructions are word aligned (Book I §2.3): the low two bits do not exist.
      cpu.set64(layout.PC, v & MASK64 & ~3n);
      return true;
    case REGNUM.MSR: {
      const hi = lo32(v >> 32n);
      const lo = lo32(v);
      if (cpu.pr) cpu.pr.setGuestMsr(hi, lo);
      else cpu.setMsr(hi, lo);
      return true;
    }
    case REGNUM.CR:
      cpu.setCr(lo32(v));
      return true;
    case REGNUM.LR:
      cpu.set64(layout.LR, v & MASK64);
      return true;
    case REGNUM.CTR:
      cpu.set64(layout.CTR, v & MASK64);
      return true;
    case REGNUM.XER:
      cpu.setXer(lo32(v));
      return true;
    case REGNUM.FPSCR:
      s[layout.FPSCR] = lo32(v);
      return true;
    case REGNUM.VSCR:
      s[layout.VSCR] = lo32(v);
      return true;
    case REGNUM.VRSAVE:
      s[layout.VRSAVE] = lo32(v);
      return true;
  }
  if (regnum >= REGNUM.VR0 && regnum < REGNUM.VSCR) {
    const base = layout.VSR_I32 + 4 * (layout.VR_BASE + regnum - REGNUM.VR0);
    setPair(base, v & MASK64);
    setPair(base + 2, v >> 64n);
    return true;
  }
  setPair(layout.VSR_I32 + 4 * (regnum - REGNUM.VS0H), v & MASK64);
  return true;
}

/**
 * RAM offset of the 4 KiB page holding EA (hi:lo) as `cpu` would translate an access of
 * this kind, without side effects; negative when unmapped. In system mode this is
 * `SystemMmu.probe` (MSR[IR/DR], SLB/HPT without R/C, real mode, PR magic page); other
 * translators (user mode, test doubles) are assumed to be side-effect free.
 */
export function debugTranslate(cpu: Cpu, hi: number, lo: number, access: Access): number {
  const mmu = cpu.mmu;
  const off = cpu.system && mmu ? mmu.probe(hi, lo, access) : cpu.translator.translate(hi, lo & ~0xfff, access);
  if (off < 0 || off >= cpu.ram.byteLength) return -1;
  return off;
}

/** RAM offset and length of each page piece of [address, address+length); undefined if the first is unmapped. */
function pieces(
  cpu: Cpu,
  address: bigint,
  length: number,
  access: Access,
  whole: boolean,
): { off: number; n: number }[] | undefined {
  const out: { off: number; n: number }[] = [];
  let done = 0;
  while (done < length) {
    const ea = (address + BigInt(done)) & MASK64;
    const hi = Number(ea >> 32n) | 0;
    const lo = Number(ea & 0xffffffffn) | 0;
    const inPage = lo & 0xfff;
    let page = debugTranslate(cpu, hi, lo, access);
    // A debugger may write where the guest may not (read-only or clean pages), as ptrace does.
    if (page < 0 && access === Access.Store) page = debugTranslate(cpu, hi, lo, Access.Load);
    const n = page < 0 ? 0 : Math.min(PAGE - inPage, length - done, cpu.ram.byteLength - (page + inPage));
    if (n <= 0) return done === 0 || whole ? undefined : out;
    out.push({ off: page + inPage, n });
    done += n;
  }
  return out;
}

/**
 * Read guest memory at an effective address as `cpu` translates a load (`Access.Fetch`:
 * an instruction fetch, MSR[IR]). Returns the bytes up to the first unreadable one.
 */
export function readCpuMemory(cpu: Cpu, address: bigint, length: number, access: Access = Access.Load): Uint8Array {
  if (!(length > 0)) return new Uint8Array(0);
  const parts = pieces(cpu, address, length, access, false) ?? [];
  const total = parts.reduce((a, p) => a + p.n, 0);
  const data = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    data.set(cpu.u8.subarray(p.off, p.off + p.n), at);
    at += p.n;
  }
  return data;
}

/**
 * Write guest memory at an effective address (same translation), all or nothing. Every Cpu
 * in `all` drops the predecoded code the write may have changed.
 */
export function writeCpuMemory(cpu: Cpu, all: readonly Cpu[], address: bigint, data: Uint8Array): boolean {
  const parts = pieces(cpu, address, data.length, Access.Store, true);
  if (!parts) return false;
  let at = 0;
  for (const p of parts) {
    cpu.u8.set(data.subarray(at, at + p.n), p.off);
    at += p.n;
    for (const c of all) c.invalidateCode(p.off, p.n);
  }
  return true;
}
