import type { Command } from 'commander';
import { action, collect } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { listAll } from '../pages.ts';
import { str } from './apps.ts';

interface AddOptions {
  app: string;
  clientId: string;
  clientSecretStdin?: boolean;
  public?: boolean;
  scope?: string[];
}

export function registerOAuthApps(program: Command): void {
  const oauthApps = program
    .command('oauth-apps')
    .description('your OAuth clients (client id and secret) for apps');

  oauthApps
    .command('list')
    .description('list OAuth clients; secrets are never shown')
    .option('--app <slug>', 'only clients of this app')
    .action(
      action(async ({ client, out }, opts: { app?: string }) => {
        const data = await listAll(client, '/v1/oauth_apps', { app: opts.app });
        if (out.json) return out.printJson(data);
        out.table(
          ['ID', 'APP', 'CLIENT ID', 'SECRET', 'SCOPES'],
          data.map((o) => [
            str(o.id),
            str((o.app as { name_slug?: string } | undefined)?.name_slug),
            str(o.client_id),
            o.has_client_secret ? 'stored' : 'none',
            (o.scopes as string[] | undefined)?.join(' ') || '-',
          ]),
        );
      }),
    );

  oauthApps
    .command('add')
    .description(
      'store an OAuth client; the secret comes from LATCHKEY_OAUTH_CLIENT_SECRET or stdin, ' +
        'never from a flag (flags show up in process lists and shell history)',
    )
    .requiredOption('--app <slug>', 'the app this client is for')
    .requiredOption('--client-id <id>', 'the client id the provider gave you')
    .option('--client-secret-stdin', 'read the client secret from stdin')
    .option(
      '--public',
      'a public client: no secret, and the token endpoint is called without client ' +
        'authentication (only the client id is sent)',
    )
    .option('--scope <scope>', 'a scope to ask for (repeatable)', collect)
    .action(
      action(async ({ client, out }, opts: AddOptions) => {
        const fromEnv = process.env.LATCHKEY_OAUTH_CLIENT_SECRET;
        if (opts.public && (opts.clientSecretStdin || fromEnv)) {
          const source = opts.clientSecretStdin
            ? '--client-secret-stdin'
            : 'LATCHKEY_OAUTH_CLIENT_SECRET';
          throw new CliError(
            `--public: a public client has no secret, but ${source} gives one.`,
            EXIT.usage,
          );
        }
        const secret = opts.clientSecretStdin ? (await readStdin()).trim() : fromEnv;
        if (opts.clientSecretStdin && !secret) {
          throw new CliError('--client-secret-stdin: stdin was empty.', EXIT.usage);
        }
        const created = await client.admin.createOAuthApp({
          app: opts.app,
          client_id: opts.clientId,
          client_secret: secret || undefined,
          scopes: opts.scope,
        });
        if (!secret && !opts.public) {
          // On stderr, with --json too: the result on stdout stays parseable.
          out.warn(
            `${str(created.id)} has no client secret, so ${opts.app}'s token endpoint will be ` +
              'called without client authentication, as for a public client. If the provider ' +
              'gave you a secret, delete this client and add it again with ' +
              '--client-secret-stdin (or LATCHKEY_OAUTH_CLIENT_SECRET); if it is a public ' +
              'client, add --public to say so.',
          );
        }
        if (out.json) return out.printJson(created);
        const kind = secret ? '' : ' (a public client, without a secret)';
        out.line(`Added ${str(created.id)} for ${opts.app}${kind}.`);
      }),
    );

  oauthApps
    .command('delete <id>')
    .description('delete an OAuth client')
    .action(
      action(async ({ client, out }, id: string) => {
        await client.admin.deleteOAuthApp(id);
        if (out.json) return out.printJson({ id, deleted: true });
        out.line(`Deleted ${id}.`);
      }),
    );
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
