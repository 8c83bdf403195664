/**
 * The narrow interrupt handle a device gets from its bus (STYLE.md lesson 5):
 * it can only drive its own line. Whoever owns the interrupt controller
 * (e.g. `@ppcvm/xics`'s `claim()`) hands these out.
 */
export interface IrqLine {
  /** Assert the line (level-sensitive sources stay asserted until lowered). */
  raise(): void;
  /** Deassert the line. */
  lower(): void;
  /** One edge: raise then lower (message-signalled sources: one message). */
  pulse(): void;
  /** Drive the line to `level`. */
  set(level: boolean): void;
}

/** A line connected to nothing (a device whose interrupt is not wired). */
export const nullIrqLine: IrqLine = {
  raise: () => {},
  lower: () => {},
  pulse: () => {},
  set: () => {},
};
