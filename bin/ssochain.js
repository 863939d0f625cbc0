#!/usr/bin/env node
import { main, processIO } from '../dist/cli/main.js';

const code = await main(process.argv.slice(2), processIO());
// let pending writes to a pipe drain before leaving
process.exitCode = code;
