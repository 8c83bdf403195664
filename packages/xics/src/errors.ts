const XICS_ERROR = Symbol.for('@ppcvm/xics/error');

/**
 * A host or configuration error (bad embedding call, bad snapshot). Never
 * thrown for guest input: hcalls and RTAS calls turn that into status codes.
 */
export class XicsError extends Error {
  readonly [XICS_ERROR] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'XicsError';
  }

  /** Identity check that survives two copies of this package in one process. */
  static is(e: unknown): e is XicsError {
    return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[XICS_ERROR] === true;
  }
}
