import pc from 'picocolors';
import { exitCodeFor } from '../../diagnosis/build-report.js';
import { runDoctor } from '../../doctor.js';
import { UsageError } from '../../errors.js';
import { render } from '../../report/render.js';
import type { Report } from '../../report/types.js';
import { sandboxDoctorConfig } from '../../sandbox/doctor-config.js';
import { parseScenario, readScenario } from '../../sandbox/scenario/load.js';
import { startStack } from '../../sandbox/stack.js';
import { sopsAdapterFor } from '../../sources/files/sops-adapter.js';
import { parsePositiveInt } from './doctor.js';
import { failOn, outputFormat, parseCommandArgs, renderContext, useColor, type Command } from '../io.js';
import { createProgress } from '../progress.js';

const USAGE = `Usage: ssochain demo [--scenario NAME | --scenario-file F] [options]

Starts the sandbox (emulated Authentik, MAS and Synapse on loopback) with a scenario, runs
doctor against it and shows the chain and the verdict. The default scenario is the case that
started ssochain: a user who exists in Authentik but never shows up in Matrix.

Options:
  --scenario NAME      a scenario of the catalogue (\`ssochain sandbox list\`)
  --scenario-file F    a scenario file in the documented format
  --user NAME          focus on one user (default: boje)
  --output FMT         text (default), json, markdown or html
  --fail-on LEVEL      error, warn, info or never (default: never, a demo is not a check)
  --concurrency N      most requests in flight at once
`;

function nextSteps(report: Report, scenario: string, color: boolean): string {
  const c = pc.createColors(color);
  const lines = ['', c.bold('What to try next:')];
  if (scenario === 'seed') {
    lines.push(
      `  • The MAS config the runbook suggested is in ${c.cyan('scenarios/fixtures/seed-ess-mas-values-secret.sops.yaml')} (SOPS, sandbox key):`,
      `      ${c.cyan('npx ssochain sops decrypt scenarios/fixtures/seed-ess-mas-values-secret.sops.yaml --age-key-file scenarios/fixtures/sandbox-age-key.txt')}`,
      `  • Lint it offline, as CI would: ${c.cyan('npx ssochain lint --age-key-file scenarios/fixtures/sandbox-age-key.txt scenarios/fixtures/seed-ess-mas-values-secret.sops.yaml')}`,
      `  • See the same chain healthy: ${c.cyan('npx ssochain demo --scenario healthy')}`,
    );
  } else if (!report.verdict.ok) {
    lines.push(`  • Compare with a healthy chain: ${c.cyan('npx ssochain demo --scenario healthy')}`);
  }
  lines.push(
    `  • Other broken chains: ${c.cyan('npx ssochain sandbox list')}, then ${c.cyan('npx ssochain demo --scenario <name>')}`,
    `  • A report to attach to an issue: ${c.cyan('npx ssochain demo --output html > report.html')} (or ${c.cyan('--output markdown')})`,
    `  • Explore the stack yourself: ${c.cyan('npx ssochain sandbox up')} prints URLs, sandbox logins and an ssochain.yaml for ${c.cyan('ssochain doctor')}`,
    '',
  );
  return lines.join('\n');
}

const command: Command = {
  name: 'demo',
  summary: 'run doctor against the sandbox of a scenario',
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseCommandArgs(
      'demo',
      argv,
      {
        scenario: { type: 'string' },
        'scenario-file': { type: 'string' },
        user: { type: 'string' },
        output: { type: 'string' },
        'fail-on': { type: 'string' },
        concurrency: { type: 'string' },
        color: { type: 'boolean' },
        'no-color': { type: 'boolean' },
      },
      false,
    );
    if (values.scenario && values['scenario-file'])
      throw new UsageError('demo: give --scenario or --scenario-file, not both');
    const format = outputFormat(values.output, io, ['text', 'json', 'markdown', 'html']);
    const threshold = failOn(values['fail-on'] ?? 'never');
    const concurrency = parsePositiveInt('--concurrency', values.concurrency);
    const ref = {
      ...(values.scenario ? { name: values.scenario } : {}),
      ...(values['scenario-file'] ? { file: values['scenario-file'] } : {}),
    };
    const source = readScenario(ref);
    const raw = parseScenario(source.text, source.file);
    const color = values['no-color'] ? false : values.color ? true : undefined;
    const ctx = renderContext(io, color);
    if (format === 'text')
      io.stdout(pc.createColors(ctx.color).dim(`Starting the sandbox for scenario '${raw.name}'…\n`));
    const stack = await startStack({
      ...(ref.name ? { scenario: ref.name } : {}),
      ...(ref.file ? { scenarioFile: ref.file } : {}),
    });
    const sandbox = sandboxDoctorConfig(stack, source.dir, raw.mas);
    const progress = createProgress(io, useColor({ ...io, stdoutIsTTY: Boolean(io.stderrIsTTY) }, color));
    try {
      const { report, errors } = await runDoctor({
        config: sandbox.config,
        env: {},
        user: values.user ?? 'boje',
        ...(concurrency ? { concurrency } : {}),
        sops: sopsAdapterFor({ env: {} }),
        progress: progress.onEvent,
      });
      progress.done();
      if (format === 'text') {
        io.stdout(`${pc.createColors(ctx.color).bold(`Scenario ${raw.name}`)}: ${raw.description}\n\n`);
      }
      io.stdout(render(report, format, ctx));
      if (format === 'text') io.stdout(nextSteps(report, raw.name, ctx.color));
      for (const e of errors) io.stderr(`ssochain: a check failed and was skipped: ${e}\n`);
      return exitCodeFor(report, threshold);
    } finally {
      progress.done();
      sandbox.cleanup();
      await stack.close();
    }
  },
};
export default command;
