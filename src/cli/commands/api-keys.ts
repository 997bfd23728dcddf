import type { Command } from 'commander';
import type { Json } from '../../../packages/client/src/index.ts';
import { action, collect } from '../context.ts';
import { listAll } from '../pages.ts';
import { str } from './apps.ts';
import { relative } from '../output.ts';

/**
 * `keys create|list|revoke`: the workspace's API keys. Returns the `keys` command so that other
 * subcommands (`keys rotate`, the master keys) can be attached to the same group.
 */
export function registerApiKeys(program: Command): Command {
  const keys = program
    .command('keys')
    .description('API keys of the workspace (create, list, revoke); master key rotation');

  keys
    .command('create')
    .description('create an API key; its secret is printed this once')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption(
      '--scope <scope>',
      'accounts:read, credentials:read, accounts:write, apps:write or admin (repeatable)',
      collect,
    )
    .action(
      action(async ({ client, out }, opts: { name: string; scope: string[] }) => {
        const key = await client.admin.createApiKey({ name: opts.name, scopes: opts.scope });
        if (out.json) return out.printJson(key);
        out.note(`Created ${str(key.id)} (${opts.name}). Its secret, shown only now:`);
        out.line(String(key.secret));
      }),
    );

  keys
    .command('list')
    .description('list API keys (never their secrets)')
    .action(
      action(async ({ client, out }) => {
        const rows = (await listAll(client, '/v1/api_keys')).map(withoutSecret);
        if (out.json) return out.printJson(rows);
        out.table(
          ['ID', 'NAME', 'PREFIX', 'SCOPES', 'CREATED', 'LAST USED', 'EXPIRES'],
          rows.map((k) => [
            str(k.id),
            str(k.name),
            str(k.prefix),
            (k.scopes as string[] | undefined)?.join(' ') || '-',
            relative(k.created_at as string | null),
            relative(k.last_used_at as string | null),
            k.expires_at ? relative(k.expires_at as string) : 'never',
          ]),
        );
      }),
    );

  keys
    .command('revoke <id>')
    .description('revoke an API key; requests with it fail from now on')
    .action(
      action(async ({ client, out }, id: string) => {
        await client.admin.revokeApiKey(id);
        if (out.json) return out.printJson({ id, revoked: true });
        out.line(`Revoked ${id}.`);
      }),
    );

  return keys;
}

/** A list should never carry a secret; drop one if a server sent it anyway. */
function withoutSecret(key: Json): Json {
  const { secret: _secret, secret_hash: _hash, ...rest } = key;
  return rest;
}
