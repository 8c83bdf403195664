import { diffSuite } from './suite.js';

diffSuite('fp', (def) => def.chapter === 'fp');
