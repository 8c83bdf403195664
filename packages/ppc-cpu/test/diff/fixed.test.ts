import { diffSuite } from './suite.js';

diffSuite('fixed', (def) => def.chapter === 'fixed');
