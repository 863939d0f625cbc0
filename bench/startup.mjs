#!/usr/bin/env node
// Measures `ssochain --version` start-up against a bare `node -e ''` in the same run, so the
// figure is a ratio that means the same on a slow or a fast machine.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.RUNS ?? 30);

function time(args) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

// warm the file cache first
time(['-e', '']);
const baseline = time(['-e', '']);
const version = time([path.join(root, 'bin/ssochain.js'), '--version']);
const help = time([path.join(root, 'bin/ssochain.js'), '--help']);
console.log(`runs per command: ${runs} (median)`);
console.log(`node -e ''            ${baseline.toFixed(1)} ms  1.00x`);
console.log(`ssochain --version    ${version.toFixed(1)} ms  ${(version / baseline).toFixed(2)}x`);
console.log(`ssochain --help       ${help.toFixed(1)} ms  ${(help / baseline).toFixed(2)}x`);
