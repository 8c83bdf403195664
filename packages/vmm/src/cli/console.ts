/**
 * The terminal side of the guest console, like QEMU's `-nographic` mux: input
 * bytes go to the guest except the escape sequences that start with Ctrl-A
 * (x quits, h prints help, Ctrl-A Ctrl-A sends one Ctrl-A). Works the same on
 * a terminal (put into raw mode so keys reach the guest unprocessed) and on
 * pipes.
 */

export const ESCAPE = 0x01;

export const CONSOLE_HELP = `\r
C-a h    print this help\r
C-a x    exit emulator\r
C-a C-a  sends C-a\r
`;

export interface ConsoleActions {
  /** Bytes for the guest. */
  input(bytes: Uint8Array): void;
  /** Ctrl-A x. */
  quit(): void;
  /** Ctrl-A h: show `text` to the user. */
  help(text: string): void;
}

/** Splits host input into guest bytes and escape commands; keeps state across chunks. */
export class ConsoleMux {
  private escaped = false;

  constructor(private readonly actions: ConsoleActions) {}

  feed(chunk: Uint8Array): void {
    const out: number[] = [];
    const flush = () => {
      if (out.length > 0) {
        this.actions.input(Uint8Array.from(out));
        out.length = 0;
      }
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
