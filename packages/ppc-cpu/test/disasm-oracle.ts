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
