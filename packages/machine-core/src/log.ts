/**
 * Categorised debug logging (QEMU's `-d LIST`). Anything a guest can trigger
 * that is wrong becomes an architectural result plus one line here, never a throw.
 */
export type LogCategory = 'int' | 'hcall' | 'rtas' | 'mmu' | 'unimp' | 'guest_errors' | 'exec' | 'in_asm' | 'syscall';

export interface Logger {
  enabled(cat: LogCategory): boolean;
  log(cat: LogCategory, message: string): void;
}

/** A logger that drops everything (the default). */
export const nullLogger: Logger = {
  enabled: () => false,
  log: () => {},
};

/** A logger writing enabled categories through `sink` (e.g. to stderr or a file). */
export function createLogger(categories: Iterable<LogCategory>, sink: (line: string) => void): Logger {
  const on = new Set(categories);
  return {
    enabled: (cat) => on.has(cat),
    log: (cat, message) => {
      if (on.has(cat)) sink(`[${cat}] ${message}`);
    },
  };
}
