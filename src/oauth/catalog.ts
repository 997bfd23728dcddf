import type { ProviderConfig } from './types.ts';

/** A built-in app: the provider facts that every workspace can use with its own client. */
export interface CatalogApp {
  id: string;
  slug: string;
  name: string;
  authType: 'oauth' | 'keys' | 'none';
  oauth: ProviderConfig | null;
  fields: { name: string; label: string; secret: boolean; optional?: boolean }[];
  builtin: true;
  createdAt: null;
  maxTokenAgeMs: null;
}

const base = {
  userinfoUrl: null,
  revocationUrl: null,
  issuer: null,
  scopeSeparator: ' ',
  tokenAuthMethod: 'client_secret_post',
  pkce: true,
  defaultScopes: [],
  authorizeParams: {},
  tokenParams: {},
  quirks: [],
} satisfies Omit<ProviderConfig, 'authorizationUrl' | 'tokenUrl'>;

function oauth(
  slug: string,
  name: string,
  facts: Partial<ProviderConfig> & Pick<ProviderConfig, 'authorizationUrl' | 'tokenUrl'>,
): CatalogApp {
  return {
    id: `app_${slug}`,
    slug,
    name,
    authType: 'oauth',
    oauth: { ...base, ...facts },
    fields: [],
    builtin: true,
    createdAt: null,
    maxTokenAgeMs: null,
  };
}

function keys(slug: string, name: string, fields: CatalogApp['fields']): CatalogApp {
  return {
    id: `app_${slug}`,
    slug,
    name,
    authType: 'keys',
    oauth: null,
    fields,
    builtin: true,
    createdAt: null,
    maxTokenAgeMs: null,
  };
}

/**
 * The built-in catalog. Facts from each provider's public documentation; quirks are named
 * here and handled in the wire code, so a custom app can use them too.
 */
export const builtinApps: readonly CatalogApp[] = [
  oauth('github', 'GitHub', {
    authorizationUrl: 'https://github.com/login/oauth/authorize',
    tokenUrl: 'https://github.com/login/oauth/access_token',
    userinfoUrl: 'https://api.github.com/user',
    defaultScopes: ['read:user', 'user:email'],
  }),
  oauth('google', 'Google', {
    authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    userinfoUrl: 'https://openidconnect.googleapis.com/v1/userinfo',
    revocationUrl: 'https://oauth2.googleapis.com/revoke',
    defaultScopes: ['openid', 'email', 'profile'],
    // Without these Google returns no refresh token on a repeated consent (case C05).
    authorizeParams: { access_type: 'offline', prompt: 'consent' },
  }),
  oauth('slack', 'Slack', {
    authorizationUrl: 'https://slack.com/oauth/v2/authorize',
    tokenUrl: 'https://slack.com/api/oauth.v2.access',
    scopeSeparator: ',',
    pkce: false,
    quirks: ['slack_ok_envelope'],
  }),
  oauth('notion', 'Notion', {
    authorizationUrl: 'https://api.notion.com/v1/oauth/authorize',
    tokenUrl: 'https://api.notion.com/v1/oauth/token',
    tokenAuthMethod: 'client_secret_basic',
    pkce: false,
    authorizeParams: { owner: 'user' },
  }),
  oauth('microsoft', 'Microsoft', {
    authorizationUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
    tokenUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
    userinfoUrl: 'https://graph.microsoft.com/oidc/userinfo',
    defaultScopes: ['openid', 'email', 'profile', 'offline_access', 'User.Read'],
  }),
  oauth('atlassian', 'Atlassian', {
    authorizationUrl: 'https://auth.atlassian.com/authorize',
    tokenUrl: 'https://auth.atlassian.com/oauth/token',
    defaultScopes: ['read:me', 'offline_access'],
    authorizeParams: { audience: 'api.atlassian.com', prompt: 'consent' },
  }),
  oauth('zoho', 'Zoho', {
    authorizationUrl: 'https://accounts.zoho.com/oauth/v2/auth',
    tokenUrl: 'https://accounts.zoho.com/oauth/v2/token',
    scopeSeparator: ',',
    authorizeParams: { access_type: 'offline', prompt: 'consent' },
  }),
  keys('openai', 'OpenAI', [{ name: 'api_key', label: 'API key', secret: true }]),
  keys('stripe', 'Stripe', [{ name: 'api_key', label: 'Secret key', secret: true }]),
];
