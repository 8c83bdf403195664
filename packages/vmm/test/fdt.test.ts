import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FdtTree, findParsedNode, parseFdt, propCells, propStrings, VmmError } from '../src/index.js';
import { Asm } from './support/asm.js';
import { bootGuest } from './support/guest.js';

const here = dirname(fileURLToPath(import.meta.url));
const referenceDts = readFileSync(join(here, '../../../../shared/reference/qemu-pseries-power8.dts'), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'ppcvm-fdt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function dtc(blob: Uint8Array): string {
  const f = join(tmp, `t${Math.random().toString(36).slice(2)}.dtb`);
  writeFileSync(f, blob);
  return execFileSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', f], { encoding: 'utf8' });
}

/** A DTS as a map: node path (unit addresses kept) -> property name -> value text. */
function parseDts(dts: string): Map<string, Map<string, string>> {
  const nodes = new Map<string, Map<string, string>>();
  const stack: string[] = [];
  for (const raw of dts.split('\n')) {
    const line = raw.trim();
    const open = /^([^\s=]+)\s*\{$/.exec(line);
    if (open) {
      const name = open[1] === '/' ? '' : open[1]!;
      stack.push(name);
      nodes.set(stack.join('/') || '/', new Map());
      continue;
    }
    if (line === '};') {
      stack.pop();
      continue;
    }
    const prop = /^([^\s=;]+)(?:\s*=\s*(.*))?;$/.exec(line);
    if (prop && stack.length > 0) nodes.get(stack.join('/') || '/')!.set(prop[1]!, prop[2] ?? '');
  }
  return nodes;
}

describe('FDT writer', () => {
  it('writes a v17 blob that reads back identically', () => {
    const t = new FdtTree();
    t.bootCpuidPhys = 3;
    t.addMemReserve(0x400000, 0x1000);
    const root = t.root;
    root.setCells('#address-cells', 2).setString('model', 'x').setStrings('compatible', 'a', 'b');
    const c = root.addChild('child@10');
    c.setU64('big', 0x1122334455667788n).setBytes('raw', [1, 2, 3]).setEmpty('flag');
    expect(t.phandle(c)).toBe(1);
    expect(t.phandle(c)).toBe(1);
    const blob = t.toBlob();
    const p = parseFdt(blob);
    expect(p.version).toBe(17);
    expect(p.lastCompVersion).toBe(16);
    expect(p.bootCpuidPhys).toBe(3);
    expect(p.totalSize).toBe(blob.length);
    expect(p.memReserve).toEqual([{ address: 0x400000n, size: 0x1000n }]);
    expect(propStrings(p.root.properties.get('compatible'))).toEqual(['a', 'b']);
    const pc = findParsedNode(p.root, '/child@10')!;
    expect([...pc.properties.keys()]).toEqual(['big', 'raw', 'flag', 'phandle']);
    expect(propCells(pc.properties.get('big'))).toEqual([0x11223344, 0x55667788]);
    expect([...pc.properties.get('raw')!]).toEqual([1, 2, 3]);
    expect(pc.properties.get('flag')!.length).toBe(0);
  });

  it('is accepted by dtc', () => {
    const t = new FdtTree();
    t.root.setString('model', 'm');
    t.root.addChild('a').setCells('reg', 1);
    const dts = dtc(t.toBlob());
    expect(dts).toContain('model = "m";');
    expect(dts).toContain('reg = <0x01>;');
  });

  it('refuses bad names, values and duplicates', () => {
    const t = new FdtTree();
    expect(() => t.root.addChild('bad name')).toThrow(VmmError);
    expect(() => t.root.setCells('x y', 1)).toThrow(VmmError);
    expect(() => t.root.setCells('c', -1)).toThrow(VmmError);
    expect(() => t.root.setCells('c', 2 ** 32)).toThrow(VmmError);
    expect(() => t.root.setString('s', 'a\0b')).toThrow(VmmError);
    expect(() => t.root.setU64('u', -1n)).toThrow(VmmError);
    t.root.addChild('n');
    expect(() => t.root.addChild('n')).toThrow(VmmError);
    expect(() => t.addMemReserve(0, 0)).toThrow(VmmError);
  });
});

describe('FDT reader', () => {
  it('rejects malformed blobs with VmmError only', () => {
    const t = new FdtTree();
    t.root.setString('model', 'ppcvm');
    t.root.addChild('a').setCells('reg', 1, 2);
    const good = t.toBlob();
    expect(() => parseFdt(good.subarray(0, 20))).toThrow(VmmError);
    const badMagic = good.slice();
    badMagic[0] = 0;
    expect(() => parseFdt(badMagic)).toThrow(/magic/);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), (i, v) => {
        const b = good.slice();
        b[i] = v;
        try {
          parseFdt(b);
        } catch (e) {
          expect(VmmError.is(e)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the pseries device tree', () => {
  const { machine } = bootGuest(new Asm().hang(), { cmdline: 'console=hvc0 quiet', initrd: new Uint8Array(5000) });
  const blob = machine.fdt;
  const ours = parseDts(dtc(blob));
  const ref = parseDts(referenceDts);
  /** Node paths with unit addresses that differ by design normalised to the reference's. */
  const norm = (path: string) =>
    path.replace('vty@30000000', 'vty@71000000').replace('nvram@30000001', 'nvram@71000001');

  it('is valid for dtc and has the structure of QEMU pseries', () => {
    const paths = [...ours.keys()];
    for (const p of [
      '/',
      '/chosen',
      '/memory@0',
      '/cpus',
      '/cpus/PowerPC,POWER8@0',
      '/rtas',
      '/event-sources',
      '/event-sources/epow-events',
      '/event-sources/hot-plug-events',
      '/vdevice',
      '/vdevice/vty@30000000',
      '/vdevice/nvram@30000001',
      '/interrupt-controller',
    ]) {
      expect(paths).toContain(p);
    }
    // Every node we make exists in QEMU's tree, except the rng facility QEMU adds only with -device spapr-rng.
    for (const p of paths) {
      if (p.startsWith('/ibm,platform-facilities')) continue;
      expect(ref.has(norm(p)), p).toBe(true);
    }
  });

  it('carries the properties QEMU sets, with QEMU values where the feature matches', () => {
    /** Properties we add that QEMU's (SLOF-era) tree does not have, each for a reason. */
    const extra: Record<string, string[]> = {
      '/chosen': [], // everything below also in QEMU
      '/rtas': ['linux,rtas-base', 'linux,rtas-entry'], // prom_init would add them (no firmware here)
      '/cpus/PowerPC,POWER8@0': ['d-cache-sets', 'i-cache-sets'],
    };
    for (const [path, props] of ours) {
      const r = ref.get(norm(path));
      if (!r) continue;
      for (const name of props.keys()) {
        if (name === 'phandle' || name === 'linux,phandle' || name.startsWith('linux,initrd') || name === 'rng-seed')
          continue;
        if ((extra[path] ?? []).includes(name)) continue;
        expect(r.has(name), `${path} ${name}`).toBe(true);
      }
    }
    const same = (path: string, names: string[]) => {
      for (const n of names) expect(ours.get(path)!.get(n), `${path} ${n}`).toBe(ref.get(norm(path))!.get(n));
    };
    same('/', ['#size-cells', '#address-cells', 'compatible', 'device_type']);
    same('/cpus', ['#size-cells', '#address-cells']);
    same('/cpus/PowerPC,POWER8@0', [
      'ibm,pa-features',
      'ibm,segment-page-sizes',
      'ibm,processor-segment-sizes',
      'ibm,slb-size',
      'slb-size',
      'timebase-frequency',
      'clock-frequency',
      'cpu-version',
      'ibm,vmx',
      'ibm,dfp',
      'ibm,purr',
      'ibm,spurr',
      'd-cache-size',
      'i-cache-size',
      'd-cache-line-size',
      'i-cache-line-size',
      'd-cache-block-size',
      'i-cache-block-size',
      'ibm,ppc-interrupt-server#s',
      'ibm,ppc-interrupt-gserver#s',
      'ibm,chip-id',
      'reg',
      'device_type',
      'status',
      '64-bit',
    ]);
    same('/rtas', [
      'ibm,max-associativity-domains',
      'ibm,associativity-reference-points',
      'rtas-error-log-max',
      'rtas-event-scan-rate',
      'ibm,extended-os-term',
      'display-character',
      'get-time-of-day',
      'power-off',
      'system-reboot',
      'ibm,set-xive',
      'ibm,int-on',
      'nvram-fetch',
      'ibm,os-term',
      'ibm,nmi-register',
      'event-scan',
      'check-exception',
    ]);
    same('/event-sources', ['interrupt-ranges', '#interrupt-cells', 'interrupt-controller']);
    same('/event-sources/epow-events', ['interrupts']);
    same('/vdevice', [
      '#address-cells',
      '#size-cells',
      '#interrupt-cells',
      'compatible',
      'device_type',
      'interrupt-controller',
    ]);
    same('/vdevice/vty@30000000', ['interrupts', 'compatible', 'device_type']);
    same('/vdevice/nvram@30000001', ['#bytes', 'compatible', 'device_type']);
    same('/interrupt-controller', ['compatible', 'device_type', '#interrupt-cells', 'interrupt-controller']);
    // One server here, two in the reference (2 vCPUs).
    expect(ours.get('/interrupt-controller')!.get('ibm,interrupt-server-ranges')).toBe('<0x00 0x01>');
    same('/memory@0', ['device_type', 'ibm,associativity']);
  });

  it('says what this machine is and how it was booted', () => {
    const p = parseFdt(blob);
    const s = (path: string, n: string) => propStrings(findParsedNode(p.root, path)!.properties.get(n));
    const c = (path: string, n: string) => propCells(findParsedNode(p.root, path)!.properties.get(n));
    expect(s('/', 'model')).toEqual(['IBM pSeries (emulated by ppcvm)']);
    expect(s('/chosen', 'bootargs')).toEqual(['console=hvc0 quiet']);
    expect(s('/chosen', 'linux,stdout-path')).toEqual(['/vdevice/vty@30000000']);
    expect(c('/chosen', 'linux,initrd-start')).toEqual([machine.boot.initrd!.start]);
    expect(c('/chosen', 'linux,initrd-end')).toEqual([machine.boot.initrd!.start + 5000]);
    expect(c('/memory@0', 'reg')).toEqual([0, 0, 0, 256 * 2 ** 20]);
    expect(c('/rtas', 'linux,rtas-base')).toEqual([machine.boot.rtasBase]);
    expect(c('/rtas', 'linux,rtas-entry')).toEqual([machine.boot.rtasBase]);
    expect(c('/rtas', 'rtas-size')).toEqual([0x30 + 2048 + 16]);
    // HPT: 1/128 of 256 MiB = 2 MiB.
    expect(c('/cpus/PowerPC,POWER8@0', 'ibm,pft-size')).toEqual([0, 21]);
    // Advertise only function sets whose hcalls all exist.
    expect(s('/rtas', 'ibm,hypertas-functions')).toEqual([
      'hcall-pft',
      'hcall-term',
      'hcall-dabr',
      'hcall-interrupt',
      'hcall-vio',
      'hcall-splpar',
      'hcall-bulk',
      'hcall-set-mode',
      'hcall-sprg0',
      'hcall-copy',
      'hcall-debug',
      'hcall-hpt-resize',
    ]);
    // Kernel, initrd and RTAS are reserved; the tree itself is reserved by Linux.
    expect(p.memReserve).toEqual([
      { address: BigInt(machine.boot.kernel.base), size: BigInt(machine.boot.kernel.size) },
      { address: BigInt(machine.boot.initrd!.start), size: 5000n },
      { address: BigInt(machine.boot.rtasBase), size: BigInt(0x30 + 2048 + 16) },
    ]);
    expect(findParsedNode(p.root, '/hypervisor')).toBeUndefined();
    expect(s('/ibm,platform-facilities/ibm,random-v1', 'compatible')).toEqual(['ibm,random']);
    // No radix, no XIVE: an empty option vector 5 (Linux prom.c early_check_vec5).
    expect([...findParsedNode(p.root, '/chosen')!.properties.get('ibm,architecture-vec-5')!]).toEqual([0, 0]);
  });

  it('publishes every RTAS token the dispatcher serves', () => {
    const p = parseFdt(blob);
    const rtas = findParsedNode(p.root, '/rtas')!;
    for (const s of machine.rtas.services) expect(propCells(rtas.properties.get(s.name)), s.name).toEqual([s.token]);
  });
});
