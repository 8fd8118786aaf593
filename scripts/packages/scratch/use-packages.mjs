// Plain Node (20 and 24) using the installed tarballs: the client SDK creates a customer and an
// activation, the device SDK enrolls with its file key store and approves the code the client got.
import { createHelpdeskAuthClient, HelpdeskAuthError } from '@helpdesk-auth/client';
import { errorStatus, isVerificationStatus, jwsTypes, newId } from '@helpdesk-auth/core';
import { genesisHash, verifyAuditChain } from '@helpdesk-auth/core/audit-chain';
import { createDeviceClient, DeviceSdkError } from '@helpdesk-auth/device-sdk';
import { createFileKeyStore } from '@helpdesk-auth/device-sdk/node-file-key-store';

const [baseUrl, keyFile, externalId] = process.argv.slice(2);
const apiKey = process.env.HELPDESK_AUTH_API_KEY;
if (!baseUrl || !keyFile || !externalId || !apiKey)
  throw new Error('usage: use-packages.mjs <baseUrl> <keyFile> <externalId>');

const client = createHelpdeskAuthClient({ baseUrl, apiKey });
const customer = await client.customers.create({ displayName: `Packed ${externalId}`, externalId });
const activation = await client.activations.create(customer.id);

const phone = createDeviceClient({ store: createFileKeyStore(keyFile), baseUrl });
const enrolled = await phone.enroll(activation.link, { label: `node ${process.version}`, platform: 'cli' });

const started = await client.verifications.start({
  customerId: customer.id,
  reason: 'Packed SDK',
  agentName: 'Sam',
});
const waiting = client.verifications.waitForResult(started.id, { timeoutMs: 20_000 });
// A second client on the same key file: the key was written to disk and reads back.
const again = createDeviceClient({ store: createFileKeyStore(keyFile), baseUrl });
const request = await again.fetchRequest(started.id);
let wrongCode = null;
try {
  await again.decide(request, {
    decision: 'approve',
    code:
      started.code === '0'.repeat(started.code.length)
        ? '1'.repeat(started.code.length)
        : '0'.repeat(started.code.length),
  });
} catch (error) {
  wrongCode = error instanceof DeviceSdkError ? error.code : String(error);
}
const decided = await again.decide(request, { decision: 'approve', code: started.code });
const result = await waiting;

let missing = null;
try {
  await client.verifications.get(newId('verification'));
} catch (error) {
  missing = error instanceof HelpdeskAuthError ? `${error.status} ${error.code}` : String(error);
}

console.log(
  JSON.stringify({
    node: process.version,
    enrolledCustomer: enrolled.customerId === customer.id,
    agentName: request.agentName,
    wrongCode,
    decided: decided.status,
    result: result.status,
    missing,
    core: {
      decisionTyp: jwsTypes.decision,
      wrongCodeStatus: errorStatus.WRONG_CODE,
      known: isVerificationStatus(result.status),
    },
    auditChain: verifyAuditChain('ten_x', []).ok === true && genesisHash.length === 64,
  }),
);
