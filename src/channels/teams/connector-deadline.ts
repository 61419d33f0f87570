import type { Activity } from 'botbuilder';
import { type AuthenticateRequestResult, BotFrameworkAuthentication, type BotFrameworkClient, type ClaimsIdentity, type ConnectorClient, ConnectorFactory, JwtTokenValidation, type UserTokenClient } from 'botframework-connector';
import type { Pipeline } from '@azure/core-rest-pipeline';

/**
 * Every call to the Bot Framework connector (replies, updates, proactive sends) gets a
 * deadline at the HTTP layer. Without it a connector that accepts a request and never answers
 * holds a turn, or a card update, forever; with it the call fails with a timeout, which the
 * callers already handle like any failed send.
 *
 * botbuilder's ConnectorFactoryImpl replaces any request policy passed in its options, so the
 * deadline is added to each connector client's own pipeline as the client is made: this
 * authentication wraps the configured one and hands out connector factories that do that.
 *
 * The factories also keep each connector client for its bot, service URL and audience, as
 * botbuilder's older BotFrameworkAdapter did: CloudAdapter makes a new client, with its
 * credentials and an HTTP pipeline of a dozen policies, on every turn, which costs a busy bot a
 * few percent of its time. A kept client's credentials fetch and cache tokens themselves.
 */
export class DeadlineBotFrameworkAuthentication extends BotFrameworkAuthentication {
  private readonly clients = new ConnectorClients();

  constructor(
    private readonly inner: BotFrameworkAuthentication,
    private readonly timeoutMs: number,
  ) {
    super();
  }

  async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    return this.withDeadline(await this.inner.authenticateRequest(activity, authHeader));
  }

  async authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    return this.withDeadline(await this.inner.authenticateStreamingRequest(authHeader, channelIdHeader));
  }

  createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return new DeadlineConnectorFactory(this.inner.createConnectorFactory(claimsIdentity), this.timeoutMs, this.clients, appIdOf(claimsIdentity));
  }

  createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.inner.createUserTokenClient(claimsIdentity);
  }

  override createBotFrameworkClient(): BotFrameworkClient {
    return this.inner.createBotFrameworkClient();
  }

  override getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }

  override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return this.inner.authenticateChannelRequest(authHeader);
  }

  private withDeadline(result: AuthenticateRequestResult): AuthenticateRequestResult {
    return result.connectorFactory
      ? { ...result, connectorFactory: new DeadlineConnectorFactory(result.connectorFactory, this.timeoutMs, this.clients, appIdOf(result.claimsIdentity)) }
      : result;
  }
}

/** The bot the connector factory acts as (none in local mode, where calls are anonymous). */
function appIdOf(claimsIdentity: ClaimsIdentity | undefined): string {
  return claimsIdentity ? (JwtTokenValidation.getAppIdFromClaims(claimsIdentity.claims) ?? '') : '';
}

/** Connector clients by bot, service URL and audience; a handful in practice (one per Teams region). */
class ConnectorClients {
  private readonly byKey = new Map<string, Promise<ConnectorClient>>();

  get(key: string, make: () => Promise<ConnectorClient>): Promise<ConnectorClient> {
    let client = this.byKey.get(key);
    if (client === undefined) {
      client = make();
      // A client that could not be made (credentials refused) is made again next time.
      client.catch(() => this.byKey.delete(key));
      if (this.byKey.size >= maxKeptClients) this.byKey.delete(this.byKey.keys().next().value as string);
      this.byKey.set(key, client);
    }
    return client;
  }
}

/** Service URLs come from activities: a bound, so a stream of made-up ones cannot grow the map. */
const maxKeptClients = 64;

class DeadlineConnectorFactory extends ConnectorFactory {
  constructor(
    private readonly inner: ConnectorFactory,
    private readonly timeoutMs: number,
    private readonly clients: ConnectorClients,
    private readonly appId: string,
  ) {
    super();
  }

  create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    return this.clients.get(JSON.stringify([this.appId, serviceUrl, audience ?? '']), () => this.make(serviceUrl, audience));
  }

  private async make(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    const client = await this.inner.create(serviceUrl, audience);
    // The compat ServiceClientContext keeps its core-client ServiceClient private; botbuilder is
    // frozen at 4.23, so this shape will not move under us.
    const pipeline = (client as unknown as { client?: { pipeline?: Pipeline } }).client?.pipeline;
    if (!pipeline) throw new Error('botbuilder connector client without a pipeline: the connector deadline cannot be set');
    const timeoutMs = this.timeoutMs;
    pipeline.addPolicy({
      name: 'backupDoctorChatDeadline',
      sendRequest: (request, next) => {
        if (!request.timeout || request.timeout > timeoutMs) request.timeout = timeoutMs;
        return next(request);
      },
    });
    return client;
  }
}
