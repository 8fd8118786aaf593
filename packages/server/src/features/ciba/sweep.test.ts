/**
 * The safety net behind live events: when the process that started a CIBA ping request or a
 * Keycloak request is gone (restart, another node without the event), the sweep still sends the
 * ping or the callback, once, and stops the phone asking for a CIBA request that expired early.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  answerOnPhone,
  basicAuth,
  type CibaSide,
  cibaSide,
  formPost,
  pendingOnPhone,
  registerClient,
  startReceiver,
} from '../../test-support/ciba.ts';
import { databaseKinds, startTestHarness, type TestHarness } from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import {
  type KeycloakStandIn,
  startKeycloakStandIn,
} from '../../test-support/stand-ins/keycloak-stand-in.ts';

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

for (const kind of databaseKinds) {
  describe(`CIBA and Keycloak sweep on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let side: CibaSide;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let keycloak: KeycloakStandIn;

    before(async () => {
      h = await startTestHarness(kind, { integrationsAllowHttp: true });
      side = await cibaSide(h, 'sweep', {
        externalId: 'C-1',
        email: 'c1@example.com',
        phone: '+447911000021',
      });
      receiver = await startReceiver();
      keycloak = await startKeycloakStandIn({ now: h.clock.now });
      await h.runtime.services.keycloakChannel.configure(
        side.tenant.id,
        { baseUrl: keycloak.baseUrl, realm: keycloak.realm, requesterName: 'Acme' },
        { type: 'cli', id: null },
      );
    });
    after(async () => {
      await h?.close();
      await receiver?.close();
      await keycloak?.close();
    });

    it('a ping the live event missed is sent by the sweep, exactly once', async () => {
      const { id, secret } = await registerClient(h, side, {
        name: 'Desk',
        tokenEndpointAuthMethod: 'client_secret_basic',
        deliveryMode: 'ping',
        notificationEndpoint: receiver.url,
      });
      const response = await formPost(
        h,
        '/oidc/backchannel-authentication',
        { scope: 'openid', login_hint: 'C-1', client_notification_token: 'sweep-token' },
        { authorization: basicAuth(id, secret!) },
      );
      assert.equal(response.statusCode, 200, response.body);
      const { auth_req_id, verification_code } = response.json() as {
        auth_req_id: string;
        verification_code: string;
      };
      // As if the process that started it had gone: nobody listens for the answer any more.
      h.runtime.services.ciba.stop();
      const [shown] = await pendingOnPhone(h, side.device);
      await answerOnPhone(h, side.device, shown!.id, { approveWith: verification_code });
      await settle();
      assert.equal(receiver.received.length, 0, 'no listener, no ping yet');

      await h.runtime.services.ciba.sweep();
      assert.equal(receiver.received.length, 1);
      assert.deepEqual(JSON.parse(receiver.received[0]!.body), { auth_req_id });
      assert.equal(receiver.received[0]!.headers.authorization, 'Bearer sweep-token');
      await h.runtime.services.ciba.sweep();
      assert.equal(receiver.received.length, 1, 'not twice');
    });

    it('a ping client hears of a request that ended without an answer, and then gets expired_token', async () => {
      const endedReceiver = await startReceiver();
      try {
        h.clock.advance(600_001);
        const { id, secret } = await registerClient(h, side, {
          name: 'Desk',
          tokenEndpointAuthMethod: 'client_secret_basic',
          deliveryMode: 'ping',
          notificationEndpoint: endedReceiver.url,
        });
        const auth = basicAuth(id, secret!);
        const response = await formPost(
          h,
          '/oidc/backchannel-authentication',
          { scope: 'openid', login_hint: 'C-1', client_notification_token: 'ended-token' },
          { authorization: auth },
        );
        const { auth_req_id, expires_in } = response.json() as { auth_req_id: string; expires_in: number };
        h.clock.advance(expires_in * 1000);
        const ping = await endedReceiver.next();
        assert.deepEqual(JSON.parse(ping.body), { auth_req_id });
        const tokens = await formPost(
          h,
          '/oidc/token',
          { grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id },
          { authorization: auth },
        );
        assert.equal((tokens.json() as { error: string }).error, 'expired_token');
      } finally {
        await endedReceiver.close();
      }
    });

    it('a Keycloak callback the live event missed is sent by the sweep', async () => {
      h.clock.advance(600_001);
      const bearer = await keycloak.bearer();
      const response = await h.app.inject({
        method: 'POST',
        url: '/v1/keycloak/authentication-channel',
        headers: { authorization: `Bearer ${bearer}` },
        payload: {
          login_hint: 'C-1',
          scope: 'openid',
          is_consent_required: false,
          binding_message: null,
          acr_values: null,
        },
      });
      assert.equal(response.statusCode, 201, response.body);
      const { verificationId } = response.json() as { verificationId: string };
      h.runtime.services.keycloakChannel.stop();
      await answerOnPhone(h, side.device, verificationId, 'deny');
      await settle();
      assert.equal(keycloak.calls.length, 0);

      await h.runtime.services.keycloakChannel.sweep();
      assert.equal(keycloak.accepted.length, 1);
      assert.equal(keycloak.accepted[0]!.status, 'UNAUTHORIZED');
      await h.runtime.services.keycloakChannel.sweep();
      assert.equal(keycloak.calls.length, 1, 'not twice');
    });
  });
}
