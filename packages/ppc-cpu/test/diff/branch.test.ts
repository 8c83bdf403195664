import { diffSuite } from './suite.js';

diffSuite('branch', (def) => def.chapter === 'branch');
