import type { Clock } from '../lib/clock.ts';
import { newId } from '../lib/ids.ts';
import { tokenHash } from '../lib/hash.ts';
import type { IdentityRepository } from '../store/repos/identity.ts';
import type { ApiKeyService } from './api-keys.ts';

/**
 * On an empty database: the first workspace and an owner key, so that a fresh `npm start` can
 * be used at once. The key is the operator's LATCHKEY_BOOTSTRAP_API_KEY when set (scripts can
 * then set up without reading the terminal), else a new one that is returned to print once.
 */
export async function bootstrapInstance(
  repo: IdentityRepository,
  keys: ApiKeyService,
  clock: Clock,
  bootstrapKey: string | null,
): Promise<{ workspaceId: string; newSecret: string | null } | null> {
  if ((await repo.countWorkspaces()) > 0) {
    // The bootstrap key of a later start: make sure it still works, in the first workspace.
    if (bootstrapKey && !(await repo.apiKeyByHash(tokenHash(bootstrapKey)))) {
      const first = await repo.firstWorkspace();
      if (first) await keys.create(ownerKey(first.id, bootstrapKey));
    }
    return null;
  }

  const workspaceId = newId('ws');
  await repo.insertWorkspace({
    id: workspaceId,
    name: 'Default workspace',
    created_at: clock.now(),
  });
  const { secret } = await keys.create(ownerKey(workspaceId, bootstrapKey ?? undefined));
  return { workspaceId, newSecret: bootstrapKey ? null : secret };
}

function ownerKey(workspaceId: string, secret?: string) {
  return {
    workspaceId,
    userId: null,
    name: 'bootstrap owner key',
    scopes: ['admin'] as const,
    secret,
  };
}
