import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  /** Epoch milliseconds, or Infinity for records the provider saved without a lifetime. */
  expiresAt: number;
}

/**
 * One in-memory store per fixture. oidc-provider's own memory adapter shares a module-level
 * store between instances and warns on every start; this one is private to the fixture and
 * quiet. The models check `exp` themselves, so expiry here only keeps the map from growing.
 */
export function createMemoryAdapter(): AdapterFactory {
  const entries = new Map<string, Entry>();
  const sessionsByUid = new Map<string, string>();
  const grantMembers = new Map<string, Set<string>>();

  const read = (key: string): AdapterPayload | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;

    if (entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }

    return entry.payload;
  };

  return (model: string): Adapter => {
    const keyOf = (id: string) => `${model}:${id}`;

    return {
      async upsert(id, payload, expiresIn) {
        const key = keyOf(id);
        const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
        entries.set(key, { payload, expiresAt });

        if (model === 'Session' && typeof payload.uid === 'string') {
          sessionsByUid.set(payload.uid, id);
        }

        if (typeof payload.grantId === 'string') {
          const members = grantMembers.get(payload.grantId) ?? new Set<string>();
          members.add(key);
          grantMembers.set(payload.grantId, members);
        }
      },

      async find(id) {
        return read(keyOf(id));
      },

      async findByUid(uid) {
        const id = sessionsByUid.get(uid);
        return id === undefined ? undefined : read(keyOf(id));
      },

      async findByUserCode() {
        // The device flow is not enabled, so no record ever carries a user code.
        return undefined;
      },

      async consume(id) {
        const payload = read(keyOf(id));
        if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000);
      },

      async destroy(id) {
        entries.delete(keyOf(id));
      },

      async revokeByGrantId(grantId) {
        for (const key of grantMembers.get(grantId) ?? []) entries.delete(key);
        grantMembers.delete(grantId);
      },
    };
  };
}
