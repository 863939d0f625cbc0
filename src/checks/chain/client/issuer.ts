import type { Evidence, Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { masConfigOf, synapseOf } from '../synapse/presence.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const issuerIn = (doc: unknown): string | undefined =>
  isRecord(doc) && typeof doc.issuer === 'string' ? doc.issuer : undefined;

/**
 * `client-issuer-mismatch`: clients learn MAS's issuer from the client well-known
 * (`org.matrix.msc2965.authentication.issuer`) and from Synapse's `auth_metadata`, and compare
 * it byte for byte with what MAS's own discovery says (a missing trailing slash is enough for
 * Element X's "issuer URLs don't match"; element-hq/matrix-authentication-service#2800).
 */
export const clientIssuer: ChainCheck = {
  id: 'client/issuer',
  codes: ['client-issuer-mismatch'],
  run(snap): Finding[] {
    const s = synapseOf(snap);
    if (!s) return [];
    const rt = snap.masRuntime;
    const live =
      rt.status === 'ok' && rt.data.discovery?.status === 'ok' ? issuerIn(rt.data.discovery.data) : undefined;
    const masIssuer = live ?? masConfigOf(snap)?.issuer;
    if (!masIssuer) return [];
    const masEvidence: Evidence = live
      ? { source: 'discovery', excerpt: `MAS /.well-known/openid-configuration: "issuer": "${live}"` }
      : {
          source: 'mas-config',
          excerpt: `MAS config issuer (http.issuer or http.public_base): "${masIssuer}"`,
        };
    const places: { subject: string; where: string; issuer: string; fix: string }[] = [];
    if (s.wellKnown?.status === 'ok') {
      const auth = s.wellKnown.data['org.matrix.msc2965.authentication'];
      const issuer = issuerIn(auth);
      if (issuer !== undefined)
        places.push({
          subject: 'client/well-known',
          where: `${s.wellKnownUrl ?? '/.well-known/matrix/client'} (org.matrix.msc2965.authentication.issuer)`,
          issuer,
          fix: "Synapse fills this from MAS's discovery; a different value comes from a well-known file served by something else (ESS's haproxy, an nginx location, a static site on the server name's host). Make that file's org.matrix.msc2965.authentication.issuer exactly MAS's issuer, or let Synapse serve the well-known.",
        });
    }
    if (s.authMetadata?.status === 'ok') {
      const issuer = issuerIn(s.authMetadata.data);
      if (issuer !== undefined)
        places.push({
          subject: 'client/auth_metadata',
          where: s.authMetadataUrl ?? '/_matrix/client/v1/auth_metadata',
          issuer,
          fix: "Synapse relays the metadata of the MAS at matrix_authentication_service.endpoint (cached up to an hour): point that endpoint at the same MAS the public URL reaches, and restart Synapse after changing MAS's public_base or issuer.",
        });
    }
    return places
      .filter((p) => p.issuer !== masIssuer)
      .map((p) =>
        makeFinding('client-issuer-mismatch', {
          subject: p.subject,
          detail: `${p.where} gives the issuer "${p.issuer}", but MAS${live ? '' : "'s config"} says "${masIssuer}". Clients compare the two byte for byte${
            p.issuer.replace(/\/$/, '') === masIssuer.replace(/\/$/, '')
              ? ' (here they differ only in the trailing slash)'
              : ''
          }, so Element X and other OIDC-native clients refuse to sign in ("issuer URLs don't match").`,
          evidence: [{ source: 'synapse', excerpt: `${p.where}: "issuer": "${p.issuer}"` }, masEvidence],
          fix: { summary: p.fix },
        }),
      );
  },
};
