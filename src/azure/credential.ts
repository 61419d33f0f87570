import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';

/**
 * The bot's Azure identity: DefaultAzureCredential (managed identity in Azure, developer
 * sign-in locally), optionally pinned to a user-assigned managed identity by client id.
 */
export function createAzureCredential(options: { managedIdentityClientId?: string } = {}): TokenCredential {
  return options.managedIdentityClientId ? new DefaultAzureCredential({ managedIdentityClientId: options.managedIdentityClientId }) : new DefaultAzureCredential();
}

/**
 * A static token for the local ARM simulator only: the simulator checks that a bearer token
 * is present, never what it says, and the SDK refuses to send one except over HTTPS.
 */
export class LocalSimulatorCredential implements TokenCredential {
  constructor(private readonly token = 'local-simulator-token') {}

  async getToken(): Promise<AccessToken> {
    return { token: this.token, expiresOnTimestamp: Date.now() + 60 * 60 * 1000 };
  }
}
