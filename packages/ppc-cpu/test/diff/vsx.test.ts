import { diffSuite } from './suite.js';

diffSuite('vsx', (def) => def.chapter === 'vsx');
