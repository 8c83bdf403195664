const VIO_ERROR = Symbol.for('@ppcvm/spapr-vio/error');

/**
 * A host or configuration error (bad embedding call, bad snapshot, a bus that
 * ran out of unit addresses). Never thrown for guest input: hcalls turn that
 * into H_* codes.
 */
export class VioError extends Error {
  readonly [VIO_ERROR] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VioError';
  }

  /** Identity check that survives two copies of this package in one process. */
  static is(e: unknown): e is VioError {
    return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[VIO_ERROR] === true;
  }
}
