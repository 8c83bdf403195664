/**
 * Debian's own apt, run with a private state and cache directory so the
 * host's package state and configuration are never changed: the host's apt
 * sources (only "deb" entries of the host release's suites, without
 * backports) re-targeted to the ppc64el architecture, an empty dpkg status,
 * own package lists.
 */
import { spawn } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, join } from 'node:path';
import { VmmError } from '../errors.js';
import type { GuestEnv } from './paths.js';
import type { ProgressListener } from './progress.js';

export const ARCH = 'ppc64el';

/**
 * A fetch that cannot complete (apt missing or failing, a package without the
 * expected file, a file that is not a ppc64 ELF). `help` says what the user
 * can place where instead.
 */
export class GuestFetchError extends VmmError {
  constructor(
    message: string,
    readonly help = '',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GuestFetchError';
  }
}

/** The tools a fetch runs. */
export const FETCH_TOOLS = ['apt-get', 'apt-cache', 'apt-config', 'dpkg-deb', 'tar'] as const;

/** The absolute path of executable `tool` on env.PATH, or null. */
export function findExecutable(tool: string, env: GuestEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, tool);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

export interface ToolRun {
  readonly cwd?: string;
  readonly env: GuestEnv;
  /** Forward output lines (and apt's Status-Fd percentages) here; otherwise capture quietly. */
  readonly progress?: ProgressListener;
  /** Pass `-oAPT::Status-Fd=3` results as 'percent' events. */
  readonly statusFd?: boolean;
}

/** Split a stream into lines (on \n or \r, as apt redraws with \r on terminals). */
function onLines(stream: NodeJS.ReadableStream | null | undefined, each: (line: string) => void): void {
  if (!stream) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (rest + chunk).split(/\r?\n|\r/);
    rest = parts.pop() ?? '';
    for (const p of parts) if (p.trim() !== '') each(p);
  });
  stream.on('end', () => {
    if (rest.trim() !== '') each(rest);
    rest = '';
  });
}

/** Run `cmd`; resolves with its standard output, rejects with a GuestFetchError naming the failure. */
export function runTool(cmd: string, args: readonly string[], run: ToolRun): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const stdio: ('ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe'];
    if (run.statusFd) stdio.push('pipe');
    const child = spawn(cmd, args, { cwd: run.cwd, env: { ...run.env }, stdio });
    let out = '';
    let err = '';
    const shown = (a: string) => !a.startsWith('-o');
    if (run.progress) {
      const progress = run.progress;
      onLines(child.stdout, (line) => {
        out += `${line}\n`;
        progress({ kind: 'output', line });
      });
      onLines(child.stderr, (line) => {
        err += `${line}\n`;
        progress({ kind: 'output', line });
      });
      // "dlstatus:<item>:<percent>:<message>" (apt's APT::Status-Fd protocol).
      onLines(child.stdio[3] as NodeJS.ReadableStream | undefined, (line) => {
        const m = /^dlstatus:[^:]*:([\d.]+):(.*)$/.exec(line);
        if (m) progress({ kind: 'percent', percent: Math.min(100, Number(m[1])), label: m[2]!.trim() });
      });
    } else {
      child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    }
    child.on('error', (e) =>
      reject(new GuestFetchError(`${cmd} could not be started: ${e.message}`, '', { cause: e })),
    );
    child.on('close', (code, signal) => {
      if (code === 0) return resolvePromise(out);
      const detail = (err || out).trim();
      reject(
        new GuestFetchError(
          `${cmd} ${args.filter(shown).join(' ')} ${signal ? `was killed by ${signal}` : `exited with ${code}`}${
            detail && !run.progress ? `\n${detail}` : ''
          }`,
        ),
      );
    });
  });
}

function hostCodename(): string | null {
  try {
    const m = /^VERSION_CODENAME=["']?([^"'\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m?.[1] || null;
  } catch {
    return null;
  }
}

type Stanza = [string, string][];

/**
 * Parse deb822 ".sources" text into stanzas of [field, raw value]; values keep
 * continuation lines so inline Signed-By key blocks survive.
 */
export function parseDeb822(text: string): Stanza[] {
  const stanzas: Stanza[] = [];
  let cur: Stanza | null = null;
  let last: [string, string] | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    if (line.trim() === '') {
      if (cur) stanzas.push(cur);
      cur = null;
      last = null;
      continue;
    }
    if (/^[ \t]/.test(line)) {
      if (last) last[1] += `\n${line}`;
      continue;
    }
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    cur ??= [];
    last = [m[1]!, m[2]!];
    cur.push(last);
  }
  if (cur) stanzas.push(cur);
  return stanzas;
}

/** Parse one-line "deb [opts] uri suite comp…" entries into the same shape. */
export function parseOneLineSources(text: string): Stanza[] {
  const stanzas: Stanza[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const st: Stanza = [
      ['Types', m[1]!],
      ['URIs', m[3]!],
      ['Suites', m[4]!],
    ];
    if (m[5]) st.push(['Components', m[5]]);
    for (const opt of (m[2] ?? '').split(/\s+/).filter(Boolean)) {
      const [k, v = ''] = opt.split('=');
      if (k === 'signed-by') st.push(['Signed-By', v.split(',').join(' ')]);
      else if (k === 'trusted') st.push(['Trusted', v]);
    }
    stanzas.push(st);
  }
  return stanzas;
}

/**
 * A private deb822 source file from host source stanzas: binary entries only,
 * only suites of `codename` (third-party repositories rarely carry ppc64el
 * and never the Debian kernel), Architectures forced to ppc64el.
 */
export function retargetSources(stanzas: readonly Stanza[], codename: string | null): string {
  const keepSuite = (s: string) =>
    codename ? (s === codename || s.startsWith(`${codename}-`)) && !s.includes('-backports') : true;
  const out: string[] = [];
  for (const st of stanzas) {
    const field = (k: string) => st.find(([n]) => n.toLowerCase() === k.toLowerCase())?.[1];
    if (!(field('Types') ?? '').split(/\s+/).includes('deb')) continue;
    if (/^(no|false)$/i.test((field('Enabled') ?? 'yes').trim())) continue;
    const suites = (field('Suites') ?? '').split(/\s+/).filter((s) => s !== '' && keepSuite(s));
    if (suites.length === 0 || !field('URIs')) continue;
    const lines = ['Types: deb', `Suites: ${suites.join(' ')}`, `Architectures: ${ARCH}`];
    for (const [k, v] of st) if (!/^(types|suites|architectures|enabled)$/i.test(k)) lines.push(`${k}: ${v}`);
    out.push(lines.join('\n'));
  }
  return out.length > 0 ? `${out.join('\n\n')}\n` : '';
}

async function hostSources(env: GuestEnv): Promise<string> {
  const out = await runTool('apt-config', ['shell', 'SL', 'Dir::Etc::sourcelist/f', 'SP', 'Dir::Etc::sourceparts/d'], {
    env,
  });
  const get = (k: string) => new RegExp(`^${k}='(.*)'$`, 'm').exec(out)?.[1] ?? null;
  const list = get('SL') ?? '/etc/apt/sources.list';
  const parts = get('SP') ?? '/etc/apt/sources.list.d/';
  const stanzas: Stanza[] = [];
  if (existsSync(list)) stanzas.push(...parseOneLineSources(readFileSync(list, 'utf8')));
  if (existsSync(parts)) {
    for (const f of readdirSync(parts).sort()) {
      const p = join(parts, f);
      if (f.endsWith('.sources')) stanzas.push(...parseDeb822(readFileSync(p, 'utf8')));
      else if (f.endsWith('.list')) stanzas.push(...parseOneLineSources(readFileSync(p, 'utf8')));
    }
  }
  const codename = hostCodename();
  const text = retargetSources(stanzas, codename);
  if (!text) {
    throw new GuestFetchError(
      `no usable apt source found in ${list} or ${parts} (looked for "deb" entries of suite ${codename ?? '<any>'})`,
    );
  }
  return text;
}

/** A private apt: its directories and the -o options that point apt at them. */
export interface PrivateApt {
  readonly root: string;
  readonly debs: string;
  readonly cache: string;
  readonly options: readonly string[];
  readonly env: GuestEnv;
}

/** Create (or reuse) the private apt state under `root`, with sources from the host. */
export async function privateApt(root: string, env: GuestEnv): Promise<PrivateApt> {
  const state = join(root, 'state');
  const lists = join(state, 'lists');
  const cache = join(root, 'cache');
  const etc = join(root, 'etc');
  const parts = join(etc, 'sources.list.d');
  const prefParts = join(etc, 'preferences.d');
  for (const d of [join(lists, 'partial'), join(cache, 'archives', 'partial'), parts, prefParts]) {
    mkdirSync(d, { recursive: true });
  }
  const status = join(state, 'status');
  const empty = join(etc, 'empty');
  if (!existsSync(status)) writeFileSync(status, '');
  writeFileSync(empty, '');
  writeFileSync(join(parts, 'ppcvm-fixtures.sources'), await hostSources(env));
  const options = [
    `-oAPT::Architecture=${ARCH}`,
    `-oAPT::Architectures=${ARCH}`,
    `-oDir::State=${state}`,
    `-oDir::State::Lists=${lists}`,
    `-oDir::State::status=${status}`,
    `-oDir::Cache=${cache}`,
    '-oDir::Cache::pkgcache=pkgcache.bin',
    '-oDir::Cache::srcpkgcache=srcpkgcache.bin',
    `-oDir::Etc::SourceList=${empty}`,
    `-oDir::Etc::SourceParts=${parts}`,
    `-oDir::Etc::Preferences=${empty}`,
    `-oDir::Etc::PreferencesParts=${prefParts}`,
    '-oAcquire::Languages=none',
  ];
  // As root apt drops to the _apt user for downloads, which cannot enter a
  // cache under a private home directory; the files are still hash-checked
  // against the signed Release file.
  if (process.getuid?.() === 0) options.push('-oAPT::Sandbox::User=root');
  return { root, debs: join(root, 'debs'), cache, options, env };
}

/** apt's binary caches are rebuilt from the lists on demand; no need to keep them at rest. */
export function dropBinaryCaches(apt: PrivateApt): void {
  for (const f of ['pkgcache.bin', 'srcpkgcache.bin']) rmSync(join(apt.cache, f), { force: true });
}

/** The candidate (installable) version of `pkg`, or null. */
export async function candidateVersion(apt: PrivateApt, pkg: string): Promise<string | null> {
  const out = await runTool('apt-cache', [...apt.options, 'policy', pkg], { env: apt.env });
  const m = /^\s*Candidate:\s*(\S+)/m.exec(out);
  return m && m[1] !== '(none)' ? m[1]! : null;
}

/** Debian's metapackage that depends on the current ppc64el kernel image package. */
export const KERNEL_METAPACKAGE = 'linux-image-powerpc64le';
const KERNEL_RE = /^linux-image-(\d+)\.(\d+)\.(\d+)-(\d+)-powerpc64le$/;

function compareKernelNames(a: string, b: string): number {
  const pa = KERNEL_RE.exec(a)!.slice(1).map(Number);
  const pb = KERNEL_RE.exec(b)!.slice(1).map(Number);
  for (let i = 0; i < pa.length; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

/** The kernel image package the metapackage depends on, else the newest by version and ABI number. */
export async function resolveKernelPackage(apt: PrivateApt): Promise<string> {
  const deps = await runTool('apt-cache', [...apt.options, 'depends', KERNEL_METAPACKAGE], { env: apt.env }).catch(
    () => '',
  );
  for (const line of deps.split('\n')) {
    const m = /^\s*Depends:\s*(\S+)/.exec(line);
    if (m && KERNEL_RE.test(m[1]!)) return m[1]!;
  }
  const search = await runTool(
    'apt-cache',
    [...apt.options, 'search', '--names-only', '^linux-image-[0-9].*-powerpc64le$'],
    { env: apt.env },
  );
  const names = search
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => KERNEL_RE.test(n))
    .sort(compareKernelNames);
  if (names.length === 0) throw new GuestFetchError(`no ${ARCH} kernel image package found in the apt sources`);
  return names[names.length - 1]!;
}
