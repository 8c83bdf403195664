export * from './hcall.js';
export * from './log.js';
