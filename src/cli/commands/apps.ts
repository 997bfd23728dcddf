import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Json } from '../../../packages/client/src/index.ts';
import { action, collect } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';

interface AddOptions {
  name?: string;
  authType: string;
  file?: string;
  issuer?: string;
  authorizationUrl?: string;
  tokenUrl?: string;
  userinfoUrl?: string;
  revocationUrl?: string;
  scopeSeparator?: string;
  tokenAuthMethod?: string;
  pkce: boolean;
  defaultScope?: string[];
  field?: string[];
}

export function registerApps(program: Command): void {
  const apps = program.command('apps').description('the app catalog and your custom apps');

  apps
    .command('list')
    .description('list built-in and custom apps')
    .action(
      action(async ({ client, out }) => {
        const { data } = await client.admin.listApps();
        if (out.json) return out.printJson(data);
        out.table(
          ['SLUG', 'NAME', 'AUTH', 'CUSTOM', 'ID'],
          data.map((app) => [
            str(app.name_slug),
            str(app.name),
            str(app.auth_type),
            app.custom ? 'yes' : 'no',
            str(app.id),
          ]),
        );
      }),
    );

  apps
    .command('add <slug>')
    .description('register a custom app: an OAuth 2.0 provider, an OIDC issuer, or a keys app')
    .option('--name <name>', 'display name (default: the slug)')
    .option('--auth-type <type>', 'oauth, keys or none', 'oauth')
    .option('--file <path>', 'read the whole app definition (API.md POST /v1/apps) from JSON')
    .option('--issuer <url>', 'OIDC issuer to discover the endpoints from')
    .option('--authorization-url <url>', 'authorization endpoint')
    .option('--token-url <url>', 'token endpoint')
    .option('--userinfo-url <url>', 'where to read the user’s identity')
    .option('--revocation-url <url>', 'token revocation endpoint')
    .option('--scope-separator <sep>', 'between scopes: a space (default) or a comma')
    .option('--token-auth-method <method>', 'client_secret_basic or client_secret_post')
    .option('--no-pkce', 'do not send a PKCE challenge')
    .option('--default-scope <scope>', 'a scope to ask for by default (repeatable)', collect)
    .option(
      '--field <name:label[:public][:optional]>',
      'keys apps: a field to ask for (repeatable); secret unless marked public',
      collect,
    )
    .action(
      action(async ({ client, out }, slug: string, opts: AddOptions) => {
        const body = opts.file ? await fromFile(opts.file, slug) : fromFlags(slug, opts);
        const app = await client.admin.createApp(body);
        if (out.json) return out.printJson(app);
        out.line(`Added ${str(app.name_slug)} (${str(app.id)}).`);
      }),
    );
}

function fromFlags(slug: string, o: AddOptions): Json {
  const body: Json = { name_slug: slug, name: o.name ?? slug, auth_type: o.authType };
  if (o.authType === 'oauth') {
    const oauth: Json = {
      issuer: o.issuer,
      authorization_url: o.authorizationUrl,
      token_url: o.tokenUrl,
      userinfo_url: o.userinfoUrl,
      revocation_url: o.revocationUrl,
      scope_separator: o.scopeSeparator,
      token_auth_method: o.tokenAuthMethod,
      pkce: o.pkce === false ? false : undefined,
      default_scopes: o.defaultScope,
    };
    for (const key of Object.keys(oauth)) if (oauth[key] === undefined) delete oauth[key];
    if (!oauth.issuer && !(oauth.authorization_url && oauth.token_url)) {
      throw new CliError(
        'An oauth app needs --issuer, or --authorization-url and --token-url.',
        EXIT.usage,
      );
    }
    body.oauth = oauth;
  }
  if (o.field?.length) body.fields = o.field.map(parseField);
  return body;
}

function parseField(spec: string): Json {
  const [name, label, ...flags] = spec.split(':');
  if (!name || !label) {
    throw new CliError(`--field ${spec}: write it as name:label[:public][:optional]`, EXIT.usage);
  }
  const unknown = flags.filter((f) => f !== 'public' && f !== 'optional');
  if (unknown.length)
    throw new CliError(`--field ${spec}: unknown ${unknown.join(', ')}`, EXIT.usage);
  return { name, label, secret: !flags.includes('public'), optional: flags.includes('optional') };
}

async function fromFile(path: string, slug: string): Promise<Json> {
  try {
    return { name_slug: slug, ...(JSON.parse(await readFile(path, 'utf8')) as Json) };
  } catch (error) {
    throw new CliError(`--file ${path}: ${(error as Error).message}`, EXIT.usage);
  }
}

export const str = (value: unknown) =>
  value === null || value === undefined || value === '' ? '-' : String(value);
