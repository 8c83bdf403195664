/**
 * Interim translator for tests only: real mode (MSR[IR]=MSR[DR]=0), where a
 * virtual-hypervisor partition's effective address is its guest physical
 * address with the top four bits ignored (ISA 2.07B Book III-S §5.7.3),
 * bounded by RAM. Relocation on is refused loudly: the system MMU of
 * @ppcvm/ppc-cpu is not integrated yet.
 */
import { Access, type AddressTranslator, layout, TranslateFault } from '@ppcvm/ppc-cpu';
import type { MmuFactory } from '../../src/index.js';

const MSR_IR = 1 << 5;
const MSR_DR = 1 << 4;

export const realModeMmu: MmuFactory = ({ cpu, memory }): AddressTranslator => ({
  translate(eaHi, eaLo, access) {
    const msr = cpu.s[layout.MSR]!;
    const reloc = access === Access.Fetch ? msr & MSR_IR : msr & MSR_DR;
    if (reloc) throw new Error('test translator: relocation on is not supported');
    const hi = eaHi & 0x0fffffff;
    const page = hi * 2 ** 32 + ((eaLo & ~0xfff) >>> 0);
    return page + 4096 <= memory.size ? page : TranslateFault.Unmapped;
  },
});
