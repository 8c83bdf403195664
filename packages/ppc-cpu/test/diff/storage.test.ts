import { diffSuite } from './suite.js';

diffSuite('storage', (def) => def.chapter === 'storage');
