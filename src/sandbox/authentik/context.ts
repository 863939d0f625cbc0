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
