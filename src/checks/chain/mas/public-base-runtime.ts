import type { Evidence, Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { publicBaseProblem } from '../../mas/public-base.js';
import { synapseOf } from '../synapse/presence.js';

function issuerIn(doc: unknown): string | undefined {
  if (!doc || typeof doc !== 'object') return undefined;
  const i = (doc as Record<string, unknown>).issuer;
  return typeof i === 'string' ? i : undefined;
}

/**
 * `mas-public-base-default`, seen live: the issuer MAS advertises (its discovery document, or
 * what Synapse relays in auth_metadata / the well-known) is MAS's built-in `http://[::]:8080/`
 * or another address only the machine itself can use. The config-level case (public_base
 * unset in the file) is the lint check's; this one brings the running evidence.
 */
export const masPublicBaseRuntime: ChainCheck = {
  id: 'mas/public-base-runtime',
  codes: ['mas-public-base-default'],
  run(snap): Finding[] {
    const seen: { issuer: string; where: string; source: Evidence['source'] }[] = [];
    const rt = snap.masRuntime;
    if (rt.status === 'ok' && rt.data.discovery?.status === 'ok') {
      const issuer = issuerIn(rt.data.discovery.data);
      if (issuer)
        seen.push({ issuer, where: "MAS's /.well-known/openid-configuration", source: 'discovery' });
    }
    const s = synapseOf(snap);
    if (s?.authMetadata?.status === 'ok') {
      const issuer = issuerIn(s.authMetadata.data);
      if (issuer) seen.push({ issuer, where: s.authMetadataUrl ?? 'auth_metadata', source: 'synapse' });
    }
    if (s?.wellKnown?.status === 'ok') {
      const issuer = issuerIn(s.wellKnown.data['org.matrix.msc2965.authentication']);
      if (issuer)
        seen.push({ issuer, where: s.wellKnownUrl ?? '/.well-known/matrix/client', source: 'synapse' });
    }
    const bad = seen
      .map((x) => ({ ...x, problem: publicBaseProblem(x.issuer)?.problem }))
      .filter((x): x is typeof x & { problem: string } => x.problem !== undefined);
    if (bad.length === 0) return [];
    const first = bad[0]!;
    return [
      makeFinding('mas-public-base-default', {
        subject: 'mas/issuer',
        detail: `The running MAS advertises the issuer \`${first.issuer}\` (${first.where}): ${first.problem}. MAS builds its issuer and every link from \`http.public_base\` (and \`http.issuer\`); clients and Synapse hand this address on to apps that cannot use it (element-hq/matrix-authentication-service#5379).`,
        evidence: bad.map((b) => ({ source: b.source, excerpt: `${b.where}: "issuer": "${b.issuer}"` })),
        fix: {
          summary:
            'Set `http.public_base` in the config MAS runs with to the public https URL users reach MAS at (ESS: set matrixAuthenticationService.ingress.host), restart MAS, and check that ssochain doctor sees the new issuer.',
          snippet:
            'http:\n  public_base: "https://account.example.org/"   # the URL users and clients reach MAS at',
        },
      }),
    ];
  },
};
