#!/usr/bin/env node
/** The `ppcvm` executable. */
import { runCli } from './cli/main.js';

const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const code = await runCli(
  process.argv.slice(2),
  { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
  {
    onSignal: (handler) => {
      for (const s of signals) process.on(s, handler);
      return () => {
        for (const s of signals) process.off(s, handler);
      };
    },
  },
);
// Exit once what the guest printed has reached the terminal or pipe.
process.stdout.write('', () => process.exit(code));
