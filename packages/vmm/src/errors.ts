const VMM_ERROR = Symbol.for('@ppcvm/vmm/error');

/**
 * A host or configuration error: a bad command line, an unreadable or
 * malformed kernel, a device tree that cannot be built. Guest behaviour never
 * throws this; it becomes an architectural result or a machine exit.
 */
export class VmmError extends Error {
  readonly [VMM_ERROR] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VmmError';
  }

  /** Identity check that survives two copies of this package in one process. */
  static is(e: unknown): e is VmmError {
    return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[VMM_ERROR] === true;
  }
}
