export * from './dma.js';
export * from './fdt.js';
export * from './hcall.js';
export * from './irq.js';
export * from './log.js';
export * from './memory.js';
export * from './snapshot.js';
