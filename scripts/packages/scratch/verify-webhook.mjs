// A webhook receiver's check on plain Node (20 and 24) with the installed client SDK: a delivery the
// server really sent, verified by its Standard Webhooks headers and by the earlier header alone,
// and refused once its body is changed.
import { readFileSync } from 'node:fs';
import { HelpdeskAuthError, verifyWebhook } from '@helpdesk-auth/client';

const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: verify-webhook.mjs <delivery.json>');
const { body, headers, secret } = JSON.parse(readFileSync(file, 'utf8'));

const standard = await verifyWebhook({ payload: body, headers, secret });
const earlier = await verifyWebhook({
  payload: new TextEncoder().encode(body),
  signatureHeader: headers['helpdesk-auth-signature'],
  secret,
});
let altered = null;
try {
  await verifyWebhook({ payload: body.replace('webhook.test', 'webhook.tesT'), headers, secret });
} catch (error) {
  altered = error instanceof HelpdeskAuthError ? error.code : String(error);
}
console.log(
  JSON.stringify({
    node: process.version,
    standard: [standard.type, standard.id === headers['webhook-id']],
    earlier: earlier.type,
    altered,
  }),
);
