import { makeFinding } from '../finding.js';
import type { LintCheck } from '../lint-check.js';
import type { Finding } from '../../report/types.js';
import { subjectFor, type ConfigView, type PathSeg } from '../../sources/files/config-view.js';
import { get, has, isRecord } from '../util.js';

const KNOWN_KEYS = new Set(['enabled', 'endpoint', 'secret', 'secret_path', 'force_http2']);
const SECTION = 'matrix_authentication_service';

/** Settings Synapse refuses while auth is delegated to MAS (synapse/config/mas.py), with its words. */
const CONFLICTS: { path: string[]; when: (v: unknown) => boolean; message: string }[] = [
  {
    path: ['password_config', 'enabled'],
    when: (v) => v === true || v === 'only_for_reauth',
    message: 'Password auth cannot be enabled when OAuth delegation is enabled',
  },
  {
    path: ['enable_registration'],
    when: (v) => v === true,
    message: 'Registration cannot be enabled when OAuth delegation is enabled',
  },
  {
    path: ['user_consent'],
    when: (v) => isRecord(v) && Object.keys(v).length > 0,
    message: 'User consent cannot be enabled when OAuth delegation is enabled',
  },
  {
    path: ['password_providers'],
    when: (v) => Array.isArray(v) && v.length > 0,
    message: 'Password auth providers cannot be enabled when OAuth delegation is enabled',
  },
  {
    path: ['enable_registration_captcha'],
    when: (v) => v === true,
    message: 'CAPTCHA cannot be enabled when OAuth delegation is enabled',
  },
  {
    path: ['login_via_existing_session', 'enabled'],
    when: (v) => v === true,
    message: 'Login via existing session cannot be enabled when OAuth delegation is enabled',
  },
  {
    path: ['refresh_token_lifetime'],
    when: (v) => v !== undefined && v !== null,
    message: 'refresh_token_lifetime cannot be set when OAuth delegation is enabled',
  },
  {
    path: ['session_lifetime'],
    when: (v) => v !== undefined && v !== null,
    message: 'session_lifetime cannot be set when OAuth delegation is enabled',
  },
  {
    path: ['enable_3pid_changes'],
    when: (v) => v === true,
    message: 'enable_3pid_changes cannot be enabled when OAuth delegation is enabled',
  },
];

function invalid(view: ConfigView, path: PathSeg[], message: string, fix: string): Finding {
  return makeFinding('synapse-mas-config-invalid', {
    subject: subjectFor(view),
    detail: `Synapse stops at startup: "${message}".`,
    evidence: [{ source: 'file', excerpt: path.join('.') }],
    fix: { summary: fix },
    location: view.locate(path),
  });
}

/**
 * The stable `matrix_authentication_service` section: present, enabled, well-formed, and not
 * combined with settings Synapse refuses under delegation. A fragment (ESS `additional`) is
 * not expected to carry the section: ESS writes it itself.
 */
export const masSection: LintCheck = {
  id: 'synapse/mas-section',
  codes: ['synapse-mas-not-enabled', 'synapse-mas-config-invalid'],
  appliesTo: ['synapse'],
  run(view) {
    const d = view.data;
    const block = get(d, SECTION);
    const legacy = isRecord(get(d, 'experimental_features', 'msc3861'));
    const out: Finding[] = [];
    if (block === undefined || block === null) {
      if (!view.fragment && !legacy) {
        out.push(
          makeFinding('synapse-mas-not-enabled', {
            subject: subjectFor(view),
            detail: `The config has no ${SECTION} section, so Synapse handles logins itself and never asks MAS.`,
            fix: {
              summary: `Add the ${SECTION} section; its secret must equal MAS matrix.secret.`,
              snippet: `${SECTION}:\n  enabled: true\n  endpoint: http://<mas-service>:8080/\n  secret_path: /path/to/shared-secret\n`,
            },
            location: view.locate([]),
          }),
        );
      }
      return out;
    }
    if (!isRecord(block)) {
      out.push(
        invalid(
          view,
          [SECTION],
          'Could not validate Matrix Authentication Service configuration',
          `${SECTION} must be a mapping with enabled, endpoint and secret.`,
        ),
      );
      return out;
    }
    if (block.enabled !== true) {
      if (block.enabled !== undefined && typeof block.enabled !== 'boolean') {
        out.push(
          invalid(
            view,
            [SECTION, 'enabled'],
            'Could not validate Matrix Authentication Service configuration',
            'enabled must be a YAML boolean (true), not a string or number: Synapse uses a strict boolean here.',
          ),
        );
      } else {
        out.push(
          makeFinding('synapse-mas-not-enabled', {
            subject: subjectFor(view),
            detail: `${SECTION}.enabled is ${block.enabled === undefined ? 'not set (the default is false)' : 'false'}, so Synapse does not delegate authentication to MAS.`,
            fix: { summary: `Set ${SECTION}.enabled: true.` },
            location: view.locate([SECTION, ...(has(block, 'enabled') ? ['enabled'] : [])]),
          }),
        );
      }
      return out;
    }
    for (const key of Object.keys(block)) {
      if (!KNOWN_KEYS.has(key)) {
        out.push(
          invalid(
            view,
            [SECTION, key],
            'Could not validate Matrix Authentication Service configuration',
            `Remove ${key}: the section only takes ${[...KNOWN_KEYS].join(', ')}.`,
          ),
        );
      }
    }
    if (has(block, 'secret') && has(block, 'secret_path')) {
      out.push(
        invalid(
          view,
          [SECTION, 'secret_path'],
          '`secret` and `secret_path` cannot be set at the same time.',
          'Keep one of secret and secret_path.',
        ),
      );
    } else if (!has(block, 'secret') && !has(block, 'secret_path')) {
      out.push(
        invalid(
          view,
          [SECTION],
          'You must set a `secret` or `secret_path` when enabling the Matrix Authentication Service integration.',
          'Add secret_path (or secret) with the value MAS has as matrix.secret.',
        ),
      );
    } else if (has(block, 'secret') && (typeof block.secret !== 'string' || block.secret === '')) {
      out.push(
        invalid(
          view,
          [SECTION, 'secret'],
          'Could not validate Matrix Authentication Service configuration',
          'secret must be a non-empty string.',
        ),
      );
    }
    if (has(block, 'endpoint')) {
      const endpoint = block.endpoint;
      let ok = false;
      if (typeof endpoint === 'string') {
        try {
          const url = new URL(endpoint);
          ok = url.protocol === 'http:' || url.protocol === 'https:';
        } catch {
          ok = false;
        }
      }
      if (!ok)
        out.push(
          invalid(
            view,
            [SECTION, 'endpoint'],
            'Could not validate Matrix Authentication Service configuration',
            'endpoint must be an http(s) URL where Synapse reaches MAS, e.g. http://mas:8080/.',
          ),
        );
    }
    for (const conflict of CONFLICTS) {
      const value = get(d, ...conflict.path);
      if (conflict.when(value))
        out.push(
          invalid(
            view,
            conflict.path,
            conflict.message,
            `Remove ${conflict.path.join('.')} (MAS handles it when authentication is delegated).`,
          ),
        );
    }
    return out;
  },
};
