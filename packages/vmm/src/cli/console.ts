/**
 * The terminal side of the guest console, like QEMU's `-nographic` mux: input
 * bytes go to the guest except the escape sequences that start with Ctrl-A
 * (x quits, h prints help, c switches between the guest console and the
 * monitor, Ctrl-A Ctrl-A sends one Ctrl-A). Works the same on a terminal (put
 * into raw mode so keys reach the guest unprocessed) and on pipes.
 */

export const ESCAPE = 0x01;

export const CONSOLE_HELP = `\r
C-a h    print this help\r
C-a x    exit emulator\r
C-a c    switch between console and monitor\r
C-a C-a  sends C-a\r
`;

export type ConsoleFocus = 'guest' | 'monitor';

export interface ConsoleActions {
  /** Bytes for the guest. */
  input(bytes: Uint8Array): void;
  /** Ctrl-A x. */
  quit(): void;
  /** Ctrl-A h: show `text` to the user. */
  help(text: string): void;
  /** Ctrl-A c moved the focus (without this action Ctrl-A c is ignored). */
  focus?(to: ConsoleFocus): void;
  /** Bytes typed while the monitor has the focus. */
  monitorInput?(bytes: Uint8Array): void;
}

/** Splits host input into guest bytes, monitor bytes and escape commands; keeps state across chunks. */
export class ConsoleMux {
  private escaped = false;
  private focusTo: ConsoleFocus = 'guest';

  constructor(private readonly actions: ConsoleActions) {}

  /** Who gets the typed bytes now. */
  get focus(): ConsoleFocus {
    return this.focusTo;
  }

  /** Move the focus (as Ctrl-A c does). */
  setFocus(to: ConsoleFocus): void {
    if (to === this.focusTo || (to === 'monitor' && !this.actions.focus)) return;
    this.focusTo = to;
    this.actions.focus?.(to);
  }

  feed(chunk: Uint8Array): void {
    const out: number[] = [];
    const flush = () => {
      if (out.length === 0) return;
      const bytes = Uint8Array.from(out);
      out.length = 0;
      if (this.focusTo === 'monitor') this.actions.monitorInput?.(bytes);
      else this.actions.input(bytes);
    };
    for (const b of chunk) {
      if (this.escaped) {
        this.escaped = false;
        if (b === ESCAPE) out.push(ESCAPE);
        else if (b === 0x78 /* x */ || b === 0x58) {
          flush();
          this.actions.quit();
          return;
        } else if (b === 0x68 /* h */ || b === 0x3f /* ? */) {
          flush();
          this.actions.help(CONSOLE_HELP);
        } else if (b === 0x63 /* c */ || b === 0x43) {
          flush();
          this.setFocus(this.focusTo === 'guest' ? 'monitor' : 'guest');
        }
        // Other escapes are ignored, as QEMU's mux does.
        continue;
      }
      if (b === ESCAPE) this.escaped = true;
      else out.push(b);
    }
    flush();
  }
}

/** Longest monitor command line; more is refused (a hostile pipe cannot grow it without bound). */
export const MAX_MONITOR_LINE = 1024;

/**
 * A minimal line editor for the monitor prompt on a raw terminal or a pipe: echoes what is
 * typed, handles backspace, Ctrl-U (kill line) and Ctrl-C (drop the line), ignores other
 * control characters and terminal escape sequences (arrow keys), and hands each complete
 * line (CR, LF or CR LF) to `execute`. Output uses CR LF, as on a raw terminal.
 */
export class MonitorLine {
  private line = '';
  private lastCr = false;
  /** Inside an ESC [ ... sequence (0: no, 1: after ESC, 2: after ESC [). */
  private esc = 0;
  private overflow = false;

  /**
   * @param write terminal output
   * @param execute runs one command line, returns its output
   * @param again false once no further prompt should appear (e.g. after `quit`)
   */
  constructor(
    private readonly write: (text: string) => void,
    private readonly execute: (line: string) => string,
    private readonly again: () => boolean = () => true,
    private readonly prompt = '(ppcvm) ',
  ) {}

  /** Print a fresh prompt (and what was typed so far). */
  showPrompt(): void {
    this.write(`${this.prompt}${this.line}`);
  }

  feed(bytes: Uint8Array): void {
    for (const b of bytes) {
      if (this.esc === 1) {
        this.esc = b === 0x5b /* [ */ || b === 0x4f /* O */ ? 2 : 0;
        continue;
      }
      if (this.esc === 2) {
        // Parameters and intermediates are 0x20-0x3f; the final byte ends the sequence.
        if (b < 0x20 || b > 0x3f) this.esc = 0;
        continue;
      }
      const cr = this.lastCr;
      this.lastCr = false;
      if (b === 0x0d || b === 0x0a) {
        if (b === 0x0a && cr) continue; // CR LF is one line end
        this.lastCr = b === 0x0d;
        this.enter();
      } else if (b === 0x7f || b === 0x08) {
        if (this.line.length > 0) {
          this.line = this.line.slice(0, -1);
          this.write('\b \b');
        }
      } else if (b === 0x15 || b === 0x03) {
        // Ctrl-U / Ctrl-C: forget the line.
        this.line = '';
        this.overflow = false;
        this.write(b === 0x03 ? '^C\r\n' : '\r\n');
        this.showPrompt();
      } else if (b === 0x1b) {
        this.esc = 1;
      } else if (b >= 0x20 && b < 0x7f) {
        if (this.line.length >= MAX_MONITOR_LINE) {
          this.overflow = true;
          continue;
        }
        const c = String.fromCharCode(b);
        this.line += c;
        this.write(c);
      }
      // Other control characters and non-ASCII bytes are ignored.
    }
  }

  private enter(): void {
    const line = this.line;
    const overflow = this.overflow;
    this.line = '';
    this.overflow = false;
    this.write('\r\n');
    let out: string;
    if (overflow) out = `error: line longer than ${MAX_MONITOR_LINE} characters ignored\n`;
    else {
      try {
        out = this.execute(line);
      } catch (e) {
        out = `error: ${e instanceof Error ? e.message : String(e)}\n`;
      }
    }
    if (out.length > 0) this.write(out.replace(/\r?\n/g, '\r\n'));
    if (this.again()) this.showPrompt();
  }
}
