import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Account = { sub: string; email: string; email_verified: boolean; name: string; preferred_username: string; affiliation: string };

/** A real OpenID provider (oidc-provider) on loopback; `signInAs` picks who logs in at its login prompt. */
export async function startProvider() {
  const accounts = new Map<string, Account>();
  let signInAs = '';
  let provider: { callback(): (req: http.IncomingMessage, res: http.ServerResponse) => void; interactionDetails: Function; interactionFinished: Function; Grant: any } | undefined;
  const server = http.createServer(async (req, res) => {
    try {
      if (req.url?.startsWith('/interaction/')) {
        const details = await provider!.interactionDetails(req, res);
        if (details.prompt.name === 'login') return await provider!.interactionFinished(req, res, { login: { accountId: signInAs } }, { mergeWithLastSubmission: false });
        const grant = new provider!.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
        grant.addOIDCScope('openid email profile');
        return await provider!.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
      }
      provider!.callback()(req, res);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { default: Provider } = await import('oidc-provider' as string);
  // The client's redirect URI is known only once Airlock listens: the provider is built then.
  const init = (redirectUri: string) => { provider = new Provider(issuer, {
    clients: [{ client_id: 'airlock', client_secret: 'airlock-test-secret-0123456789', redirect_uris: [redirectUri], response_types: ['code'], grant_types: ['authorization_code'] }],
    findAccount: (_ctx: unknown, id: string) => (accounts.has(id) ? { accountId: id, claims: () => accounts.get(id) } : undefined),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username', 'affiliation'] },
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['oidc-test-cookie-key'] },
    pkce: { required: () => true },
  }); };
  return {
    issuer, accounts, init,
    as: (sub: string) => { signInAs = sub; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

