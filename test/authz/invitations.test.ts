import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { anonymous, buildWorld, call, password, uniqueEmail, type World } from './world.ts';

describe('pending invitations', () => {
  let world: World;
  before(async () => {
    world = await buildWorld('sqlite');
  });
  after(() => world?.lk.close());

  const invite = async (email: string) => {
    const res = await call(world.lk, world.people.owner, 'POST', '/v1/workspace/members', {
      email,
      role: 'member',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.data as { id: string; invitation: string };
  };
  const pending = async () =>
    (await call(world.lk, world.people.admin, 'GET', '/v1/workspace/invitations')).body.data as {
      id: string;
      email: string;
    }[];

  it('lists the unused ones without their links, and drops them once used', async () => {
    const email = uniqueEmail('pending');
    const made = await invite(email);
    const listed = (await pending()).find((i) => i.id === made.id);
    assert.equal(listed?.email, email);
    assert.equal(JSON.stringify(listed).includes(made.invitation), false);

    const signup = await call(world.lk, anonymous, 'POST', '/v1/auth/signup', {
      email,
      password,
      invitation: made.invitation,
    });
    assert.equal(signup.status, 201);
    assert.equal(
      (await pending()).some((i) => i.id === made.id),
      false,
    );
  });

  it('withdraws one, whose link then no longer works', async () => {
    const email = uniqueEmail('withdrawn');
    const made = await invite(email);
    const withdrawn = await call(
      world.lk,
      world.people.admin,
      'DELETE',
      `/v1/workspace/invitations/${made.id}`,
    );
    assert.equal(withdrawn.status, 204);
    const signup = await call(world.lk, anonymous, 'POST', '/v1/auth/signup', {
      email,
      password,
      invitation: made.invitation,
    });
    assert.equal(signup.status, 403);
    assert.equal(
      (await pending()).some((i) => i.id === made.id),
      false,
    );
  });
});
