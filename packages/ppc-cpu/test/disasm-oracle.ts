/**
 * Test helpers for comparing our disassembler with binutils' objdump: a tiny
 * ELF64 section reader, an objdump runner whose normalised output is cached
 * next to the fixtures (keyed by the file's sha256 and the objdump version),
 * and the normalisation both sides go through.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gunzipSync, gzipSync } from 'node:zlib';

export const OBJDUMP = 'powerpc64le-linux-gnu-objdump';

export interface ElfSection {
  readonly name: string;
  readonly addr: bigint;
  readonly offset: number;
  readonly size: number;
}

/** Sections of a little-endian ELF64 file. */
export function elfSections(buf: Buffer): ElfSection[] {
  if (buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 2 || buf[5] !== 1)
    throw new Error('not a little-endian ELF64 file');
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const shstrndx = buf.readUInt16LE(0x3e);
  const raw = (i: number) => {
    const o = shoff + i * shentsize;
    return {
      name: buf.readUInt32LE(o),
      addr: buf.readBigUInt64LE(o + 0x10),
      offset: Number(buf.readBigUInt64LE(o + 0x18)),
      size: Number(buf.readBigUInt64LE(o + 0x20)),
    };
  };
  const strtab = raw(shstrndx);
  const out: ElfSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const s = raw(i);
    const start = strtab.offset + s.name;
    out.push({
      name: buf.toString('latin1', start, buf.indexOf(0, start)),
      addr: s.addr,
      offset: s.offset,
      size: s.size,
    });
  }
  return out;
}

/**
 * Normalise one instruction as objdump prints it: single spaces, the
 * `<symbol+off>` annotation dropped, and the `0x` objdump puts on a branch
 * target it found no symbol for (we never print symbols, so never the prefix).
 */
export function normaliseObjdump(text: string): string {
  let s = text
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/ <[^>]*>$/, '');
  if (!s.startsWith('.long')) s = s.replace(/(^| |,)0x([0-9a-f]+)$/, '$1$2');
  return s;
}

export function objdumpVersion(): string {
  try {
    return execFileSync(OBJDUMP, ['--version']).toString().split('\n')[0]!.trim();
  } catch {
    throw new Error(`${OBJDUMP} is not installed (Debian package binutils-powerpc64le-linux-gnu)`);
  }
}

/**
 * objdump's normalised disassembly of one section, one entry per 4-byte word.
 * The first run takes a few seconds per binary; the result is cached (gzip)
 * under `cacheDir`, keyed by the binary's sha256 and the objdump version.
 */
export async function objdumpSection(file: string, section: ElfSection, cacheDir: string): Promise<string[]> {
  const version = objdumpVersion();
  const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
  const key = createHash('sha256').update(`${version}\n${sha}\n${section.name}\n`).digest('hex').slice(0, 24);
  const cache = join(cacheDir, `objdump-${key}.txt.gz`);
  const words = section.size / 4;
  if (existsSync(cache)) {
    const lines = gunzipSync(readFileSync(cache)).toString('utf8').split('\n');
    if (lines.length === words) return lines;
  }
  const lines: string[] = [];
  const child = spawn(OBJDUMP, ['-d', '-z', '--no-show-raw-insn', '-j', section.name, file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let expect = section.addr;
  for await (const line of createInterface({ input: child.stdout })) {
    const tab = line.indexOf(':\t');
    if (tab < 0 || !/^\s*[0-9a-f]+$/.test(line.slice(0, tab))) continue;
    const addr = BigInt(`0x${line.slice(0, tab).trim()}`);
    if (addr !== expect)
      throw new Error(`objdump: expected an instruction at ${expect.toString(16)}, got ${addr.toString(16)}`);
    lines.push(normaliseObjdump(line.slice(tab + 2)));
    expect += 4n;
  }
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${OBJDUMP} exited with ${code}`);
  if (lines.length !== words) throw new Error(`objdump printed ${lines.length} instructions for ${words} words`);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(`${cache}.tmp`, gzipSync(lines.join('\n')));
  renameSync(`${cache}.tmp`, cache);
  return lines;
}

/**
 * Intended differences: objdump's default dialect falls back to "any machine"
 * when a word is not a POWER9 instruction, and then decodes mnemonics of other
 * PowerPC implementations. We decode the POWER7/8/9 (Book III-S) instruction
 * set only and print `.long` for these words, as objdump does with -Mpower9.
 * Each entry: objdump's mnemonic → why we do not decode it.
 */
export const FOREIGN: Record<string, string> = {};
const foreign = (why: string, names: string) => {
  for (const n of names.split(/\s+/).filter(Boolean)) FOREIGN[n] = why;
};
foreign(
  'POWER/POWER2 (pre-PowerPC) instruction, or its name for a PowerPC invalid form (update with RA=0/RA=RT, lmw/lswi over RA)',
  'lu lux stu stux lm lsi lsx lsu stsi stsx dozi doz doz. dozo dozo. abs abs. abso abso. nabs nabs. nabso nabso. ' +
    'rlmi rlmi. sle sle. sleq sleq. sliq sliq. slliq slliq. sllq sllq. slq slq. sraiq sraiq. sraq sraq. sre sre. ' +
    'srea srea. sreq sreq. sriq sriq. srliq srliq. srlq srlq. srq srq. maskg maskg. maskir maskir. mul mul. mulo mulo. ' +
    'div div. divo divo. divs divs. divso divso. clcs rac rac. clf cli dclst mfsri tlbi lscbx lscbx. svc svcl svca svcla ' +
    'bcr bcrl bcc bccl cror. lfq lfqu stfq stfqu lfqx lfqux stfqx stfqux fsqrt. mfpmr mtpmr',
);
foreign(
  'POWER10 (Power ISA 3.1) instruction or form',
  'phwsync plwsync dcbfps dcbstps pause_short lxvp stxvp plxvp pstxvp setbc setbcr setnbc setnbcr brh brw brd hashst hashchk hashstp hashchkp',
);
foreign(
  'Gekko/Broadway paired-single (and lq/stq with an odd register pair)',
  'psq_l psq_lu psq_st psq_stu psq_lx psq_lux psq_stx psq_stux',
);
foreign(
  'Book E / embedded (4xx, e500, e500mc, e6500, e200) instruction',
  'mbar wrtee wrteei dcbtlse dcbtstlse dcbtls dcbtstls icbtls dcblc icblc icblce dcblce mfdcr mtdcr dccci iccci wchkall',
);
foreign('603/601 software TLB instruction', 'tlbli tlbld');
foreign(
  'POWER10 (Power ISA 3.1) instruction',
  'xscvsqqp xscvuqqp xscvqpsqz xscvqpuqz xscmpgtqp xscmpeqqp xscmpgeqp xsmaxcqp xsmincqp vextractbm vextracthm vextractwm vextractdm vextractqm mtvsrbm mtvsrhm mtvsrwm mtvsrdm mtvsrqm vcntmbb vcntmbh vcntmbw vcntmbd xxgenpcvbm lxvrbx lxvrhx lxvrwx lxvrdx stxvrbx stxvrhx stxvrwx stxvrdx vstribl vstribr vclzdm vctzdm vpdepd vpextd',
);

/** Families of other machines' instructions, by mnemonic prefix: e500 SPE (ev*, ef*), Gekko paired single (ps_*, psq_*). */
const FOREIGN_PREFIX = /^(ev|efs|efd|ps_|psq_)/;

/** Why objdump's mnemonic `m` is not one of ours, or undefined when it should be. */
export function foreignReason(m: string): string | undefined {
  return FOREIGN[m] ?? (FOREIGN_PREFIX.test(m) ? 'e500 SPE or Gekko paired-single instruction' : undefined);
}
