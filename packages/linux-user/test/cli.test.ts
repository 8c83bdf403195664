/** The ppcvm-user command line: in-process through cliMain, and end to end as a child process. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../../../scripts/fixtures.mjs';
import { cliMain } from '../src/cli-main.js';
import { code, HEADER_PAD, insn, tempDir, writeElf } from './helpers.js';

const pkgDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const busybox = fixturePath('busybox');
const tmp = tempDir('ppcvm-cli-');
afterAll(() => tmp.cleanup());

/** The real bin, from source through tsx. */
function spawnCli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(pkgDir, 'src', 'cli.ts'), ...args], {
    cwd: pkgDir,
    env: { PATH: '/usr/bin:/bin' },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let runs = 0;

/** cliMain in-process, with temp files as the descriptors. */
function cli(args: string[], env: Record<string, string> = { PATH: '/usr/bin:/bin' }) {
  const id = runs++;
  const names = ['in', 'out', 'err'].map((k) => path.join(tmp.dir, `cli-${k}-${id}`));
  fs.writeFileSync(names[0]!, '');
  const fds = [fs.openSync(names[0]!, 'r'), fs.openSync(names[1]!, 'w'), fs.openSync(names[2]!, 'w')] as const;
  try {
    const status = cliMain(args, { stdio: fds, env });
    return { status, stdout: fs.readFileSync(names[1]!, 'utf8'), stderr: fs.readFileSync(names[2]!, 'utf8') };
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
}

function program(name: string, words: number[]): string {
  return writeElf(tmp.dir, name, {
    entry: 0x10000000 + HEADER_PAD,
    segments: [{ vaddr: 0x10000000, flags: 5, data: code(words), withHeaders: true }],
  });
}

describe('ppcvm-user CLI', () => {
  it('runs as a program: status and fault message on stderr', () => {
    const segv = spawnCli([program('segv0', [insn.ld(3, 0, 0)])]);
    expect(segv.status).toBe(139);
    expect(segv.stderr).toBe('ppcvm-user: SIGSEGV: load of unmapped address 0x0 (pc 0x10001000)\n');
    expect(spawnCli([program('exit3', [insn.li(0, 234), insn.li(3, 3), insn.sc()])]).status).toBe(3);
    expect(spawnCli(['--help']).stdout).toMatch(/^usage: ppcvm-user/);
  });

  it('prints help and version', () => {
    const h = cli(['--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/^usage: ppcvm-user \[options\] program/);
    const v = cli(['-version']);
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^ppcvm-user \d+\.\d+\.\d+/);
  });

  it('exits with the program status', () => {
    expect(cli([program('exit7', [insn.li(0, 234), insn.li(3, 7), insn.sc()])]).status).toBe(7);
  });

  it('reports a guest fault on one line and exits 128 + signal', () => {
    const segv = cli([program('segv', [insn.ld(3, 0, 0)])]);
    expect(segv.status).toBe(139);
    expect(segv.stderr).toMatch(/^ppcvm-user: SIGSEGV: load of unmapped address 0x0 \(pc 0x10001000\)\n$/);
    const ill = cli([program('ill', [0])]);
    expect(ill.status).toBe(132);
    expect(ill.stderr).toMatch(/SIGILL: illegal instruction/);
    expect(cli([program('trap', [insn.trap()])]).status).toBe(133);
  });

  it('reports host errors with one message and status 1', () => {
    const missing = cli([path.join(tmp.dir, 'nope')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^ppcvm-user: cannot open .*nope: No such file or directory\n$/);
    fs.writeFileSync(path.join(tmp.dir, 'script'), '#!/bin/sh\n');
    const notElf = cli([path.join(tmp.dir, 'script')]);
    expect(notElf.status).toBe(1);
    expect(notElf.stderr).toMatch(/not an ELF file/);
    expect(cli(['-cpu', 'power42', 'x']).status).toBe(1);
    expect(cli(['-d', 'bogus', 'x']).stderr).toMatch(/unknown debug item bogus/);
    expect(cli(['--frobnicate']).status).toBe(1);
  });

  describe.skipIf(!busybox)('with busybox (run npm run fixtures if skipped)', () => {
    it('passes arguments and -E / -U environment changes', () => {
      const r = cli(['-E', 'FOO=bar baz', '-U', 'PATH', busybox!, 'env'], { PATH: '/bin', KEEP: '1' });
      expect(r.status).toBe(0);
      // qemu-user order: host variables reversed, -E additions in front.
      expect(r.stdout).toBe('FOO=bar baz\nKEEP=1\n');
      const order = cli([busybox!, 'env'], { A: '1', B: '2', C: '3' });
      expect(order.stdout).toBe('C=3\nB=2\nA=1\n');
    });

    it('orders the environment exactly as qemu-user does with -E / -U', () => {
      const opts = ['-E', 'FOO=bar baz', '-U', 'PATH', '-E', 'KEEP=2', '-E', 'Z=1'];
      const env = { PATH: '/bin', KEEP: '1', OTHER: 'x' };
      const q = spawnSync('qemu-ppc64le', [...opts, busybox!, 'env'], { env, encoding: 'utf8' });
      expect(q.status).toBe(0);
      expect(cli([...opts, busybox!, 'env'], env).stdout).toBe(q.stdout);
    });

    it('returns applet exit statuses and -0 sets argv[0]', () => {
      expect(cli([busybox!, 'false']).status).toBe(1);
      expect(cli([busybox!, 'true']).status).toBe(0);
      const r = cli(['-0', 'echo', busybox!, 'hello', 'world']);
      expect(r.stdout).toBe('hello world\n');
    });

    it('-d syscall logs unsupported system calls', () => {
      const r = cli(['-d', 'syscall', busybox!, 'true']);
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/unsupported system call rseq \(387\) → ENOSYS/);
    });

    it('-m bounds guest RAM: too small to load is a host error, exhausting it kills the program', () => {
      const small = cli(['-m', '1M', busybox!, 'true']);
      expect(small.status).toBe(1);
      expect(small.stderr).toMatch(/guest out of memory/);
      const hog = cli(['-m', '3M', busybox!, 'sh', '-c', 'x=a; while true; do x=$x$x; done']);
      expect(hog.status).toBe(137);
      expect(hog.stderr).toMatch(/^ppcvm-user: SIGKILL: guest out of memory/);
    });

    it('runs with -cpu power9', () => {
      const r = cli(['-cpu', 'power9', busybox!, 'echo', 'p9']);
      expect(r).toMatchObject({ status: 0, stdout: 'p9\n' });
    });
  });
});
