/**
 * Remote protocol unit tests against a fake target: framing, acks, queries,
 * registers in both byte orders, memory, breakpoints, resume and Ctrl-C.
 */
import { describe, expect, it } from 'vitest';
import { G_PACKET_BYTES, GdbSignal, PacketReader, POWER64_REGISTERS, REGNUM, targetXml } from '../src/gdb/index.js';
import { bytes, Client, FakeTarget, frame, settle } from './gdb/harness.js';

async function connected(target = new FakeTarget()): Promise<Client> {
  const c = new Client(target);
  await settle();
  return c;
}

describe('framing', () => {
  it('acks good packets, naks bad checksums, and answers unknown packets with an empty reply', async () => {
    const c = await connected();
    c.raw(frame('qUnknownThing'));
    await settle();
    expect(c.out).toBe('+$#00');
    c.out = '';
    c.raw('$?#00');
    await settle();
    expect(c.out).toBe('-');
  });

  it('retransmits the last reply on a nak', async () => {
    const c = await connected();
    c.raw(frame('qC'));
    await settle();
    c.raw('-');
    expect(c.take()).toEqual(['QC1', 'QC1']);
  });

  it('handles packets split at every byte and several packets in one chunk', async () => {
    const c = await connected();
    for (const ch of frame('qfThreadInfo')) c.raw(ch);
    await settle();
    expect(c.take()).toEqual(['m1,2']);
    c.raw(frame('qsThreadInfo') + frame('qC'));
    await settle();
    expect(c.take()).toEqual(['l', 'QC1']);
  });

  it('refuses packets beyond the size limit and recovers on the next one', async () => {
    const c = await connected();
    c.raw(frame(`M1000,1:${'00'.repeat(20000)}`));
    await settle();
    expect(c.out.startsWith('-')).toBe(true);
    expect(c.take()).toEqual([]);
    expect(await c.ask('qC')).toBe('QC1');
  });

  it('drops a packet cut off by a new $ and serves the new one', async () => {
    const c = await connected();
    c.raw(`$m1000,4${frame('qC')}`);
    await settle();
    expect(c.take()).toEqual(['QC1']);
  });

  it('PacketReader bounds its buffer and reports each event', () => {
    const r = new PacketReader(8);
    const evs: string[] = [];
    r.push(bytes(`+-\x03${frame('12345678')}${frame('123456789')}$ab#zz`), (e) => evs.push(e.kind));
    expect(evs).toEqual(['ack', 'nak', 'interrupt', 'packet', 'bad', 'bad']);
  });

  it('QStartNoAckMode: OK is acked, later packets are not', async () => {
    const c = await connected();
    c.raw(frame('QStartNoAckMode'));
    await settle();
    expect(c.out).toBe(`+${frame('OK')}`);
    c.out = '';
    c.raw('+');
    c.raw(frame('qC'));
    c.raw('$qC#00'); // bad checksum: silently dropped in no-ack mode
    await settle();
    expect(c.out).toBe(frame('QC1'));
  });
});

describe('queries', () => {
  it('qSupported advertises what is implemented', async () => {
    const c = await connected();
    const r = await c.ask('qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;xmlRegisters=i386');
    expect(r.split(';')).toEqual(
      expect.arrayContaining([
        'PacketSize=4000',
        'qXfer:features:read+',
        'vContSupported+',
        'swbreak+',
        'hwbreak+',
        'QStartNoAckMode+',
      ]),
    );
  });

  it('serves target.xml in chunks with m/l markers, and refuses other annexes', async () => {
    const c = await connected();
    let doc = '';
    for (let off = 0; ; off += 100) {
      const r = await c.ask(`qXfer:features:read:target.xml:${off.toString(16)},64`);
      doc += r.slice(1);
      if (r[0] === 'l') break;
      expect(r[0]).toBe('m');
    }
    expect(doc).toBe(targetXml());
    expect(await c.ask('qXfer:features:read:other.xml:0,100')).toBe('E00');
    expect(await c.ask('qXfer:features:read:target.xml:zz,100')).toMatch(/^E/);
  });

  it('target.xml has the four rs6000 features and gdb numbering', () => {
    const xml = targetXml();
    for (const f of ['core', 'fpu', 'altivec', 'vsx']) expect(xml).toContain(`<feature name="org.gnu.gdb.power.${f}">`);
    expect(xml).toContain('<reg name="pc" bitsize="64" type="code_ptr" regnum="64"/>');
    expect(xml).toContain('<reg name="fpscr" bitsize="32" type="int" regnum="70" group="float"/>');
    expect(xml).toContain('<reg name="vr0" bitsize="128" type="vec128" regnum="71"/>');
    expect(xml).toContain('<reg name="vs31h" bitsize="64" type="uint64" regnum="136"/>');
    expect(POWER64_REGISTERS.map((r) => r.regnum)).toEqual([...Array(REGNUM.COUNT).keys()]);
  });

  it('threads: qfThreadInfo, qC, T, Hg, qThreadExtraInfo, qAttached, qOffsets, vCont?', async () => {
    const c = await connected();
    expect(await c.ask('T2')).toBe('OK');
    expect(await c.ask('T3')).toBe('E02');
    expect(await c.ask('Hg2')).toBe('OK');
    expect(await c.ask('Hg7')).toBe('E16');
    expect(await c.ask('Hgp1.2')).toBe('OK');
    expect(await c.ask('Hc-1')).toBe('OK');
    expect(await c.ask('Hx1')).toBe('E16');
    expect(Buffer.from(await c.ask('qThreadExtraInfo,2'), 'hex').toString()).toBe('vCPU 1');
    expect(await c.ask('qAttached')).toBe('1');
    expect(await c.ask('qOffsets')).toBe('Text=0;Data=0;Bss=0');
    expect(await c.ask('vCont?')).toBe('vCont;c;C;s;S;t');
    expect(await c.ask('vMustReplyEmpty')).toBe('');
    expect(await c.ask('?')).toBe('T05thread:1;');
  });

  it('monitor commands go to the handler, hex in and out', async () => {
    const seen: string[] = [];
    const c = new Client(new FakeTarget(), {
      monitor: (cmd) => {
        seen.push(cmd);
        return cmd === 'quiet' ? '' : `did ${cmd}\n`;
      },
    });
    await settle();
    const hex = (s: string) => Buffer.from(s).toString('hex');
    expect(Buffer.from(await c.ask(`qRcmd,${hex('info cpus')}`), 'hex').toString()).toBe('did info cpus\n');
    expect(await c.ask(`qRcmd,${hex('quiet')}`)).toBe('OK');
    expect(await c.ask('qRcmd,zz')).toBe('E16');
    expect(seen).toEqual(['info cpus', 'quiet']);
    // Without a handler, monitor is unsupported.
    const plain = await connected();
    expect(await plain.ask(`qRcmd,${hex('x')}`)).toBe('');
  });
});

describe('registers', () => {
  it('g returns every register in target byte order, for the Hg thread', async () => {
    const t = new FakeTarget();
    t.regs.set('2:64', 0x1122334455667788n);
    const c = await connected(t);
    expect(await c.ask('Hg2')).toBe('OK');
    const g = await c.ask('g');
    expect(g.length).toBe(G_PACKET_BYTES * 2);
    // r1 = 1 (fake default), little-endian 64-bit.
    expect(g.slice(16, 32)).toBe('0100000000000000');
    const pcOff = 64 * 8 * 2; // r0-r31, f0-f31
    expect(g.slice(pcOff, pcOff + 16)).toBe('8877665544332211');
    t.le = false;
    const gb = await c.ask('g');
    expect(gb.slice(pcOff, pcOff + 16)).toBe('1122334455667788');
    expect(gb.slice(16, 32)).toBe('0000000000000001');
  });

  it('p/P by number with widths 32, 64 and 128; out-of-range and malformed numbers are errors', async () => {
    const t = new FakeTarget();
    const c = await connected(t);
    expect(await c.ask(`P${REGNUM.CR.toString(16)}=78563412`)).toBe('OK');
    expect(t.regs.get(`1:${REGNUM.CR}`)).toBe(0x12345678n);
    expect(await c.ask(`p${REGNUM.CR.toString(16)}`)).toBe('78563412');
    const v = '00112233445566778899aabbccddeeff';
    expect(await c.ask(`P${(REGNUM.VR0 + 8).toString(16)}=${v}`)).toBe('OK');
    expect(t.regs.get(`1:${REGNUM.VR0 + 8}`)).toBe(0xffeeddccbbaa99887766554433221100n);
    expect(await c.ask(`p${(REGNUM.VR0 + 8).toString(16)}`)).toBe(v);
    expect(await c.ask('p89')).toBe('E16'); // 137: one past the last register
    expect(await c.ask('pffffffffff')).toBe('E16');
    expect(await c.ask('pzz')).toBe('E16');
    expect(await c.ask(`P${REGNUM.CR.toString(16)}=7856`)).toBe('E16');
    expect(await c.ask('P40=zz00000000000000')).toBe('E16');
    expect(await c.ask('P40')).toBe('E16');
  });

  it('G writes every register; a wrong length is refused', async () => {
    const t = new FakeTarget();
    const c = await connected(t);
    const g = await c.ask('g');
    const modified = `ff${g.slice(2)}`;
    expect(await c.ask(`G${modified}`)).toBe('OK');
    expect(t.regs.get('1:0')).toBe(0xffn);
    expect(await c.ask(`G${modified}00`)).toBe('E16');
    expect(await c.ask('G0')).toBe('E16');
  });

  it('an unavailable register reads as xx', async () => {
    const t = new FakeTarget();
    t.readRegister = (_th, n) => (n === 3 ? undefined : 0n);
    const c = await connected(t);
    expect(await c.ask('p3')).toBe('xxxxxxxxxxxxxxxx');
  });
});

describe('memory', () => {
  it('m/M/X read and write, partial reads at the end of mapped memory, errors when unmapped', async () => {
    const t = new FakeTarget();
    const c = await connected(t);
    expect(await c.ask('M1000,4:deadbeef')).toBe('OK');
    expect(await c.ask('m1000,4')).toBe('deadbeef');
    expect(await c.ask('m10ffe,10')).toBe('0000'); // only 2 bytes mapped
    expect(await c.ask('m0,4')).toBe('E0e');
    expect(await c.ask('M0,1:00')).toBe('E0e');
    expect(await c.ask('m1000,0')).toBe('');
    expect(await c.ask('m1000')).toBe('E16');
    expect(await c.ask('mzz,4')).toBe('E16');
    expect(await c.ask('m11112222333344445,4')).toBe('E16');
    expect(await c.ask('M1000,2:00')).toBe('E16');
    expect(await c.ask('M1000,1:0g')).toBe('E16');
    // X: binary with } escapes for $ # } * (and a raw 0x03 inside the payload).
    const payload = String.fromCharCode(0x7d, 0x24 ^ 0x20, 0x03, 0x7d, 0x7d ^ 0x20, 0x41);
    expect(await c.ask(`X1010,4:${payload}`)).toBe('OK');
    expect(await c.ask('m1010,4')).toBe('24037d41');
    expect(await c.ask('X1010,0:')).toBe('OK');
    expect(await c.ask(`X1010,3:${payload}`)).toBe('E16');
    expect(await c.ask('X1010,1:}')).toBe('E16');
  });

  it('large reads are capped to what fits in a reply', async () => {
    const c = await connected();
    const r = await c.ask('m1000,ffffffff');
    expect(r.length).toBeLessThanOrEqual(0x4000);
    expect(r.length).toBeGreaterThan(0x3000);
  });
});

describe('breakpoints', () => {
  it('Z0-Z4 insert, z removes, unsupported kinds reply empty, bad ones E', async () => {
    const t = new FakeTarget();
    const c = await connected(t);
    expect(await c.ask('Z0,100c,4')).toBe('OK');
    expect(await c.ask('Z1,2000,4')).toBe('OK');
    expect(await c.ask('Z2,100000,4')).toBe('OK');
    expect(await c.ask('Z3,100000,8;X1,0')).toBe('OK');
    expect(await c.ask('Z4,100000,4')).toBe('');
    expect(t.bps.map((b) => [b.type, b.address, b.length])).toEqual([
      ['sw', 0x100cn, 4],
      ['hw', 0x2000n, 4],
      ['write', 0x100000n, 4],
      ['read', 0x100000n, 8],
    ]);
    expect(await c.ask('z0,100c,4')).toBe('OK');
    expect(await c.ask('z0,100c,4')).toBe('E0e');
    expect(await c.ask('Z5,100c,4')).toBe('E16');
    expect(await c.ask('Z0,100c')).toBe('E16');
    expect(await c.ask('Z2,100000,0')).toBe('E16');
    expect(await c.ask('Z2,100000,fffffffff')).toBe('E16');
  });
});

describe('execution', () => {
  it('c runs all threads until Ctrl-C, then reports SIGINT', async () => {
    const t = new FakeTarget();
    const c = await connected(t);
    c.raw(frame('c'));
    await settle();
    expect(c.take()).toEqual([]);
    expect(t.running).toBe(true);
    expect([...t.resumes[0]!]).toEqual([
      [1, 'continue'],
      [2, 'continue'],
    ]);
    // Packets other than Ctrl-C are ignored while running.
    c.raw(frame('g'));
    await settle();
    expect(c.take()).toEqual([]);
    c.raw('\x03');
    await settle();
    expect(c.take()).toEqual(['T02thread:1;']);
    expect(await c.ask('?')).toBe('T02thread:1;');
  });

  it('vCont: per-thread actions, leftmost wins, default for the rest; t keeps a thread stopped', async () => {
    const t = new FakeTarget([1, 2, 3]);
    const c = await connected(t);
    expect(await c.ask('vCont;s:2;c')).toBe('T05thread:2;');
    expect([...t.resumes[0]!]).toEqual([
      [1, 'continue'],
      [2, 'step'],
      [3, 'continue'],
    ]);
    t.nextStop = { kind: 'breakpoint', thread: 3, type: 'sw' };
    expect(await c.ask('vCont;c:3;c:3;t')).toBe('T05thread:3;swbreak:;');
    expect([...t.resumes[1]!]).toEqual([[3, 'continue']]);
    expect(await c.ask('vCont;t')).toBe('E16');
    expect(await c.ask('vCont;x')).toBe('E16');
    expect(await c.ask('vCont;c:9')).toBe('E16');
  });

  it('s steps the current thread; s ADDR sets the PC first', async () => {
    const t = new FakeTarget();
    const c = await connected(t);
    expect(await c.ask('s1000')).toBe('T05thread:1;');
    expect(t.regs.get(`1:${REGNUM.PC}`)).toBe(0x1000n);
    expect([...t.resumes[0]!]).toEqual([[1, 'step']]);
    expect(await c.ask('S05;zz')).toBe('E16');
  });

  it('stop replies for watchpoints, hardware breakpoints and exit', async () => {
    const t = new FakeTarget();
    const c = await connected(t);
    t.nextStop = { kind: 'watchpoint', thread: 2, type: 'write', address: 0x100000n };
    expect(await c.ask('c')).toBe('T05thread:2;watch:100000;');
    t.nextStop = { kind: 'watchpoint', thread: 2, type: 'read', address: 0x10n };
    expect(await c.ask('c')).toBe('T05thread:2;rwatch:10;');
    t.nextStop = { kind: 'watchpoint', thread: 1, type: 'access', address: 0x10n };
    expect(await c.ask('c')).toBe('T05thread:1;awatch:10;');
    t.nextStop = { kind: 'breakpoint', thread: 1, type: 'hw' };
    expect(await c.ask('c')).toBe('T05thread:1;hwbreak:;');
    t.nextStop = { kind: 'exited', code: 3 };
    expect(await c.ask('c')).toBe('W03');
    // Nothing to resume after the guest is gone.
    expect(await c.ask('c')).toBe('W03');
  });

  it('a failing resume is reported as SIGABRT, not thrown', async () => {
    const t = new FakeTarget();
    t.resume = () => Promise.reject(new Error('boom'));
    const c = await connected(t);
    expect(await c.ask('c')).toBe(`T0${GdbSignal.ABRT}thread:1;`);
    expect(c.logs.some((l) => l.includes('boom'))).toBe(true);
  });

  it('D detaches and closes; k kills and closes; a disconnect while running interrupts then detaches', async () => {
    const t = new FakeTarget();
    const c = await connected(t);
    expect(await c.ask('D')).toBe('OK');
    expect(t.detachCalls).toBe(1);
    expect(c.closed).toBe(true);

    const t2 = new FakeTarget();
    const c2 = await connected(t2);
    c2.raw(frame('k'));
    await settle();
    expect(t2.killCalls).toBe(1);
    expect(c2.closed).toBe(true);

    const t3 = new FakeTarget();
    const c3 = await connected(t3);
    c3.raw(frame('c'));
    await settle();
    c3.session.disconnected();
    await settle();
    expect(t3.running).toBe(false);
    expect(t3.detachCalls).toBe(1);
  });

  it('waits for an asynchronous attach before answering', async () => {
    const t = new FakeTarget();
    let release!: () => void;
    t.attach = () =>
      new Promise<void>((r) => {
        release = r;
      });
    const c = new Client(t);
    c.raw(frame('qC'));
    await settle();
    expect(c.take()).toEqual([]);
    release();
    await settle();
    expect(c.take()).toEqual(['QC1']);
  });
});
