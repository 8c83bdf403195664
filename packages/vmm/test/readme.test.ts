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
  writeFileSync(file, code!.replace("from '@ppcvm/vmm'", `from '${join(pkg, 'src/index.js')}'`));
  // Capture console.log and the guest's console output, in order.
  let text = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    text += `${format(...args)}\n`;
  });
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1');
    return true;
  });
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    log.mockRestore();
    write.mockRestore();
  }
  expect(text).toBe(output);
});
