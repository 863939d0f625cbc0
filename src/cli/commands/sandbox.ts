import { stringify } from 'yaml';
import { UsageError } from '../../errors.js';
import type { FaultTable } from '../../sandbox/http/server.js';
import { listScenarios, parseScenario, readScenario } from '../../sandbox/scenario/load.js';
import { SERVICES, type ServiceName } from '../../sandbox/scenario/schema.js';
import { sandboxDoctorConfig } from '../../sandbox/doctor-config.js';
import { parseCommandArgs, type Command } from '../io.js';

const USAGE = `Usage: ssochain sandbox up [--scenario NAME | --scenario-file F] [options]
       ssochain sandbox list

Starts the emulated Authentik, MAS and Synapse of a scenario on loopback, prints their URLs,
the sandbox credentials and an ssochain.yaml pointing at them, and runs until interrupted.
The default scenario is the seed case.

Options:
  --scenario NAME        a scenario of the catalogue (see \`ssochain sandbox list\`)
  --scenario-file F      a scenario file in the documented format
  --latency SVC=MS       add latency to every endpoint of a service (repeatable; SVC or '*')
  --fail SVC:GROUP=CODE  answer an endpoint group with an HTTP status (repeatable)
  --write-config F       also write the ssochain.yaml to F
`;

function parseFaults(latency: string[], fail: string[]): Partial<Record<ServiceName, FaultTable>> {
  const faults: Partial<Record<ServiceName, FaultTable>> = {};
  const services = (name: string): ServiceName[] => {
    if (name === '*' || name === 'all') return [...SERVICES];
    if (!(SERVICES as readonly string[]).includes(name))
      throw new UsageError(`unknown service '${name}'; use one of ${SERVICES.join(', ')} or *`);
    return [name as ServiceName];
  };
  for (const spec of latency) {
    const m = /^([^=]+)=(\d+)$/.exec(spec);
    if (!m) throw new UsageError(`--latency takes SERVICE=MILLISECONDS, not '${spec}'`);
    for (const s of services(m[1]!)) {
      const table = (faults[s] ??= {});
      table['*'] = { ...(table['*'] ?? {}), latencyMs: Number(m[2]) };
    }
  }
  for (const spec of fail) {
    const m = /^([^:=]+):([^=]+)=(\d{3})$/.exec(spec);
    if (!m) throw new UsageError(`--fail takes SERVICE:GROUP=STATUS, not '${spec}'`);
    for (const s of services(m[1]!)) {
      const table = (faults[s] ??= {});
      table[m[2]!] = { ...(table[m[2]!] ?? {}), status: Number(m[3]) };
    }
  }
  return faults;
}

const command: Command = {
  name: 'sandbox',
  summary: 'run the emulated stack of a scenario',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('sandbox', argv, {
      scenario: { type: 'string' },
      'scenario-file': { type: 'string' },
      latency: { type: 'string', multiple: true },
      fail: { type: 'string', multiple: true },
      'write-config': { type: 'string' },
    });
    const [action] = positionals;
    if (action === 'list') {
      for (const name of listScenarios()) io.stdout(name + '\n');
      return 0;
    }
    if (action !== 'up') throw new UsageError("sandbox: say 'up' or 'list' (see `ssochain sandbox --help`)");
    if (values.scenario && values['scenario-file'])
      throw new UsageError('sandbox: give --scenario or --scenario-file, not both');
    const faults = parseFaults(values.latency ?? [], values.fail ?? []);
    const { startStack } = await import('../../sandbox/stack.js');
    const stack = await startStack({
      scenario: values.scenario,
      scenarioFile: values['scenario-file'],
      faults,
    });
    const out: string[] = [];
    out.push(
      `Sandbox for scenario '${stack.scenario.name}'${stack.scenario.description ? `: ${stack.scenario.description}` : ''}`,
    );
    out.push('');
    for (const service of SERVICES) {
      out.push(`  ${service.padEnd(10)} ${stack.urls[service]}`);
      const info = stack.services[service]?.info() ?? {};
      for (const [k, v] of Object.entries(info)) out.push(`  ${''.padEnd(10)}   ${k}: ${v}`);
    }
    out.push(
      `  ${'client'.padEnd(10)} ${stack.clientUrl}  (the homeserver URL for Matrix clients: Synapse, login routed to MAS)`,
    );
    out.push(`  ${'control'.padEnd(10)} ${stack.controlUrl}  (GET /logs?service=mas, PUT /faults/<service>)`);
    out.push('');
    const source = readScenario({
      ...(values.scenario ? { name: values.scenario } : {}),
      ...(values['scenario-file'] ? { file: values['scenario-file'] } : {}),
    });
    const sandbox = sandboxDoctorConfig(stack, source.dir, parseScenario(source.text, source.file).mas);
    const config = stringify(sandbox.config);
    out.push('# ssochain.yaml for this sandbox (sandbox credentials only):');
    out.push(config);
    io.stdout(out.join('\n'));
    if (values['write-config']) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(values['write-config'], config);
      io.stdout(`(written to ${values['write-config']})\n`);
    }
    io.stdout('Running until interrupted (Ctrl-C).\n');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    sandbox.cleanup();
    await stack.close();
    return 0;
  },
};
export default command;
