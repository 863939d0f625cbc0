import type { Finding } from '../../report/types.js';
import { subjectFor, type ConfigView, type PathSeg } from '../../sources/files/config-view.js';
import { makeFinding } from '../finding.js';
import { getAt, masPath } from './config-data.js';
import { describeValue } from './secret-values.js';

export interface InvalidInput {
  /** the path MAS annotates its error with (`upstream_oauth2.providers.0`) */
  path: PathSeg[];
  /** MAS's own sentence, verbatim where MAS has one */
  message: string;
  /** why it matters and what MAS does, in our words */
  explanation?: string;
  /** the keys whose values prove it (shown redacted) */
  evidence?: PathSeg[][];
  fix: { summary: string; snippet?: string };
  /** where to point (defaults to `path`) */
  at?: PathSeg[];
  /**
   * how MAS takes it: `refuses` to load (the default), `cannot-work` (loads, fails later: sync,
   * sign-in), or `schema-only` (MAS reads it, but its published schema and our checks do not)
   */
  mas?: 'refuses' | 'cannot-work' | 'schema-only';
}

/** A `mas-config-invalid` finding worded like MAS: `<path>: <message>`, then our explanation. */
export function invalidFinding(view: ConfigView, input: InvalidInput): Finding {
  const where = masPath(input.path);
  const line = where ? `${where}: ${input.message}` : input.message;
  const lead =
    input.mas === 'cannot-work'
      ? `MAS accepts this config, but it cannot work as written: ${line}.`
      : input.mas === 'schema-only'
        ? `MAS reads this, but it breaks MAS’s published schema: ${line}.`
        : `MAS refuses to load this config: ${line}.`;
  const evidencePaths = input.evidence ?? [input.at ?? input.path];
  return makeFinding('mas-config-invalid', {
    subject: subjectFor(view),
    detail: input.explanation ? `${lead} ${input.explanation}` : lead,
    evidence: [
      {
        source: 'mas-config',
        excerpt: evidencePaths
          .map((p) => `${masPath(p) || '(document)'}: ${describeValue(p, getAt(view.data, p))}`)
          .join('; '),
      },
    ],
    fix: {
      summary: input.fix.summary,
      ...(input.fix.snippet ? { snippet: input.fix.snippet } : {}),
      repair: null,
    },
    location: view.locate(input.at ?? input.path, 'key'),
  });
}
