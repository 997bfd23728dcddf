import type { IncomingMessage, ServerResponse } from 'node:http';

import type { InteractionResults, Provider } from 'oidc-provider';

/** Where the provider sends the browser for login and consent (`interactions.url`). */
export const INTERACTION_PATH = '/interaction/';

interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

/**
 * Stands in for a login and consent page: signs in the fixed account, then grants every
 * scope, claim and resource scope the provider reports as missing, and sends the browser
 * back to the provider to resume the authorization request.
 */
export async function finishInteraction(
  provider: Provider,
  accountId: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const interaction = await provider.interactionDetails(req, res);
  const { prompt, params, session } = interaction;

  let result: InteractionResults;
  if (prompt.name === 'login') {
    result = { login: { accountId } };
  } else if (prompt.name === 'consent') {
    const grant = interaction.grantId
      ? await provider.Grant.find(interaction.grantId)
      : new provider.Grant({ accountId: session?.accountId, clientId: String(params.client_id) });
    if (grant === undefined) throw new Error(`grant ${interaction.grantId} not found`);

    const details = prompt.details as ConsentDetails;
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope);
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes);
    }

    result = { consent: { grantId: await grant.save() } };
  } else {
    result = { error: 'access_denied', error_description: `unhandled prompt ${prompt.name}` };
  }

  const returnTo = await provider.interactionResult(req, res, result, {
    mergeWithLastSubmission: false,
  });
  res.writeHead(303, { location: returnTo, 'content-length': '0' });
  res.end();
}
