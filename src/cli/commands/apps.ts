import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Json } from '../../../packages/client/src/index.ts';
import { action, collect } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { listAll } from '../pages.ts';

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
        const data = await listAll(client, '/v1/apps');
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
    .addOption(
      new Option('--auth-type <type>', 'how accounts authenticate')
        .choices(['oauth', 'keys', 'none'])
        .default('oauth'),
    )
    .option('--file <path>', 'read the whole app definition (API.md POST /v1/apps) from JSON')
    .option('--issuer <url>', 'OIDC issuer to discover the endpoints from')
    .option('--authorization-url <url>', 'authorization endpoint')
    .option('--token-url <url>', 'token endpoint')
    .option('--userinfo-url <url>', 'where to read the user’s identity')
    .option('--revocation-url <url>', 'token revocation endpoint')
    .option('--scope-separator <sep>', 'between scopes: space (default) or comma', scopeSeparator)
    .addOption(
      new Option('--token-auth-method <method>', 'how the client authenticates').choices([
        'client_secret_basic',
        'client_secret_post',
      ]),
    )
    .option('--no-pkce', 'do not send a PKCE challenge')
    .option('--default-scope <scope>', 'a scope to ask for by default (repeatable)', collect)
    .option(
      '--field <name:label[:public][:optional]>',
      'keys apps: a field to ask for (repeatable); secret unless marked public',
      collect,
    )
    .action(
      action(async ({ client, out }, slug: string, opts: AddOptions, command: Command) => {
        checkCombination(opts, command);
        const body = opts.file ? await fromFile(opts.file, slug) : fromFlags(slug, opts);
        const app = await client.admin.createApp(body);
        if (out.json) return out.printJson(app);
        out.line(`Added ${str(app.name_slug)} (${str(app.id)}).`);
      }),
    );

  apps
    .command('delete <slug-or-id>')
    .description('delete a custom app that no account, OAuth client or open link uses')
    .action(
      action(async ({ client, out }, slugOrId: string) => {
        await client.admin.deleteApp(slugOrId);
        if (out.json) return out.printJson({ app: slugOrId, deleted: true });
        out.line(`Deleted ${slugOrId}.`);
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

/** `space` or `comma`, or the character itself. */
function scopeSeparator(value: string): string {
  const separator = ({ space: ' ', comma: ',' } as Record<string, string>)[value] ?? value;
  if (separator !== ' ' && separator !== ',') {
    throw new InvalidArgumentError('Give space or comma.');
  }
  return separator;
}

/** Flags that only an oauth app uses (by commander attribute name). */
const oauthOnly = [
  'issuer',
  'authorizationUrl',
  'tokenUrl',
  'userinfoUrl',
  'revocationUrl',
  'scopeSeparator',
  'tokenAuthMethod',
  'pkce',
  'defaultScope',
];

/**
 * Flags that would be dropped without a word are refused instead, before any request: any
 * flag beside --file (the file is the whole definition), oauth flags on a keys or none app,
 * and --field on an oauth app.
 */
function checkCombination(opts: AddOptions, command: Command): void {
  const given = (names: string[]) =>
    names.filter((name) => command.getOptionValueSource(name) === 'cli');
  const flag = (name: string) =>
    command.options.find((o) => o.attributeName() === name)?.long ?? name;
  const list = (names: string[]) => names.map(flag).join(', ');

  if (opts.file) {
    const others = given(Object.keys(opts)).filter((name) => name !== 'file');
    if (others.length) {
      throw new CliError(
        `--file holds the whole app definition; leave out ${list(others)} (or put them in ` +
          'the file).',
        EXIT.usage,
      );
    }
    return;
  }
  const wrong = opts.authType === 'oauth' ? given(['field']) : given(oauthOnly);
  if (wrong.length) {
    const what = opts.authType === 'oauth' ? 'keys apps (--auth-type keys)' : 'oauth apps';
    throw new CliError(`${list(wrong)}: only for ${what}.`, EXIT.usage);
  }
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
  let body: unknown;
  try {
    body = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CliError(`--file ${path}: ${(error as Error).message}`, EXIT.usage);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new CliError(
      `--file ${path}: expected a JSON object (API.md POST /v1/apps).`,
      EXIT.usage,
    );
  }
  const named = (body as Json).name_slug;
  if (named !== undefined && named !== slug) {
    throw new CliError(
      `--file ${path} names the app ${JSON.stringify(named)}, not ${JSON.stringify(slug)}.`,
      EXIT.usage,
    );
  }
  return { ...(body as Json), name_slug: slug };
}

export const str = (value: unknown) =>
  value === null || value === undefined || value === '' ? '-' : String(value);
