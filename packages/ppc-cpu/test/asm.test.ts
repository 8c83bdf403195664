import { describe, expect, it } from 'vitest';
import { AsmError, assemble, assemblerMnemonics } from '../src/asm.js';
import { disassemble } from '../src/disasm.js';

/** Words of an assembled program (little-endian unless told). */
function words(src: string, base = 0x1000n, endian: 'le' | 'be' = 'le'): number[] {
  const { bytes } = assemble(src, { base, endian });
  const dv = new DataView(bytes.buffer);
  const out: number[] = [];
  for (let o = 0; o + 4 <= bytes.length; o += 4) out.push(dv.getUint32(o, endian === 'le'));
  return out;
}
const one = (src: string, base = 0x1000n) => words(src, base)[0]!;

function errorOf(src: string): AsmError {
  try {
    assemble(src, { base: 0n });
  } catch (e) {
    if (e instanceof AsmError) return e;
    throw e;
  }
  throw new Error('assembled without error');
}

describe('assembler: instructions', () => {
  // Expected words checked against powerpc64le-linux-gnu-objdump 2.40.
  it.each([
    ['li r3,0', 0x38600000],
    ['addi r3,r1,16', 0x38610010],
    ['std r0,16(r1)', 0xf8010010],
    ['stdu r1,-32(r1)', 0xf821ffe1],
    ['lwzx r3,0,r4', 0x7c60202e],
    ['mr r3,r4', 0x7c832378],
    ['mr. r3,r4', 0x7c832379],
    ['addo. r3,r4,r5', 0x7c642e15],
    ['nop', 0x60000000],
    ['cmpwi cr7,r3,-5', 0x2f83fffb],
    ['cmpld r3,r4', 0x7c232040],
    ['rlwinm r3,r4,5,0,26', 0x54832834],
    ['slwi r3,r4,5', 0x54832834],
    ['srdi r3,r4,5', 0x7883d942],
    ['clrldi r3,r4,5', 0x78830140],
    ['crclr 4*cr1+eq', 0x4cc63182],
    ['mflr r0', 0x7c0802a6],
    ['mtsprg 1,r3', 0x7c7143a6],
    ['mftb r3', 0x7c6c42e6],
    ['hwsync', 0x7c0004ac],
    ['lwsync', 0x7c2004ac],
    ['tdnei r3,0', 0x0b030000],
    ['trap', 0x7fe00008],
    ['blr', 0x4e800020],
    ['bctrl', 0x4e800421],
    ['beqlr+ cr3', 0x4dee0020],
    ['bnslrl+', 0x4ce30021],
    ['bunlr', 0x4d830020],
    ['sc', 0x44000002],
    ['mtmsrd r3,1', 0x7c610164],
    ['tlbie r3,r4,2,1,1', 0x7c8b1a64],
    ['dquai -2,f2,f4,1', 0xec5e2286],
    ['ldcix r3,0,r4', 0x7c6026ea],
    // addis/lis take 0x8000..0xffff as the negative halfword (binutils SISIGNOPT).
    ['lis r3,0xffff', 0x3c60ffff],
    ['addis r4,r4,0x8000', 0x3c848000],
    // Bare register numbers, as GNU as accepts them.
    ['addi 3,1,16', 0x38610010],
    ['std 0,16(1)', 0xf8010010],
  ])('%s', (src, word) => {
    expect(one(src)).toBe(word);
  });

  it('assembler macros expand to the right base instruction', () => {
    const cases: [string, string][] = [
      ['extlwi r3,r4,8,4', 'rlwinm r3,r4,4,0,7'],
      ['extrwi r3,r4,8,4', 'rlwinm r3,r4,12,24,31'],
      ['inslwi r3,r4,8,4', 'rlwimi r3,r4,28,4,11'],
      ['insrwi r3,r4,8,4', 'rlwimi r3,r4,20,4,11'],
      ['rotrwi r3,r4,5', 'rotlwi r3,r4,27'],
      ['clrlslwi r3,r4,20,4', 'rlwinm r3,r4,4,16,27'],
      ['extldi r3,r4,8,4', 'rldicr r3,r4,4,7'],
      ['extrdi r3,r4,8,4', 'rldicl r3,r4,12,56'],
      ['insrdi r3,r4,8,4', 'rldimi r3,r4,52,4'],
      ['rotrdi r3,r4,5', 'rotldi r3,r4,59'],
      ['clrlsldi r3,r4,20,4', 'rldic r3,r4,4,16'],
      ['sub r3,r4,r5', 'subf r3,r5,r4'],
      ['subc. r3,r4,r5', 'subfc. r3,r5,r4'],
      ['subi r3,r4,16', 'addi r3,r4,-16'],
      ['subis r3,r4,1', 'addis r3,r4,-1'],
      ['subic. r3,r4,1', 'addic. r3,r4,-1'],
      ['la r3,-8(r1)', 'addi r3,r1,-8'],
      ['mtsprg0 r3', 'mtsprg 0,r3'],
      ['mtspr srr0,r3', 'mtsrr0 r3'],
      ['twlnl r3,r4', 'twlge r3,r4'],
      ['msync', 'hwsync'],
      ['sync 1', 'lwsync'],
      ['dcbf r3,r4,1', 'dcbfl r3,r4'],
      ['mftb r3,269', 'mftbu r3'],
      ['cp_abort', 'cpabort'],
    ];
    for (const [src, text] of cases) {
      const d = disassemble(one(src), 0x1000n);
      expect(`${d.mnemonic} ${d.operands}`.trim(), src).toBe(text);
    }
  });

  it('knows every base and extended mnemonic the disassembler prints', () => {
    const names = new Set(assemblerMnemonics());
    for (const m of [
      'bdnzlr+',
      'bdnzf',
      'beqla-',
      'bnectrl',
      'btar',
      'crset',
      'mfhsrr1',
      'mtlpcr',
      'rotldi.',
      'subfo.',
      'dtstdgq',
      'slbfee.',
      'tendall.',
    ]) {
      expect(names.has(m), m).toBe(true);
    }
    // Old 'y'-bit hint spellings (bdnzflr+) are printed for such words but not assembled.
    expect(names.has('bdnzflr+')).toBe(false);
    expect(assemblerMnemonics('power7')).not.toContain('darn');
    expect(assemblerMnemonics('power9')).toContain('darn');
  });
});

describe('assembler: labels, expressions, directives', () => {
  it('resolves named and numeric local labels in both directions', () => {
    const src = `
start:  li r3,0          # comment
1:      addi r3,r3,1
        cmpwi cr7,r3,10
        blt cr7,1b
        beq 1f
        b start
1:      blr
`;
    const w = words(src);
    expect(w.map((x, i) => disassemble(x, 0x1000n + BigInt(4 * i)).text.replace(/\s+/g, ' '))).toEqual([
      'li r3,0',
      'addi r3,r3,1',
      'cmpwi cr7,r3,10',
      'blt cr7,1004',
      'beq 1018',
      'b 1000',
      'blr',
    ]);
  });

  it('evaluates expressions with relocation operators', () => {
    const src = `
        value = 0x123456789abcdef0
        lis r3,value@highest
        ori r3,r3,value@higher
        sldi r3,r3,32
        oris r3,r3,value@h
        ori r3,r3,value@l
        addis r4,r2,(target-start)@ha
        addi r4,r4,(target-start)@l
        li r5,(1<<4)|3
        li r6,-(2*3)
        li r7,'A'
start:  .space 0x18000
target: nop
`;
    const w = words(src);
    expect(w.slice(0, 7)).toEqual([0x3c601234, 0x60635678, 0x786307c6, 0x64639abc, 0x6063def0, 0x3c820002, 0x38848000]);
    expect(w.slice(7, 10)).toEqual([0x38a00013, 0x38c0fffa, 0x38e00041]);
  });

  it('@ha rounds so that @ha<<16 plus the signed @l gives the value back', () => {
    const { symbols, bytes } = assemble('x = 0x12348000\nlis r3,x@ha\naddi r3,r3,x@l', { base: 0n });
    const dv = new DataView(bytes.buffer);
    expect(symbols.get('x')).toBe(0x12348000n);
    expect(dv.getUint32(0, true)).toBe(0x3c601235);
    expect(dv.getUint32(4, true)).toBe(0x38638000);
  });

  it('lays out data directives and reports symbols', () => {
    const src = `
        .byte 1, 2, -1
        .align 2
        .short 0x1234
        .balign 8
here:   .quad here
        .long 0xdeadbeef; .4byte -1
msg:    .asciz "hi\\n"
        .ascii "#;"
        .org 0x40
end:
`;
    const { bytes, symbols } = assemble(src, { base: 0x8000n });
    expect([...bytes.subarray(0, 6)]).toEqual([1, 2, 255, 0, 0x34, 0x12]);
    expect(symbols.get('here')).toBe(0x8008n);
    expect(new DataView(bytes.buffer).getBigUint64(8, true)).toBe(0x8008n);
    expect([...bytes.subarray(16, 24)]).toEqual([0xef, 0xbe, 0xad, 0xde, 0xff, 0xff, 0xff, 0xff]);
    expect(String.fromCharCode(...bytes.subarray(24, 30))).toBe('hi\n\0#;');
    expect(symbols.get('end')).toBe(0x8040n);
    expect(bytes.length).toBe(0x40);
  });

  it('emits big-endian code on request', () => {
    const { bytes } = assemble('li r3,1', { base: 0n, endian: 'be' });
    expect([...bytes]).toEqual([0x38, 0x60, 0x00, 0x01]);
  });

  it('encodes branch targets relative to the instruction and absolute ones for AA=1', () => {
    expect(words('b 0x1010\nba 0x100\nbl 0xff0', 0x1000n)).toEqual([0x48000010, 0x48000102, 0x4bffffe9]);
    // objdump prints absolute targets as 32-bit numbers: 0xfffffffc is -4.
    expect(one('ba 0xfffffffc', 0n)).toBe(0x4bfffffe);
  });
});

describe('assembler: errors', () => {
  it('reports every problem with its line number', () => {
    const e = errorOf('nop\nfrobnicate r3\nli r3,0x12345\nlwz r3,8(f1)\nb nowhere\n');
    expect(e.diagnostics.map((d) => d.line)).toEqual([2, 3, 4, 5]);
    expect(e.diagnostics[0]!.message).toContain("unknown instruction 'frobnicate'");
    expect(e.diagnostics[1]!.message).toContain('out of range');
    expect(e.diagnostics[2]!.message).toContain('is not a general register');
    expect(e.diagnostics[3]!.message).toContain("undefined symbol 'nowhere'");
    expect(e.message).toContain('line 3:');
  });

  it('names the model an instruction is missing from', () => {
    expect(() => assemble('darn r3,0', { base: 0n, model: 'power8' })).toThrow("'darn' is not available on power8");
    expect(() => assemble('nap', { base: 0n, model: 'power9' })).toThrow("'nap' is not available on power9");
  });

  it('rejects misaligned displacements, bad operand counts, duplicates and invalid forms', () => {
    expect(errorOf('ld r3,6(r1)').message).toContain('multiple of 4');
    expect(errorOf('add r3,r4').message).toContain('expected 3 operands');
    expect(errorOf('a: nop\na: nop').message).toContain("'a' defined twice");
    expect(errorOf('lwzu r3,8(r3)').message).toContain('invalid instruction form');
    expect(errorOf('.byte 1\nnop').message).toContain('not 4-byte aligned');
    expect(errorOf('slwi r3,r4,32').message).toContain('out of range');
    expect(errorOf('.frob 1').message).toContain("unknown directive '.frob'");
  });
});
