import type { StackEnv } from '../emulator.js';
import type { Events } from './events.js';
import type { Store } from './model.js';
import type { Sessions } from './session.js';

/** An authorization code, access token or refresh token issued by the OAuth2 provider. */
export interface Grant {
  token: string;
  provider: number;
  user: number;
  scope: string[];
  nonce: string | null;
  authTime: string;
  expires: number;
  redirectUri?: string;
  codeChallenge?: string | null;
  codeChallengeMethod?: string | null;
  /** the id_token claims issued with an access token (userinfo reads `sub` from it) */
  idTokenSub?: string;
  used?: boolean;
}

/** Stores a grant; past 10 000 entries expired grants are dropped (a long `sandbox up`). */
export function remember(table: Map<string, Grant>, grant: Grant): void {
  table.set(grant.token, grant);
  if (table.size > 10_000) {
    const now = Date.now();
    for (const [k, g] of table) if (g.expires < now || g.used) table.delete(k);
  }
}

/** Everything an endpoint of the emulator needs. */
export interface Ak {
  store: Store;
  events: Events;
  sessions: Sessions;
  env: StackEnv;
  codes: Map<string, Grant>;
  accessTokens: Map<string, Grant>;
  refreshTokens: Map<string, Grant>;
}
