/** The README example must run as written (with the package import pointed at src/). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it, vi } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
// Inside the package so '@ppcvm/machine-core' resolves; removed afterwards.
const dir = mkdtempSync(join(here, '..', '.readme-tmp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('README example runs and prints the documented translation', async () => {
  const readme = readFileSync(resolve(here, '../README.md'), 'utf8');
  const m = /```ts\n([\s\S]*?)```/.exec(readme);
  expect(m).not.toBeNull();
  const src = m![1]!.replace("from '@ppcvm/hpt-mmu'", `from '${resolve(here, '../src/index.ts')}'`);
  const file = join(dir, 'example.ts');
  writeFileSync(file, src);
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((s: string) => {
    lines.push(s);
  });
  try {
    await import(file);
  } finally {
    spy.mockRestore();
  }
  expect(lines).toContain('RA 0x234abcd, 65536 byte page, prot 5');
  expect(lines.some((l) => l.startsWith('HPTE index '))).toBe(true);
});
