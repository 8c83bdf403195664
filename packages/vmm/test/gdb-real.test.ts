/**
 * The gdbstub against the real debugger: gdb-multiarch in batch mode attaches
 * over TCP to a bare-metal guest running on a real Cpu in this process.
 * Skipped (with a note) when gdb-multiarch is not installed, except under CI
 * where its absence is a failure.
 */
import { spawn, spawnSync } from 'node:child_process';
import { layout } from '@ppcvm/ppc-cpu';
import { describe, expect, it } from 'vitest';
import { CpuDebugTarget, GdbServer, REGNUM } from '../src/gdb/index.js';
import { bareMetal, CODE, countingLoop, DATA, enc, type Guest } from './gdb/guest.js';

const GDB = 'gdb-multiarch';
const haveGdb = spawnSync(GDB, ['--version'], { stdio: 'ignore' }).status === 0;
if (!haveGdb) {
  if (process.env.CI) throw new Error(`${GDB} is required in CI for the gdbstub tests`);
  console.warn(`${GDB} not found: skipping the real-gdb tests`);
}

interface Session {
  output: string;
  log: string[];
}

/**
 * Serve `target` on a free port and run gdb with `commands` (each one -ex). `onStart` gets a
 * handle to send gdb SIGINT (its Ctrl-C). gdb is killed after `timeoutMs`.
 */
async function runGdb(
  target: CpuDebugTarget,
  commands: readonly string[],
  opts: { endian: 'little' | 'big'; onStart?: (gdb: { interrupt(): void }) => void; timeoutMs?: number },
): Promise<Session> {
  const log: string[] = [];
  const trace: string[] = [];
  const server = new GdbServer(target, {
    port: 0,
    log: (m) => log.push(m),
    trace: (dir, p) => {
      trace.push(`${dir} ${p}`);
      if (trace.length > 40) trace.shift();
    },
  });
  const { port } = await server.listen();
  const args = ['-nx', '-batch', '-ex', 'set architecture powerpc:common64', '-ex', `set endian ${opts.endian}`];
  if (process.env.GDB_DEBUG) args.push('-ex', 'set debug remote 1');
  args.push('-ex', 'set confirm off', '-ex', `target remote 127.0.0.1:${port}`);
  for (const c of commands) args.push('-ex', c);
  const gdb = spawn(GDB, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  opts.onStart?.({ interrupt: () => gdb.kill('SIGINT') });
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        gdb.kill('SIGKILL');
        const last = `stub log:\n${log.join('\n')}\nlast packets:\n${trace.join('\n')}`;
        reject(new Error(`gdb timed out; output so far:\n${output}\n${last}`));
      }, opts.timeoutMs ?? 30_000);
      const onData = (d: Buffer) => {
        output += d.toString();
      };
      gdb.stdout.on('data', onData);
      gdb.stderr.on('data', onData);
      gdb.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      gdb.on('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    if (code !== 0) throw new Error(`gdb exited with ${code}:\n${output}`);
    return { output, log };
  } finally {
    if (gdb.exitCode === null) gdb.kill('SIGKILL');
    await server.close();
  }
}

/** The value gdb printed for `$N = ...` (the Nth print of the session). */
function printed(out: string, n: number): string {
  const m = new RegExp(`^\\$${n} = (.*)$`, 'm').exec(out);
  if (!m) throw new Error(`no $${n} in gdb output:\n${out}`);
  return m[1]!;
}

function littleEndianGuest(): Guest {
  const g = bareMetal();
  countingLoop(g);
  return g;
}

describe.skipIf(!haveGdb)('gdb-multiarch against a little-endian bare-metal guest', () => {
  it('break, continue, info registers, FPR/VSR, stepi, x, watch, kill', async () => {
    const g = littleEndianGuest();
    let killed = false;
    const target = new CpuDebugTarget([g.cpu], { onKill: () => (killed = true) });
    // Known FP and vector state: f1 = 1.5, vs1h (doubleword 1 of VSR 1), vr8 (= vs40).
    target.writeRegister(1, REGNUM.F0 + 1, 0x3ff8000000000000n);
    target.writeRegister(1, REGNUM.VS0H + 1, 0x0123456789abcdefn);
    target.writeRegister(1, REGNUM.VR0 + 8, 0x00112233445566778899aabbccddeeffn);
    const { output } = await runGdb(
      target,
      [
        'p/x $pc', // $1
        'break *0x100c',
        'continue',
        'info registers',
        'p $f1', // $2
        'p/x $vs40.uint128', // $3
        'p/x $vr8.v4_int32', // $4
        'p/x $vs1.uint128', // $5
        'stepi',
        'p/x $pc', // $6
        'stepi',
        'p/x $pc', // $7
        'stepi',
        'p/x $pc', // $8
        'x/4xw 0x1000',
        'delete',
        `watch *(int*)${DATA}`,
        'continue',
        'p/x $pc', // $9
        'p $r3', // $10
        'set var $r20 = 0x1234',
        'kill',
      ],
      { endian: 'little' },
    );
    expect(printed(output, 1)).toBe(`0x${CODE.toString(16)}`);
    expect(output).toContain('Breakpoint 1 at 0x100c');
    expect(output).toMatch(/Breakpoint 1, 0x0*100c in/);
    // info registers: the core registers with the guest's values.
    expect(output).toMatch(/^r3\s+0x1\s+1$/m);
    expect(output).toMatch(/^r4\s+0x100000\s+1048576$/m);
    expect(output).toMatch(/^pc\s+0x100c\s+0x100c/m);
    expect(output).toMatch(/^msr\s+0x8000000002803001\s/m);
    expect(output).toMatch(/^fpscr\s+0x0\s/m);
    expect(printed(output, 2)).toBe('1.5');
    expect(printed(output, 3)).toBe('0x112233445566778899aabbccddeeff');
    // Little-endian lanes: element 0 of gdb's view is the least significant word.
    expect(printed(output, 4)).toBe('{0xccddeeff, 0x8899aabb, 0x44556677, 0x112233}');
    expect(printed(output, 5)).toBe('0x3ff80000000000000123456789abcdef');
    expect([printed(output, 6), printed(output, 7), printed(output, 8)]).toEqual(['0x1010', '0x1014', '0x1008']);
    const w = (m: string, o: Record<string, number>) => `0x${enc(m, o).toString(16).padStart(8, '0')}`;
    expect(output).toContain(
      `0x1000:\t${w('addis', { rt: 4, ra: 0, si: 0x10 })}\t${w('addi', { rt: 3, ra: 0, si: 0 })}\t${w('addi', { rt: 3, ra: 3, si: 1 })}\t${w('stw', { rs: 3, ra: 4, d: 0 })}`,
    );
    // The watchpoint: gdb stepped the store itself and saw the value change 1 -> 2.
    expect(output).toContain(`Hardware watchpoint 2: *(int*)${DATA}`);
    expect(output).toMatch(/Old value = 1\s+New value = 2/);
    expect(printed(output, 9)).toBe('0x1010');
    expect(printed(output, 10)).toBe('2');
    expect(g.cpu.getGpr(20)).toBe(0x1234n);
    expect(output).toContain('killed');
    expect(killed).toBe(true);
    // No software breakpoint was ever written into guest memory.
    expect(g.dv.getUint32(0x100c, true)).toBe(enc('stw', { rs: 3, ra: 4, d: 0 }));
  });

  it('Ctrl-C (SIGINT to gdb) interrupts a running guest; detach lets it go', async () => {
    const g = littleEndianGuest();
    let gdbControl: { interrupt(): void } | undefined;
    let continued = false;
    // Send gdb its SIGINT once the guest really runs (gdb's own output is block-buffered on a pipe).
    class Watched extends CpuDebugTarget {
      override resume(actions: ReadonlyMap<number, 'step' | 'continue'>) {
        if ([...actions.values()].includes('continue') && !continued) {
          continued = true;
          setTimeout(() => gdbControl?.interrupt(), 200);
        }
        return super.resume(actions);
      }
    }
    const t = new Watched([g.cpu]);
    const { output } = await runGdb(t, ['continue', 'p/x $r4', 'detach'], {
      endian: 'little',
      onStart: (gdb) => {
        gdbControl = gdb;
      },
    });
    expect(continued).toBe(true);
    expect(output).toContain('received signal SIGINT');
    expect(printed(output, 1)).toBe('0x100000');
    expect(g.cpu.getGpr(3)).toBeGreaterThan(100n);
    expect(t.attached).toBe(false);
  });
});

describe.skipIf(!haveGdb)('gdb-multiarch against a big-endian guest', () => {
  it('registers and code in big-endian byte order; stepi and a hardware breakpoint', async () => {
    const g = bareMetal();
    countingLoop(g);
    // Same program, stored big-endian, run with MSR[LE] = 0.
    for (let a = CODE; a < CODE + 24; a += 4) g.dv.setUint32(a, g.dv.getUint32(a, true), false);
    g.cpu.setMsr(layout.MSR_HI_SF, layout.MSR_LO_ME | layout.MSR_LO_FP | layout.MSR_LO_VEC | layout.MSR_LO_VSX);
    g.cpu.f64[layout.FPR_F64 + 2 * 2] = -2.25;
    const t = new CpuDebugTarget([g.cpu]);
    const { output } = await runGdb(
      t,
      ['hbreak *0x1010', 'continue', 'p/x $pc', 'p $r3', 'p $f2', 'stepi', 'p/x $pc', 'x/2xw 0x1008', 'p/x $msr'],
      { endian: 'big' },
    );
    expect(output).toMatch(/Breakpoint 1, 0x0*1010 in/);
    expect(printed(output, 1)).toBe('0x1010');
    expect(printed(output, 2)).toBe('1');
    expect(printed(output, 3)).toBe('-2.25');
    expect(printed(output, 4)).toBe('0x1014');
    const w = (m: string, o: Record<string, number>) => `0x${enc(m, o).toString(16).padStart(8, '0')}`;
    expect(output).toContain(`0x1008:\t${w('addi', { rt: 3, ra: 3, si: 1 })}\t${w('stw', { rs: 3, ra: 4, d: 0 })}`);
    expect(printed(output, 5)).toBe('0x8000000002803000');
  });
});
