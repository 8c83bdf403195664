import { diffSuite } from './suite.js';

diffSuite('vmx', (def) => def.chapter === 'vmx');
