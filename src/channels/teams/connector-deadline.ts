import type { Activity } from 'botbuilder';
import { type AuthenticateRequestResult, BotFrameworkAuthentication, type BotFrameworkClient, type ClaimsIdentity, type ConnectorClient, ConnectorFactory, type UserTokenClient } from 'botframework-connector';
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
 */
export class DeadlineBotFrameworkAuthentication extends BotFrameworkAuthentication {
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
    return new DeadlineConnectorFactory(this.inner.createConnectorFactory(claimsIdentity), this.timeoutMs);
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
    return result.connectorFactory ? { ...result, connectorFactory: new DeadlineConnectorFactory(result.connectorFactory, this.timeoutMs) } : result;
  }
}

class DeadlineConnectorFactory extends ConnectorFactory {
  constructor(
    private readonly inner: ConnectorFactory,
    private readonly timeoutMs: number,
  ) {
    super();
  }

  async create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
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
