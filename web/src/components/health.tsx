import type { Account } from '../types.ts';
import { UserText } from './user-text.tsx';

export type Health = 'healthy' | 'retrying' | 'dead';

export const HEALTH_LABEL: Record<Health, string> = {
  healthy: 'Healthy',
  retrying: 'Retrying',
  dead: 'Needs reconnect',
};

export function healthOf(account: Account): Health {
  if (account.dead) return 'dead';
  return account.healthy ? 'healthy' : 'retrying';
}

/** The account's state in words, with the provider's error when there is one. */
export function HealthBadge({ account }: { account: Account }) {
  const health = healthOf(account);
  return (
    <div class="health">
      <span class={`badge badge-${health}`}>{HEALTH_LABEL[health]}</span>
      {health !== 'healthy' && account.error && (
        <UserText class="health-error">{account.error}</UserText>
      )}
      {health === 'dead' && !account.error && (
        <span class="health-error">The provider no longer accepts this grant.</span>
      )}
    </div>
  );
}
