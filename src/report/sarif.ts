import path from 'node:path';
import { CODES, docsUrl, type FindingCode } from '../codes/registry.js';
import type { Report } from './types.js';
import type { RenderContext } from './render.js';

const LEVEL = { error: 'error', warn: 'warning', info: 'note' } as const;

function artifactUri(file: string, cwd: string): string {
  const rel = path.isAbsolute(file) ? path.relative(cwd, file) : file;
  const posix = rel.split(path.sep).join('/');
  return posix.split('/').map(encodeURIComponent).join('/');
}

/** SARIF 2.1.0, shaped for GitHub code scanning: one rule per code, a location per result. */
export function renderSarif(report: Report, ctx: RenderContext): string {
  const used = [...new Set(report.findings.map((f) => f.code))].sort() as FindingCode[];
  const ruleIndex = new Map(used.map((code, i) => [code, i]));
  const rules = used.map((code) => ({
    id: code,
    name: code.replace(/(^|-)([a-z])/g, (_m, _d, ch: string) => ch.toUpperCase()),
    shortDescription: { text: CODES[code].title },
    helpUri: docsUrl(code),
    defaultConfiguration: { level: LEVEL[CODES[code].severity] },
    properties: { hop: CODES[code].hop, repairable: CODES[code].repairable },
  }));
  const results = report.findings.map((f) => {
    const text = [f.title, f.detail, f.fix ? `Fix: ${f.fix.summary}` : ''].filter(Boolean).join('\n');
    const result: Record<string, unknown> = {
      ruleId: f.code,
      ruleIndex: ruleIndex.get(f.code),
      level: LEVEL[f.severity],
      message: { text },
      partialFingerprints: { 'ssochain/v1': `${f.code}:${f.subject}` },
      properties: { hop: f.hop, subject: f.subject },
    };
    if (f.location) {
      result.locations = [
        {
          physicalLocation: {
            artifactLocation: { uri: artifactUri(f.location.file, ctx.cwd), uriBaseId: '%SRCROOT%' },
            region: {
              startLine: Math.max(1, f.location.line),
              startColumn: Math.max(1, f.location.column),
              ...(f.location.endLine ? { endLine: f.location.endLine } : {}),
              ...(f.location.endColumn ? { endColumn: f.location.endColumn } : {}),
            },
          },
        },
      ];
    }
    return result;
  });
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'ssochain',
            version: report.tool.version,
            semanticVersion: report.tool.version,
            informationUri: 'https://github.com/ssochain/ssochain',
            rules,
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileUri(ctx.cwd) } },
        results,
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

function pathToFileUri(dir: string): string {
  const posix = dir.split(path.sep).join('/');
  return (
    'file://' + (posix.startsWith('/') ? '' : '/') + posix.split('/').map(encodeURIComponent).join('/') + '/'
  );
}
