#!/usr/bin/env node
/** ppcvm-user: run a static ppc64le Linux program, in the manner of qemu-ppc64le. */
import { cliMain } from './cli-main.js';

process.exit(cliMain(process.argv.slice(2)));
