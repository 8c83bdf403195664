/**
 * The PAPR virtual terminal ("hvterm1", LoPAPR "Virtual Terminal"): what
 * Linux's hvc_vio driver and early udbg console talk to through
 * H_PUT_TERM_CHAR / H_GET_TERM_CHAR.
 *
 * Input is buffered as QEMU's spapr-vty does: a 16-byte guest-visible FIFO
 * (VTERM_BUFSIZE) and, behind it, a host backlog standing in for the character
 * device's flow control. The device interrupt (a message-signalled XICS
 * source) is pulsed whenever the FIFO goes from empty to non-empty, which is
 * when QEMU toggles its line.
 */
import { type FdtProperty, type IrqLine, type Logger, nullIrqLine, nullLogger } from '@ppcvm/machine-core';
import type { VioAttachment, VioDevice } from './device.js';
import { VioError } from './errors.js';

/** Guest-visible input FIFO size (QEMU VTERM_BUFSIZE). */
export const VTY_FIFO_SIZE = 16;
/** Most bytes one H_PUT_TERM_CHAR / H_GET_TERM_CHAR moves (two registers). */
export const VTY_MAX_CHARS = 16;
const DEFAULT_BACKLOG = 1 << 20;

export interface VioVtyOptions {
  /** Where guest output goes (a terminal, a file, a test buffer). Default: dropped. */
  readonly sink?: (bytes: Uint8Array) => void;
  /** Host input that may wait for the guest (FIFO included) before bytes are dropped. Default 1 MiB. */
  readonly backlogLimit?: number;
}

export interface VioVtySavedState {
  readonly fifo: Uint8Array;
  readonly backlog: Uint8Array;
}

export class VioVty implements VioDevice {
  readonly dtName = 'vty';
  readonly dtType = 'serial';
  readonly dtCompatible = 'hvterm1';
  readonly signalMask = 0;
  sink: (bytes: Uint8Array) => void;
  private readonly backlogLimit: number;
  private fifo: number[] = [];
  private backlog: number[] = [];
  private irqLine: IrqLine = nullIrqLine;
  private logger: Logger = nullLogger;
  private dropped = false;
  private attached: VioAttachment | undefined;

  constructor(options: VioVtyOptions = {}) {
    this.sink = options.sink ?? (() => {});
    this.backlogLimit = options.backlogLimit ?? DEFAULT_BACKLOG;
  }

  /** Unit address once attached to a bus. */
  get reg(): number | undefined {
    return this.attached?.reg;
  }

  nodeProperties(): FdtProperty[] {
    return [];
  }

  attach(attachment: VioAttachment): void {
    if (this.attached) throw new VioError('this vty is already on a bus');
    this.attached = attachment;
    this.irqLine = attachment.irqLine;
    this.logger = attachment.logger;
  }

  reset(): void {
    // Host input that has not reached the guest yet survives a reset, as the
    // character device's buffered input does in QEMU; the guest FIFO does too
    // (QEMU has no reset handler for it).
  }

  /** Guest output: hand `bytes` to the host sink. */
  putChars(bytes: Uint8Array): void {
    if (bytes.length > 0) this.sink(bytes);
  }

  /**
   * Guest input: take up to `max` bytes from the FIFO. Like QEMU (and PowerVM,
   * whose bug Linux's hvc driver works around by deleting a NUL after every
   * CR) a CR is followed by a NUL, so a real NUL after a CR survives the guest's
   * workaround; when the NUL would not fit the CR waits for the next call.
   */
  getChars(max = VTY_MAX_CHARS): Uint8Array {
    const out: number[] = [];
    while (out.length < max && this.fifo.length > 0) {
      const c = this.fifo[0]!;
      if (c === 0x0d) {
        if (out.length + 2 > max) break;
        out.push(0x0d, 0x00);
      } else out.push(c);
      this.fifo.shift();
    }
    this.refill();
    return Uint8Array.from(out);
  }

  /**
   * Host input (keyboard, pipe). Returns how many bytes were accepted; bytes
   * beyond the backlog limit are dropped (one log line per episode).
   */
  receive(bytes: Uint8Array): number {
    const room = this.backlogLimit - this.pendingInput();
    const take = Math.min(bytes.length, Math.max(0, room));
    for (let i = 0; i < take; i++) this.backlog.push(bytes[i]!);
    if (take < bytes.length) {
      if (!this.dropped)
        this.logger.log('guest_errors', `vty: input backlog full, ${bytes.length - take} bytes dropped`);
      this.dropped = true;
    } else this.dropped = false;
    this.refill();
    return take;
  }

  /** Bytes waiting for the guest (FIFO + backlog). */
  pendingInput(): number {
    return this.fifo.length + this.backlog.length;
  }

  private refill(): void {
    const wasEmpty = this.fifo.length === 0;
    while (this.fifo.length < VTY_FIFO_SIZE && this.backlog.length > 0) this.fifo.push(this.backlog.shift()!);
    // QEMU pulses when data arrives while the FIFO is empty: an edge for the MSI source.
    if (wasEmpty && this.fifo.length > 0) this.irqLine.pulse();
  }

  saveState(): VioVtySavedState {
    return { fifo: Uint8Array.from(this.fifo), backlog: Uint8Array.from(this.backlog) };
  }

  restore(state: VioVtySavedState): void {
    if (!(state?.fifo instanceof Uint8Array) || !(state.backlog instanceof Uint8Array)) {
      throw new VioError('vty state needs fifo and backlog byte arrays');
    }
    if (state.fifo.length > VTY_FIFO_SIZE) throw new VioError(`vty FIFO holds at most ${VTY_FIFO_SIZE} bytes`);
    this.fifo = [...state.fifo];
    this.backlog = [...state.backlog];
  }
}
