#!/usr/bin/env node
// doctor's wall time with 50 ms of latency on every sandbox request, in round-trips of that
// latency: default concurrency versus --concurrency 1, measured in the same process. The
// critical path should cost a few round-trips, not the sum of all requests.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { startStack } = await import(path.join(root, 'dist/sandbox/stack.js'));
const { sandboxDoctorConfig } = await import(path.join(root, 'dist/sandbox/doctor-config.js'));
const { parseScenario, readScenario } = await import(path.join(root, 'dist/sandbox/scenario/load.js'));
const { runDoctor } = await import(path.join(root, 'dist/doctor.js'));

const LATENCY = Number(process.env.LATENCY_MS ?? 50);
const RUNS = Number(process.env.RUNS ?? 3);
const scenario = process.env.SCENARIO ?? 'healthy';
const source = readScenario({ name: scenario });
const all = { '*': { latencyMs: LATENCY } };
const stack = await startStack({ scenario, faults: { authentik: all, mas: all, synapse: all } });
const sandbox = sandboxDoctorConfig(stack, source.dir, parseScenario(source.text, source.file).mas);

async function measure(concurrency) {
  let requests = 0;
  const counting = (input, init) => {
    requests++;
    return fetch(input, init);
  };
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    requests = 0;
    const t = performance.now();
    const { report } = await runDoctor({
      config: sandbox.config,
      env: {},
      user: 'boje',
      fetch: counting,
      concurrency,
    });
    times.push(performance.now() - t);
    if (report.sources.some((s) => s.status === 'unreachable'))
      throw new Error('a source was unreachable during the benchmark');
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], requests };
}

try {
  await measure(undefined); // warm up (module loading, JIT)
  const parallel = await measure(undefined);
  const serial = await measure(1);
  const rt = (ms) => (ms / LATENCY).toFixed(1);
  console.log(`scenario ${scenario}, ${LATENCY} ms latency on every sandbox request, median of ${RUNS}`);
  console.log(`requests per run: ${parallel.requests}`);
  console.log(`default concurrency  ${parallel.ms.toFixed(0)} ms = ${rt(parallel.ms)} round-trips`);
  console.log(`--concurrency 1      ${serial.ms.toFixed(0)} ms = ${rt(serial.ms)} round-trips`);
  console.log(`ratio serial/default ${(serial.ms / parallel.ms).toFixed(2)}x`);
} finally {
  sandbox.cleanup();
  await stack.close();
}
