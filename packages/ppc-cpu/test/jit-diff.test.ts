/**
 * The differential tests against QEMU (test/diff) again with the block JIT compiling every
 * block at its first visit: each generated case runs once, so with the default threshold the
 * diff suite exercises only the interpreter. Fewer cases per form than the main run (compiling
 * every block is slow); the environment is read when the generator loads and a Cpu is created.
 */
process.env.PPCVM_JIT_THRESHOLD = '0';
process.env.PPCVM_DIFF_N ??= '4';
const { diffSuite } = await import('./diff/suite.js');

export {};

diffSuite('fixed, JIT', (def) => def.chapter === 'fixed');
diffSuite('branch, JIT', (def) => def.chapter === 'branch');
diffSuite('storage, JIT', (def) => def.chapter === 'storage');
