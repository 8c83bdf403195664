/**
 * This package has no public API yet: see its README for what it will hold
 * and the issue that tracks it.
 */
export {};
