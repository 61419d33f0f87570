import { useWebhookBot, aadAudience, fixture, generateKeyPair, minimalAlert, postAlert } from './alert-test-kit';

describe('POST /api/alerts over HTTP (real restify, real SQLite)', () => {
  const suite = useWebhookBot();
  const { jwks } = suite;

  describe('authentication', () => {
    const body = fixture('common-vm.json');

    it('refuses a request without credentials (401) and stores nothing', async () => {
      const before = suite.bot.app.alerts.sqlite!.inbox.count();
      const r = await postAlert(suite.bot.running.url, body, { secret: null });
      expect(r.status).toBe(401);
      expect(suite.bot.app.alerts.sqlite!.inbox.count()).toBe(before);
    });

    it('refuses a wrong shared secret in the header or in ?code=', async () => {
      expect((await postAlert(suite.bot.running.url, body, { secret: 'wrong-secret' })).status).toBe(401);
      expect((await postAlert(suite.bot.running.url, body, { secret: null, query: '?code=wrong' })).status).toBe(401);
    });

    it('accepts the right shared secret in the header and in ?code=, with the incident id', async () => {
      const a = await postAlert(suite.bot.running.url, body);
      expect(a.status).toBe(202);
      expect(typeof a.body['incidentId']).toBe('string');
      const again = { ...fixture('common-vm.json') } as { data: { alertContext: { extendedInfo: Record<string, unknown> } } };
      again.data.alertContext.extendedInfo['jobId'] = 'bbbbbbbb-0000-0000-0000-000000000099';
      const b = await postAlert(suite.bot.running.url, again, { secret: null, query: `?code=${encodeURIComponent('test-alerts-secret-0123456789')}` });
      expect(b.status).toBe(202);
      expect(b.body['incidentId']).toBe(a.body['incidentId']);
    });

    it('refuses expired, wrong-audience, wrong-issuer and foreign-key tokens', async () => {
      const other = await generateKeyPair('RS256');
      const tokens = [
        await jwks.token({ expiresInSeconds: -600 }),
        await jwks.token({ audience: 'api://someone-else' }),
        await jwks.token({ issuer: 'https://sts.windows.net/another-tenant/' }),
        await jwks.token({ key: other.privateKey }),
        'not-a-jwt',
      ];
      for (const token of tokens) {
        const r = await postAlert(suite.bot.running.url, body, { secret: null, headers: { authorization: `Bearer ${token}` } });
        expect(r.status).toBe(401);
      }
    });

    it('accepts a valid Entra ID token signed by the configured JWKS', async () => {
      const token = await jwks.token({ audience: aadAudience });
      const r = await postAlert(suite.bot.running.url, fixture('common-sql-real.json'), { secret: null, headers: { authorization: `Bearer ${token}` } });
      expect(r.status).toBe(202);
      expect(r.body['status']).toBe('grouped');
    });

    it('answers a second delivery of the same job as a duplicate of the same incident', async () => {
      const first = await postAlert(suite.bot.running.url, fixture('minimal.json'));
      const second = await postAlert(suite.bot.running.url, fixture('minimal.json'));
      expect(second.status).toBe(202);
      expect(second.body['status']).toBe('duplicate');
      expect(second.body['incidentId']).toBe(first.body['incidentId']);
    });

    it('groups a storm that arrives after a newer incident of its vault and code into one incident of its own', async () => {
      const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
      const post = (vm: string, m: number) => postAlert(suite.bot.running.url, { ...minimalAlert('vault-late', vm, 'UserErrorGuestAgentStatusUnavailable', `late-${vm}`), occurredAt: minutesAgo(m) });
      const recent = await post('vm-recent', 5);
      const late = [await post('vm-a', 100), await post('vm-b', 110), await post('vm-c', 120)];
      expect(late.map((r) => r.status)).toEqual([202, 202, 202]);
      expect(new Set(late.map((r) => r.body['incidentId'])).size).toBe(1);
      expect(late[0]?.body['incidentId']).not.toBe(recent.body['incidentId']);
      expect(suite.bot.app.alerts.sqlite!.incidents.get(String(late[0]?.body['incidentId']))?.vmCount).toBe(3);
    });
  });

  describe('malformed payloads: the right 4xx, nothing stored, the server still answering', () => {
    const vm = fixture('common-vm.json');
    const metric = fixture('metric-health.json');
    const edit = (base: Record<string, unknown>, change: (b: { data: { essentials: Record<string, unknown>; alertContext: Record<string, unknown> } }) => void) => {
      const copy = JSON.parse(JSON.stringify(base)) as { data: { essentials: Record<string, unknown>; alertContext: Record<string, unknown> } };
      change(copy);
      return copy;
    };
    const big = 'x'.repeat(70 * 1024);

    type Case = { name: string; status: number; field?: string; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> };
    const cases: Case[] = [
      { name: 'no content-type', status: 415, raw: JSON.stringify(vm), headers: { 'content-type': '' } },
      { name: 'text/plain', status: 415, raw: JSON.stringify(vm), headers: { 'content-type': 'text/plain' } },
      { name: 'application/xml', status: 415, raw: '<alert/>', headers: { 'content-type': 'application/xml' } },
      { name: 'form-encoded', status: 415, raw: 'vault=a&vm=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      { name: 'multipart', status: 415, raw: '--x\r\n\r\n--x--', headers: { 'content-type': 'multipart/form-data; boundary=x' } },
      { name: 'over the size limit', status: 413, body: { vault: 'v1', vm: 'vm1', message: big } },
      { name: 'invalid JSON', status: 400, field: '(body)', raw: '{"schemaId": ' },
      { name: 'empty body', status: 400, field: '(body)', raw: '' },
      { name: 'invalid UTF-8', status: 400, raw: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) },
      { name: 'a JSON array', status: 400, field: '(body)', body: [vm] },
      { name: 'a JSON string', status: 400, field: '(body)', body: 'alert' },
      { name: 'JSON null', status: 400, field: '(body)', body: null },
      { name: 'an empty object', status: 400, field: 'schemaId', body: {} },
      { name: 'an unknown schemaId', status: 400, field: 'schemaId', body: { ...vm, schemaId: 'SomeOtherSchema' } },
      { name: 'no monitoring service', status: 400, field: 'data.essentials.monitoringService', body: edit(vm, (b) => delete b.data.essentials['monitoringService']) },
      { name: 'no essentials', status: 400, field: 'data.essentials', body: edit(vm, (b) => delete (b.data as Record<string, unknown>)['essentials']) },
      { name: 'unknown monitorCondition', status: 400, field: 'data.essentials.monitorCondition', body: edit(vm, (b) => (b.data.essentials['monitorCondition'] = 'Maybe')) },
      { name: 'empty alertTargetIDs', status: 400, field: 'data.essentials.alertTargetIDs', body: edit(vm, (b) => (b.data.essentials['alertTargetIDs'] = [])) },
      { name: 'target is not a vault', status: 400, field: 'data.essentials.alertTargetIDs[0]', body: edit(vm, (b) => (b.data.essentials['alertTargetIDs'] = ['/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/x'])) },
      { name: 'bad firedDateTime', status: 400, field: 'data.essentials.firedDateTime', body: edit(vm, (b) => (b.data.essentials['firedDateTime'] = 'yesterday')) },
      { name: 'no VM in the context', status: 400, field: 'data.alertContext.linkedResourceId', body: edit(vm, (b) => (b.data.alertContext = { category: 'Jobs' })) },
      { name: 'description is a number', status: 400, field: 'data.essentials.description', body: edit(vm, (b) => (b.data.essentials['description'] = 42)) },
      { name: 'metric whose datasource dimension is no ARM id', status: 400, field: 'data.alertContext.condition.allOf[0].dimensions', body: edit(metric, (b) => ((b.data.alertContext['condition'] as { allOf: { dimensions: unknown[] }[] }).allOf[0]!.dimensions = [{ name: 'DatasourceId', value: 'not-an-arm-id' }])) },
      { name: 'minimal without code or message', status: 400, field: 'errorCode', body: { vault: 'v1', vm: 'vm1' } },
      { name: 'minimal with an unknown field', status: 400, field: 'errorcode', body: { vault: 'v1', vm: 'vm1', errorcode: 'X' } },
      { name: 'minimal with a bad VM name', status: 400, field: 'vm', body: { vault: 'v1', vm: 'bad name!', errorCode: 'UserErrorGuestAgentStatusUnavailable' } },
      { name: 'minimal with a bad job id', status: 400, field: 'jobId', body: { vault: 'v1', vm: 'vm1', errorCode: 'UserErrorGuestAgentStatusUnavailable', jobId: 'drop table;' + ' '.repeat(3) } },
      { name: 'minimal with a bad subscription id', status: 400, field: 'subscriptionId', body: { vault: 'v1', vm: 'vm1', message: 'x', subscriptionId: 'abc' } },
    ];

    it(`has at least 20 kinds (${cases.length})`, () => expect(cases.length).toBeGreaterThanOrEqual(20));

    it.each(cases)('$name -> $status', async (c) => {
      const before = suite.bot.app.alerts.sqlite!.inbox.count();
      const incidentsBefore = suite.bot.app.alerts.sqlite!.incidents.count();
      const r = await postAlert(suite.bot.running.url, c.body, { ...(c.raw !== undefined ? { raw: c.raw } : {}), ...(c.headers ? { headers: c.headers } : {}) });
      expect(r.status).toBe(c.status);
      if (c.field) expect(r.body['field']).toBe(c.field);
      expect(typeof r.body['reason']).toBe('string');
      expect(suite.bot.app.alerts.sqlite!.inbox.count()).toBe(before);
      expect(suite.bot.app.alerts.sqlite!.incidents.count()).toBe(incidentsBefore);
      const health = await fetch(`${suite.bot.running.url}/healthz`);
      expect(health.status).toBe(200);
    });

    it('still accepts a good alert afterwards', async () => {
      const r = await postAlert(suite.bot.running.url, { vault: 'v-after', vm: 'vm1', errorCode: 'UserErrorGuestAgentStatusUnavailable' });
      expect(r.status).toBe(202);
    });
  });

  describe('/readyz and /metrics', () => {
    it('reports the store, the outbox depth and Azure', async () => {
      const r = await fetch(`${suite.bot.running.url}/readyz`);
      expect(r.status).toBe(200);
      const body = (await r.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ ready: true, store: 'ok', azure: 'not-configured' });
      expect(typeof body['outboxDepth']).toBe('number');
    });

    it('counts alerts by outcome in Prometheus text', async () => {
      const r = await fetch(`${suite.bot.running.url}/metrics`);
      const text = await r.text();
      expect(r.headers.get('content-type')).toMatch(/text\/plain/);
      expect(text).toMatch(/backup_doctor_alerts_received_total\{outcome="grouped"\} \d+/);
      expect(text).toMatch(/backup_doctor_alerts_received_total\{outcome="unauthenticated"\} \d+/);
      expect(text).toMatch(/backup_doctor_outbox_depth \d+/);
    });
  });
});
