import { describe, expect, it } from 'vitest';
import { disassemble } from '../src/disasm.js';

describe('disassembler', () => {
  // Expected text from powerpc64le-linux-gnu-objdump 2.40 (spacing normalised).
  it.each([
    [0x38610010, 0x1000n, 'addi r3,r1,16'],
    [0xf821ffe1, 0x1000n, 'stdu r1,-32(r1)'],
    [0x7c832378, 0x1000n, 'mr r3,r4'],
    [0x60000000, 0x1000n, 'nop'],
    [0x4e800020, 0x1000n, 'blr'],
    [0x4e800421, 0x1000n, 'bctrl'],
    [0x4dee0020, 0x1000n, 'beqlr+ cr3'],
    [0x419e0010, 0x101cn, 'beq cr7,102c'],
    [0x40820008, 0x1020n, 'bne 1028'],
    [0x4bfffff1, 0x1024n, 'bl 1014'],
    [0x48000003, 0x1000n, 'bla 0'],
    [0x4cc63182, 0x1000n, 'crclr 4*cr1+eq'],
    [0x7c7a03a6, 0x1000n, 'mtsrr0 r3'],
    [0x7c7042a6, 0x1000n, 'mfsprg r3,0'],
    [0x7c6fcba6, 0x1000n, 'mttar r3'],
    [0x7f7bdb78, 0x1000n, 'yield'],
    [0x7c0004ac, 0x1000n, 'hwsync'],
    [0x7c4d1a64, 0x1000n, 'tlbie r3,r2,3,0,1'],
    [0x0b030000, 0x1000n, 'tdnei r3,0'],
    [0x7e800008, 0x1000n, 'twle r0,r0'],
    [0x44000002, 0x1000n, 'sc'],
    [0x7c6005e6, 0x1000n, 'darn r3,0'],
    [0xfc443004, 0x1000n, 'daddq f2,f4,f6'],
    [0xec5e2286, 0x1000n, 'dquai -2,f2,f4,1'],
    [0x7c00007c, 0x1000n, 'wait'],
    [0x4e860420, 0x1000n, 'bcctr 20,4*cr1+eq'],
    // Not instructions: a reserved bit set (slbia RA field), an unassigned opcode.
    [0x7c0e03e4, 0x1000n, '.long 0x7c0e03e4'],
    [0x00000000, 0x1000n, '.long 0x0'],
  ])('%s at %s', (word, pc, text) => {
    const d = disassemble(word, pc);
    expect(d.operands === '' ? d.mnemonic : `${d.mnemonic} ${d.operands}`).toBe(text);
  });

  it('pads the mnemonic to 8 columns like objdump', () => {
    expect(disassemble(0x38610010).text).toBe('addi    r3,r1,16');
    expect(disassemble(0x7c6fcba6).text).toBe('mttar   r3');
    expect(disassemble(0x7f7bdb78).text).toBe('yield');
    expect(disassemble(0x7c0e075d).text).toBe('treclaim. r14');
  });

  it('wraps branch targets at 64 bits and names them on request', () => {
    expect(disassemble(0x4bfffff0, 0n).operands).toBe('fffffffffffffff0');
    const d = disassemble(0x48000011, 0xc000000000001000n, {
      hexPrefix: true,
      symbol: (a) => (a === 0xc000000000001010n ? 'memcpy' : undefined),
    });
    expect(d.text).toBe('bl      0xc000000000001010 <memcpy>');
  });

  it('decodes only what the selected CPU model implements', () => {
    expect(disassemble(0x7c6005e6, 0n, { model: 'power9' }).mnemonic).toBe('darn');
    expect(disassemble(0x7c6005e6, 0n, { model: 'power8' }).mnemonic).toBe('.long');
    expect(disassemble(0x4c000364, 0n, { model: 'power8' }).mnemonic).toBe('nap');
    expect(disassemble(0x4c000364, 0n, { model: 'power9' }).mnemonic).toBe('.long');
  });
});
