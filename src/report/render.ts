import type { Report } from './types.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { renderSarif } from './sarif.js';
import { renderText } from './text.js';

export type OutputFormat = 'text' | 'json' | 'markdown' | 'sarif' | 'html';

export interface RenderContext {
  color: boolean;
  cwd: string;
}

export const RENDERERS: Record<
  OutputFormat,
  { description: string; render(r: Report, ctx: RenderContext): string }
> = {
  text: { description: 'human-readable, coloured on a terminal', render: renderText },
  json: { description: 'the report as JSON (stable contract)', render: (r) => renderJson(r) },
  markdown: { description: 'paste-ready for an issue or forum post', render: (r) => renderMarkdown(r) },
  sarif: { description: 'SARIF 2.1.0 for code scanning', render: renderSarif },
  html: { description: 'a self-contained page with the chain drawn', render: (r) => renderHtml(r) },
};

export function isOutputFormat(value: string): value is OutputFormat {
  return Object.prototype.hasOwnProperty.call(RENDERERS, value);
}

export function render(report: Report, format: OutputFormat, ctx: RenderContext): string {
  return RENDERERS[format].render(report, ctx);
}
