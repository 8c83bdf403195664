/** -smp: command-line parsing, vCPU topology (PIR/TIR, run states) and the device tree's cores. */
import { describe, expect, it } from 'vitest';
import { findParsedNode, Machine, parseFdt, parseSmp, propCells, UsageError } from '../src/index.js';
import { Asm } from './support/asm.js';
import { makeElf } from './support/elf.js';

describe('-smp parsing', () => {
  it('takes QEMU spellings', () => {
    expect(parseSmp('1', 'power8')).toEqual({ smp: 1, threads: 1 });
    expect(parseSmp('4', 'power8')).toEqual({ smp: 4, threads: 1 });
    expect(parseSmp('cpus=2', 'power8')).toEqual({ smp: 2, threads: 1 });
    expect(parseSmp('4,threads=2', 'power8')).toEqual({ smp: 4, threads: 2 });
    expect(parseSmp('8,cores=2,threads=4', 'power9')).toEqual({ smp: 8, threads: 4 });
    // Count derived from the topology, as QEMU does.
    expect(parseSmp('cores=2,threads=2', 'power8')).toEqual({ smp: 4, threads: 2 });
    expect(parseSmp('16,threads=8', 'power8')).toEqual({ smp: 16, threads: 8 });
  });

  it('refuses bad topologies with a message', () => {
    const bad: [string, 'power7' | 'power8', RegExp][] = [
      ['x', 'power8', /invalid -smp/],
      ['2,threads=x', 'power8', /invalid -smp/],
      ['2,bogus=1', 'power8', /invalid -smp/],
      ['2,threads=3', 'power8', /threads=3: power8 cores have 1, 2, 4 or 8 threads/],
      ['16,threads=16', 'power8', /threads=16/],
      ['8,threads=8', 'power7', /threads=8: power7 cores have 1, 2 or 4 threads/],
      ['0', 'power8', /at least one CPU/],
      ['3,threads=2', 'power8', /not a multiple of threads=2/],
      ['8,cores=1,threads=2', 'power8', /more than sockets\*cores\*threads/],
      ['1000', 'power8', /at most 256/],
      ['2,maxcpus=4', 'power8', /hotplug/],
    ];
    for (const [text, model, msg] of bad) {
      expect(() => parseSmp(text, model), text).toThrow(UsageError);
      expect(() => parseSmp(text, model), text).toThrow(msg);
    }
  });
});

function machine(smp: number, threads?: number): Machine {
  return new Machine({
    kernel: makeElf(new Asm().hang().bytes()),
    ramSize: 256 * 2 ** 20,
    smp,
    threads,
    timebase: () => 0,
  });
}

describe('SMP topology', () => {
  it('numbers the threads: pir = index, tir = index % threads; only vCPU 0 runs at reset', () => {
    const m = machine(4, 2);
    expect(m.vcpus.map((v) => v.cpu.pir)).toEqual([0, 1, 2, 3]);
    expect(m.vcpus.map((v) => v.cpu.tir)).toEqual([0, 1, 0, 1]);
    expect(m.vcpus.map((v) => v.state)).toEqual(['running', 'stopped', 'stopped', 'stopped']);
  });

  it('has one cpu node per core listing its threads, and XICS servers for every thread', () => {
    const fdt = parseFdt(machine(4, 2).fdt);
    const cpus = findParsedNode(fdt.root, '/cpus')!;
    expect(cpus.children.map((n) => n.name)).toEqual(['PowerPC,POWER8@0', 'PowerPC,POWER8@2']);
    const [c0, c1] = cpus.children as [(typeof cpus.children)[0], (typeof cpus.children)[0]];
    expect(propCells(c0.properties.get('reg'))).toEqual([0]);
    expect(propCells(c0.properties.get('ibm,ppc-interrupt-server#s'))).toEqual([0, 1]);
    expect(propCells(c0.properties.get('ibm,ppc-interrupt-gserver#s'))).toEqual([0, 0, 1, 0]);
    expect(propCells(c1.properties.get('reg'))).toEqual([2]);
    expect(propCells(c1.properties.get('ibm,ppc-interrupt-server#s'))).toEqual([2, 3]);
    expect(propCells(c1.properties.get('ibm,ppc-interrupt-gserver#s'))).toEqual([2, 0, 3, 0]);
    const icp = findParsedNode(fdt.root, '/interrupt-controller');
    expect(propCells(icp?.properties.get('ibm,interrupt-server-ranges'))).toEqual([0, 4]);
    // Max cores in ibm,lrdr-capacity.
    expect(propCells(findParsedNode(fdt.root, '/rtas')?.properties.get('ibm,lrdr-capacity'))?.at(-1)).toBe(2);
  });

  it('gives one-thread cores a node each by default', () => {
    const fdt = parseFdt(machine(2).fdt);
    const cpus = findParsedNode(fdt.root, '/cpus')!;
    expect(cpus.children.map((n) => n.name)).toEqual(['PowerPC,POWER8@0', 'PowerPC,POWER8@1']);
    expect(propCells(cpus.children[1]!.properties.get('ibm,ppc-interrupt-server#s'))).toEqual([1]);
  });

  it('refuses more threads than the model has', () => {
    expect(() => machine(8, 8)).not.toThrow();
    expect(
      () =>
        new Machine({
          kernel: makeElf(new Asm().hang().bytes()),
          ramSize: 256 * 2 ** 20,
          smp: 8,
          threads: 8,
          cpu: 'power7',
        }),
    ).toThrow(/at most 4/);
  });
});
