/**
 * Progress of a guest fetch, as events, and a printer that turns them into
 * lines on a stream (with a live percentage on a terminal).
 */

export type FetchProgress =
  /** A step of the fetch ("downloading packages", "building initramfs…"). */
  | { readonly kind: 'step'; readonly message: string }
  /** Something worth knowing that does not stop the fetch. */
  | { readonly kind: 'warning'; readonly message: string }
  /** One line of apt's own output ("Get:1 … [965 kB]"). */
  | { readonly kind: 'output'; readonly line: string }
  /** apt's machine-readable progress (APT::Status-Fd "dlstatus"): 0..100 and what it is doing. */
  | { readonly kind: 'percent'; readonly percent: number; readonly label: string };

export type ProgressListener = (event: FetchProgress) => void;

export interface ProgressPrinterOptions {
  /** Put before every step and warning line, e.g. 'ppcvm: '. */
  readonly prefix?: string;
  /** Show percentages on one line rewritten in place (only for a terminal). */
  readonly tty?: boolean;
}

/**
 * A listener that writes steps, warnings and apt's lines to `write`; on a
 * terminal it also keeps one "  42% Retrieving file 1 of 2" line up to date,
 * cleared before any other line is written.
 */
export function progressPrinter(write: (text: string) => unknown, opts: ProgressPrinterOptions = {}): ProgressListener {
  const prefix = opts.prefix ?? '';
  let live = false;
  const clear = () => {
    if (live) write('\r\x1b[K');
    live = false;
  };
  return (e) => {
    switch (e.kind) {
      case 'step':
        clear();
        write(`${prefix}${e.message}\n`);
        break;
      case 'warning':
        clear();
        write(`${prefix}warning: ${e.message}\n`);
        break;
      case 'output':
        clear();
        write(`  ${e.line}\n`);
        break;
      case 'percent':
        if (!opts.tty) break;
        write(`\r\x1b[K  ${e.percent.toFixed(0).padStart(3)}% ${e.label}`);
        live = true;
        if (e.percent >= 100) clear();
        break;
    }
  };
}
