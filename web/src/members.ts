import { useEffect, useState } from 'preact/hooks';
import { listAll } from './api.ts';
import type { Member } from './types.ts';

export const memberId = (m: Member) => m.user_id ?? m.id ?? '';
export const memberName = (m: Member) => m.name || m.email;

/**
 * The workspace's members, for showing owners and choosing whom to share with. A failure
 * leaves the list empty: pages then show user ids instead of names rather than failing.
 */
export function useMembers(): { members: Member[]; loaded: boolean } {
  const [members, setMembers] = useState<Member[]>([]);
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    listAll<Member>('/v1/workspace/members')
      // Past the cap, names of the members not loaded fall back to their user ids.
      .then((list) => setMembers(list.items.filter((m) => memberId(m).startsWith('usr_'))))
      .catch(() => setMembers([]))
      .finally(() => setLoaded(true));
  }, []);
  return { members, loaded };
}

export function nameOf(members: Member[], userId: string | null | undefined): string {
  if (!userId) return '';
  const member = members.find((m) => memberId(m) === userId);
  return member ? memberName(member) : userId;
}
