/**
 * Real programs: Debian's static busybox applets under ppcvm-user must give
 * byte-identical stdout and the same exit status as under
 * `qemu-ppc64le -cpu power8`. Needs `npm run fixtures` and Debian's qemu-user.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../../../scripts/fixtures.mjs';
import { runProgram } from '../src/index.js';
import { tempDir } from './helpers.js';

const busybox = fixturePath('busybox');
const QEMU = 'qemu-ppc64le';
const qemuOk = spawnSync(QEMU, ['--version']).status === 0;
const ENV = { PATH: '/usr/bin:/bin', TZ: 'UTC', LC_ALL: 'C', HOME: '/' };

interface Output {
  stdout: Buffer;
  stderr: string;
  status: number;
  reason: string | null;
}

interface Case {
  name: string;
  args: string[];
  stdin?: string | Buffer;
}

const tmp = tempDir('ppcvm-busybox-');
const base = path.join(tmp.dir, 'base');
let n = 0;

function ours(args: string[], stdin: string | Buffer = ''): Output {
  const id = n++;
  const files = ['in', 'out', 'err'].map((k) => path.join(tmp.dir, `${k}-${id}`));
  fs.writeFileSync(files[0]!, stdin);
  const fds = [fs.openSync(files[0]!, 'r'), fs.openSync(files[1]!, 'w'), fs.openSync(files[2]!, 'w')] as const;
  try {
    const r = runProgram({
      program: busybox!,
      args,
      // qemu-user hands the guest its environment in reverse order (see the CLI's EnvList); do the same.
      env: Object.entries(ENV)
        .reverse()
        .map(([k, v]) => `${k}=${v}`),
      cwd: base,
      stdio: [fds[0], fds[1], fds[2]],
      log: (l) => fs.writeSync(fds[2], `${l}\n`),
    });
    return {
      stdout: fs.readFileSync(files[1]!),
      stderr: fs.readFileSync(files[2]!, 'utf8'),
      status: r.status,
      reason: r.reason,
    };
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
}

function qemu(args: string[], stdin: string | Buffer = ''): Output {
  const r = spawnSync(QEMU, ['-cpu', 'power8', busybox!, ...args], {
    cwd: base,
    input: stdin,
    env: ENV,
    maxBuffer: 64 << 20,
  });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr.toString(), status: r.status ?? 128, reason: null };
}

/** Assert equal stdout and status, with a message naming what stopped ppcvm (e.g. an unimplemented mnemonic). */
function same(name: string, a: Output, b: Output): void {
  const why = a.reason ? `ppcvm-user: ${a.reason}` : a.stderr.slice(0, 500);
  expect(a.status, `${name}: exit status (${why})`).toBe(b.status);
  expect(
    a.stdout.equals(b.stdout),
    `${name}: stdout differs (${why})\nours: ${a.stdout.subarray(0, 200)}\nqemu: ${b.stdout.subarray(0, 200)}`,
  ).toBe(true);
}

/** A deterministic pseudo-random byte string. */
function bytes(len: number, seed: number): Buffer {
  const b = Buffer.alloc(len);
  let x = seed >>> 0;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** `seq 1 1000 | xz -9e --check=crc32` */
const XZ_SEQ_1000 =
  '/Td6WFoAAAFpIt42AgAhARwAAAAQz1jM4A80Ae1dABiCgo8iTvimVffwmaUlDZBFkVpRtJvKrNwFMuyFUp+xSG3v3OhLuWG64JxTf5jIqVQO/D0q0wbXZkQ9' +
  'VmSmzT3Xxx9E9BjfAgs/4sbGe+Hnf3lEHHm3Qq5luBu1DoThmoIGIzlaf3KqQ/qlmh+SwL5FcXlK1ZPGkAo5rZxlhyq2GjjH4ZMXytA+CeqwUvAQYCbAXl8Q' +
  'kQ25eXh9l0Jg0KY4d+Ej6LsoT4hSLXVYJj9m/eKc69OvYdk1ev/7YrE8fJMc8mS4TRyFKrFcAAY2AUrrvAVI71xotTxxgZ4sbORnBs+FKnUJGYy8F0QNzTxp' +
  'xjbEnpzS7js1Ej6TUpedkeFNVjFeyuWWgq9ADIWjSVbIkWpANfkU5FUtUTUkUoSAFyAtXAOMweh6LXV6XITE6Tf+hxp7RcSUAOAYbZ+3J8KP2MwrTYBsqCN9' +
  'xr0472fUEeIwmOP/QyESPWWjl2Esp+aPkecapktTI2MwWKFwPrGRA2lPijaYbUSsckSgfta3pQb/7Tz3bendovwf7HoMJ2Hw9dvf4Ga/wVD7YFZmMqh4GMbu' +
  'gUKRydSeQJKZKn7jZ88DoyDAw5BAOcjNFqzApW8eU0wP1nlKsIfXVyNIlWUhTomyhYQsvBCx2Xp2Yy2sJlWe+ZRRjYnwderOCdQAAAAAXVbEjQABhQS1HgAA' +
  'pMe8RD4wDYsCAAAAAAFZWg==';

const FIXED_TIME = new Date('2020-01-02T03:04:05Z');

function makeFixtures(): void {
  fs.mkdirSync(base);
  fs.writeFileSync(path.join(base, 'data.bin'), bytes(200_000, 0x1234567));
  const lines: string[] = [];
  for (let i = 1; i <= 2000; i++) lines.push(`${(i * 7919) % 1000} line ${i} ${i % 7 === 0 ? 'x' : 'y'}`);
  fs.writeFileSync(path.join(base, 'text.txt'), `${lines.join('\n')}\n`);
  fs.writeFileSync(path.join(base, 'seq.xz'), Buffer.from(XZ_SEQ_1000, 'base64'));
  // A small tree with fixed times for ls, find and tar.
  const tree = path.join(base, 'tree');
  fs.mkdirSync(path.join(tree, 'sub', 'deeper'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'a.txt'), 'hello\n');
  fs.writeFileSync(path.join(tree, 'b.bin'), bytes(5000, 42));
  fs.writeFileSync(path.join(tree, 'sub', 'c.txt'), 'nested\n');
  fs.writeFileSync(path.join(tree, 'sub', 'deeper', 'd.txt'), 'deep\n');
  fs.chmodSync(path.join(tree, 'b.bin'), 0o600);
  fs.symlinkSync('a.txt', path.join(tree, 'link'));
  for (const p of ['a.txt', 'b.bin', 'sub/c.txt', 'sub/deeper/d.txt', 'sub/deeper', 'sub', '.']) {
    fs.utimesSync(path.join(tree, p), FIXED_TIME, FIXED_TIME);
  }
  fs.lutimesSync(path.join(tree, 'link'), FIXED_TIME, FIXED_TIME);
  fs.utimesSync(tree, FIXED_TIME, FIXED_TIME);
}

// Debian's busybox awk has no libm (sqrt/exp): exercise FP arithmetic, conversions and printf only.
const AWK_PROGRAM =
  'BEGIN { for (i = 1; i <= 40; i++) { x = i * 3.14159 / 7; printf "%g %e %f %.3f %d %5.2g\\n", x, x * 1e10, x * x, 1 / i, int(x), -x / 1e5 } }' +
  ' { s += $1; if ($4 == "x") n++ } END { printf "%g %e %f %d %.10g\\n", s / NR, s, s / 3, n, s / 7 }';

const CASES: Case[] = [
  { name: 'sha256sum', args: ['sha256sum', 'data.bin', 'text.txt'] },
  { name: 'sha1sum', args: ['sha1sum', 'data.bin', 'text.txt'] },
  { name: 'md5sum', args: ['md5sum', 'data.bin', 'text.txt'] },
  { name: 'sort', args: ['sort', 'text.txt'] },
  { name: 'sort -n -r -k1,1', args: ['sort', '-n', '-r', '-k1,1', 'text.txt'] },
  { name: 'uniq -c (stdin)', args: ['uniq', '-c'], stdin: 'a\na\nb\nc\nc\nc\na\n' },
  { name: 'awk (floating point, printf %g %e %f)', args: ['awk', AWK_PROGRAM, 'text.txt'] },
  { name: 'sed', args: ['sed', '-n', '-e', 's/line \\([0-9]*\\) x/L\\1/p', '-e', '/^99 /q', 'text.txt'] },
  { name: 'grep -E', args: ['grep', '-E', '-n', '^(1|2)[0-9]* line [0-9]+ x$', 'text.txt'] },
  { name: 'grep -E (no match: status 1)', args: ['grep', '-E', '-c', 'nomatch|neither', 'text.txt'] },
  { name: 'od -x', args: ['od', '-x', 'tree/b.bin'] },
  { name: 'dc', args: ['dc', '-e', '10 k 2 v p 1 3 / p 2 64 ^ p 355 113 / p 7 3 % p'] },
  { name: 'expr', args: ['expr', '12345', '*', '6789', '+', '11'] },
  { name: 'expr (zero result: status 1)', args: ['expr', '5', '-', '5'] },
  { name: 'seq', args: ['seq', '-w', '1', '7', '200'] },
  { name: 'seq (fractional)', args: ['seq', '0.5', '0.25', '3'] },
  { name: 'wc', args: ['wc', 'text.txt', 'data.bin'] },
  { name: 'find', args: ['find', 'tree'] },
  { name: 'find -type f -name', args: ['find', 'tree', '-type', 'f', '-name', '*.txt'] },
  { name: 'ls -la', args: ['ls', '-la', 'tree'] },
  { name: 'ls -laR', args: ['ls', '-laR', 'tree'] },
  { name: 'xz -dc', args: ['xz', '-dc', 'seq.xz'] },
  { name: 'cat (missing file: status 1)', args: ['cat', 'no-such-file'] },
  // A few more applets touching other system calls (identity, stat, time zones, formatting).
  { name: 'id', args: ['id'] },
  { name: 'env', args: ['env'] },
  { name: 'stat -c', args: ['stat', '-c', '%n %s %a %F %Y %h', 'tree/a.txt', 'tree/sub', 'tree/link'] },
  { name: 'date -d', args: ['date', '-d', '2001-02-03 04:05:06', '+%s %A %j %Z'] },
  { name: 'printf', args: ['printf', '%5.2f|%x|%s|%e|%g\n', '3.14159', '255', 'abc', '12345.678', '0.0001'] },
  { name: 'factor', args: ['factor', '1234567890', '999999999989'] },
  { name: 'cut (stdin)', args: ['cut', '-c', '3-12'], stdin: 'abcdefghijklmnop\n0123456789abcdef\n' },
  { name: 'tail -c', args: ['tail', '-c', '100', 'text.txt'] },
  { name: 'hexdump -C', args: ['hexdump', '-C', 'tree/b.bin'] },
];

describe('busybox under ppcvm-user matches qemu-ppc64le -cpu power8', () => {
  if (!busybox || !qemuOk) {
    it('has its prerequisites', () => {
      expect.fail(
        !busybox
          ? 'busybox fixture missing: run npm run fixtures'
          : `${QEMU} not found: install Debian's qemu-user (apt-get install qemu-user)`,
      );
    });
    return;
  }

  beforeAll(makeFixtures);
  afterAll(() => tmp.cleanup());

  for (const c of CASES) {
    it(c.name, () => {
      const q = qemu(c.args, c.stdin);
      // Guard against comparing two identical error messages: a successful applet must print something.
      if (q.status === 0) expect(q.stdout.length, `${c.name}: qemu printed nothing`).toBeGreaterThan(0);
      same(c.name, ours(c.args, c.stdin), q);
    });
  }

  it('xz -dc gives the original data', () => {
    const r = ours(['xz', '-dc', 'seq.xz']);
    const expected = Array.from({ length: 1000 }, (_, i) => `${i + 1}\n`).join('');
    expect(r.stdout.toString(), r.reason ?? '').toBe(expected);
  });

  for (const [tool, c, d] of [
    ['gzip', ['gzip', '-c', 'text.txt'], ['gzip', '-dc']],
    ['bzip2', ['bzip2', '-c', 'text.txt'], ['bzip2', '-dc']],
  ] as const) {
    it(`${tool} -c | ${tool} -dc`, () => {
      const oc = ours([...c]);
      const qc = qemu([...c]);
      same(`${tool} -c`, oc, qc);
      const od = ours([...d], oc.stdout);
      const qd = qemu([...d], qc.stdout);
      same(`${tool} -dc`, od, qd);
      expect(od.stdout.equals(fs.readFileSync(path.join(base, 'text.txt')))).toBe(true);
    });
  }

  it('execve: host programs and missing or non-executable files behave as under qemu-user', () => {
    for (const args of [
      ['env', '/bin/echo', 'from', 'the host'],
      ['env', 'A=1', '/usr/bin/env'],
      ['env', './no-such-program'],
      ['env', './text.txt'],
    ]) {
      same(args.join(' '), ours(args), qemu(args));
    }
  });

  it('execve of a ppc64le program or script replaces the image in place', () => {
    // (qemu-user hands these to the host kernel, which cannot run them without binfmt_misc.)
    const r = ours(['sh', '-c', `exec ${busybox} echo replaced`]);
    expect([r.status, r.stdout.toString()], r.reason ?? r.stderr).toEqual([0, 'replaced\n']);
    const script = path.join(base, 'script.sh');
    fs.writeFileSync(script, `#!${busybox} sh\necho "script $0 $1"\nexit 5\n`, { mode: 0o755 });
    const s = ours(['env', script, 'arg']);
    expect([s.status, s.stdout.toString()], s.reason ?? s.stderr).toEqual([5, `script ${script} arg\n`]);
  });

  it('tar cf - then tar tvf -', () => {
    const oc = ours(['tar', 'cf', '-', 'tree']);
    const qc = qemu(['tar', 'cf', '-', 'tree']);
    same('tar cf', oc, qc);
    same('tar tf', ours(['tar', 'tf', '-'], oc.stdout), qemu(['tar', 'tf', '-'], qc.stdout));
    same('tar tvf', ours(['tar', 'tvf', '-'], oc.stdout), qemu(['tar', 'tvf', '-'], qc.stdout));
  });
});
