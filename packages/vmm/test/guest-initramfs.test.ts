import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writeCpio } from '../src/guest/cpio.js';
import { buildInitramfs, INIT_BANNER, initScript, runCommandArg } from '../src/guest/initramfs.js';

describe('newc cpio writer', () => {
  it('produces an archive GNU cpio lists and extracts identically', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ppcvm-cpio-'));
    try {
      const data = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);
      const archive = writeCpio([
        { path: 'a', type: 'dir', mode: 0o755 },
        { path: 'a/file', type: 'file', mode: 0o644, data },
        { path: 'a/odd-name.txt', type: 'file', mode: 0o600, data: 'x' },
        { path: 'a/link', type: 'symlink', mode: 0o777, data: 'file' },
      ]);
      expect(archive.length % 4).toBe(0);
      writeFileSync(join(dir, 'x.cpio'), archive);
      const list = spawnSync('cpio', ['-it', '--quiet'], { input: archive, encoding: 'utf8' });
      expect(list.status).toBe(0);
      expect(list.stdout.trim().split('\n')).toEqual(['a', 'a/file', 'a/odd-name.txt', 'a/link']);
      const out = join(dir, 'out');
      const ex = spawnSync('sh', ['-c', `mkdir ${out} && cd ${out} && cpio -id --quiet < ../x.cpio`]);
      expect(ex.status).toBe(0);
      expect(new Uint8Array(readFileSync(join(out, 'a/file')))).toEqual(data);
      expect(statSync(join(out, 'a/odd-name.txt')).mode & 0o777).toBe(0o600);
      expect(readlinkSync(join(out, 'a/link'))).toBe('file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses empty or NUL-containing paths', () => {
    expect(() => writeCpio([{ path: '/', type: 'dir', mode: 0o755 }])).toThrow(/bad path/);
    expect(() => writeCpio([{ path: 'a\0b', type: 'file', mode: 0o644 }])).toThrow(/bad path/);
  });
});

describe('initramfs', () => {
  it('holds busybox, /init and the console node, gzip-compressed', () => {
    const fakeBusybox = new TextEncoder().encode('\x7fELF fake');
    const img = buildInitramfs({ busybox: fakeBusybox });
    expect(img[0]).toBe(0x1f);
    expect(img[1]).toBe(0x8b);
    const list = spawnSync('cpio', ['-itv', '--quiet'], { input: gunzipSync(img), encoding: 'utf8' });
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^-rwxr-xr-x .* init$/m);
    expect(list.stdout).toMatch(/^-rwxr-xr-x .* bin\/busybox$/m);
    expect(list.stdout).toMatch(/^crw------- .* 5,\s+1 .* dev\/console$/m);
  });

  it('/init is valid sh, prints the banner, and decodes the command-line hook', () => {
    const script = initScript();
    expect(script).toContain(INIT_BANNER);
    const check = spawnSync('sh', ['-n'], { input: script.replace('#!/bin/busybox sh\n', '') });
    expect(check.status).toBe(0);
    const arg = runCommandArg('echo "hi there" | wc -c');
    expect(arg).toMatch(/^ppcvm_run=[A-Za-z0-9+/=]+$/);
    const decoded = Buffer.from(arg.slice('ppcvm_run='.length), 'base64').toString();
    expect(decoded).toBe('echo "hi there" | wc -c');
  });
});
