import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { afterAll, expect, it, vi } from 'vitest';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(pkg, '.cache', 'readme-test');

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

it('the README example runs and prints the output the README shows', async () => {
  const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  const output = /Output:\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeDefined();
  expect(output).toBeDefined();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'example.ts');
  writeFileSync(file, code!.replace("from '@ppcvm/spapr-vio'", `from '${join(pkg, 'src/index.js')}'`));
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(format(...args));
  });
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    spy.mockRestore();
  }
  expect(lines).toEqual(output!.trimEnd().split('\n'));
});
