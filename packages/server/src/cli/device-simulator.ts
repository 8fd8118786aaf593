// `helpdesk-auth device …`: a simulated device over HTTP, built on the device SDK.
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import {
  createDeviceClient,
  type DeviceClient,
  isDeviceSdkError,
  type VerifiedCallNotice,
  type VerifiedRequest,
} from '@helpdesk-auth/device-sdk';
import { createFileKeyStore } from '@helpdesk-auth/device-sdk/node-file-key-store';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../config/config.ts';

/**
 * `helpdesk-auth device …`: a real device over HTTP, built on the device SDK, for demos, agent
 * training, tests and the benchmark. It keeps its key and pinned server keys in a file readable
 * only by its owner, exactly like an app would keep them in the platform's key store.
 */

const out = (line = '') => process.stdout.write(`${line}\n`);

type Answer = { decision: 'approve'; code: string } | { decision: 'deny' } | { decision: 'report_fraud' };

interface ListenOptions {
  keyFile?: string;
  approveWithCode?: string;
  deny?: boolean;
  reportFraud?: boolean;
  once?: boolean;
}

function defaultKeyFile(): string {
  return path.join(loadConfig(process.env).dataDir, 'simulated-device.json');
}

function client(keyFile: string | undefined, baseUrl?: string): DeviceClient {
  return createDeviceClient({
    store: createFileKeyStore(keyFile ?? defaultKeyFile()),
    ...(baseUrl ? { baseUrl } : {}),
  });
}

function describe(request: VerifiedRequest): string[] {
  const lines = [`Request from ${request.tenantName}: ${request.agentName}`, `  Reason:  ${request.reason}`];
  if (request.actionSummary) lines.push(`  Confirm: ${request.actionSummary}`);
  lines.push(
    `  Asked:   ${request.issuedAt.toLocaleTimeString()}, expires ${request.expiresAt.toLocaleTimeString()}`,
  );
  return lines;
}

/** A verified call notice, as the app would show it. */
function describeCall(notice: VerifiedCallNotice): string[] {
  const caller = notice.team ? `${notice.agentName} from ${notice.team}` : notice.agentName;
  const lines = [`${notice.tenant.name} is calling you now: ${caller}, ${notice.reason}.`];
  if (notice.fromNumber) lines.push(`  Your phone should show: ${notice.fromNumber}`);
  if (notice.mutualCode === 'agent_reads')
    lines.push(`  The agent will read out this code: ${notice.code}. If they read another, it is not us.`);
  if (notice.mutualCode === 'customer_reads') lines.push(`  Read this code to the agent: ${notice.code}`);
  lines.push(`  Verified against the pinned keys; valid until ${notice.expiresAt.toLocaleTimeString()}.`);
  return lines;
}

/** What the customer is told when nobody from the company is calling. */
const nobodyCalling = (company: string) => [
  `Nobody from ${company} is calling you right now.`,
  `If someone on the phone says they are from ${company}: hang up. ${company} will never ask for your codes.`,
  'Report the call: helpdesk-auth device call-report --number <the number you saw>',
];

async function askInteractively(request: VerifiedRequest): Promise<Answer> {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    out(`Are you on the phone with ${request.tenantName} right now?`);
    for (;;) {
      const answer = (
        await prompt.question(
          `Type the ${request.codeLength}-digit code the agent reads out to approve, "d" to deny, "f" if you are not on a call: `,
        )
      ).trim();
      if (answer === 'd') return { decision: 'deny' };
      if (answer === 'f') return { decision: 'report_fraud' };
      if (new RegExp(`^\\d{${request.codeLength}}$`).test(answer))
        return { decision: 'approve', code: answer };
      out(`Please type ${request.codeLength} digits, "d" or "f".`);
    }
  } finally {
    prompt.close();
  }
}

const decided: Record<Answer['decision'], string> = {
  approve: 'approved',
  deny: 'denied',
  report_fraud: 'reported as fraud',
};

export function registerDeviceCommands(program: Command, fail: (message: string) => never): void {
  const device = program
    .command('device')
    .description("Simulate a customer's device: enroll with an activation, then answer requests.");
  const keyFileOption = () =>
    new Option(
      '--key-file <path>',
      'where the device keeps its key (default: DATA_DIR/simulated-device.json)',
    );

  device
    .command('enroll <activation>')
    .description('Enroll with an activation link or code (from POST /v1/customers/{id}/activations).')
    .addOption(keyFileOption())
    .option('--server <url>', 'server URL, needed with a bare code (default: PUBLIC_URL)')
    .option('--label <label>', 'name shown for this device', 'Simulated device')
    .action(async (activation: string, options: { keyFile?: string; server?: string; label: string }) => {
      const isLink = /^https?:\/\//.test(activation);
      const baseUrl = options.server ?? (isLink ? undefined : loadConfig(process.env).publicUrl);
      const sdk = client(options.keyFile, baseUrl);
      try {
        const state = await sdk.enroll(activation, { label: options.label, platform: 'cli' });
        out(`Enrolled ${state.deviceId} with ${state.tenant.name} (customer ${state.customerId}).`);
        out(`Server keys pinned: ${state.jwks.keys.length}. Next: helpdesk-auth device listen`);
      } catch (error) {
        if (isDeviceSdkError(error)) fail(`${error.code}: ${error.message}`);
        throw error;
      }
    });

  device
    .command('listen')
    .description('Wait for requests and answer each one: interactively, or with a fixed answer for scripts.')
    .addOption(keyFileOption())
    .addOption(
      new Option('--approve-with-code <code>', 'approve every request with this code')
        .argParser((value: string) => {
          if (!/^\d{2,6}$/.test(value)) throw new InvalidArgumentError('The code is 2 to 6 digits.');
          return value;
        })
        .conflicts(['deny', 'reportFraud']),
    )
    .addOption(new Option('--deny', 'deny every request').conflicts(['reportFraud']))
    .option('--report-fraud', 'report every request as fraud ("I am not on a call")')
    .option('--once', 'stop after answering one request')
    .action(async (options: ListenOptions) => {
      const fixed: Answer | undefined = options.approveWithCode
        ? { decision: 'approve', code: options.approveWithCode }
        : options.deny
          ? { decision: 'deny' }
          : options.reportFraud
            ? { decision: 'report_fraud' }
            : undefined;
      if (!fixed && !process.stdin.isTTY) {
        fail('No terminal to ask on: pass --approve-with-code <code>, --deny or --report-fraud.');
      }
      const sdk = client(options.keyFile);
      const state = await sdk.state();
      if (!state)
        fail('This device is not enrolled yet: run helpdesk-auth device enroll <activation> first.');

      const stop = new AbortController();
      const handled = new Set<string>();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());

      const answer = async (request: VerifiedRequest) => {
        if (handled.has(request.id) || request.status !== 'pending') return;
        handled.add(request.id);
        for (const line of describe(request)) out(line);
        // Interactively, a mistyped code can be typed again while tries remain, as in an app.
        for (;;) {
          const choice = fixed ?? (await askInteractively(request));
          try {
            const outcome = await sdk.decide(request, choice);
            out(`You ${decided[choice.decision]} the request: ${outcome.status}.`);
            break;
          } catch (error) {
            if (!isDeviceSdkError(error)) throw error;
            const left = error.details?.attemptsLeft;
            out(
              `Not accepted: ${error.code}${left !== undefined ? ` (${left} tries left)` : ''}. ${error.message}`,
            );
            if (error.code !== 'WRONG_CODE' || fixed) break;
          }
        }
        if (options.once) stop.abort();
      };

      // The live channel ends when the server restarts or a proxy closes it: reconnect, gently.
      let backoffMs = 500;
      let listening = false;
      while (!stop.signal.aborted) {
        try {
          await sdk.listen({
            signal: stop.signal,
            // Once the channel is open, every new request is heard; what started before (or
            // while it was down) has no event, so catch up here, on every connect.
            onOpen: async () => {
              backoffMs = 500;
              out(
                listening
                  ? 'Live channel open again.'
                  : `Listening as ${state.deviceId} for ${state.tenant.name}. Ctrl+C to stop.`,
              );
              listening = true;
              for (const request of await sdk.pendingRequests()) {
                if (stop.signal.aborted) break;
                await answer(request);
              }
            },
            onEvent: async (event) => {
              backoffMs = 500;
              if (event.type === 'verification' && event.status === 'pending') {
                await answer(await sdk.fetchRequest(event.id));
              } else if (event.type === 'device-revoked' && event.deviceId === state.deviceId) {
                out('This device was revoked.');
                stop.abort();
              } else if (event.type === 'call_notice') {
                try {
                  for (const line of describeCall(await sdk.fetchCallNotice(event.id))) out(line);
                  out(
                    '  Confirm it: helpdesk-auth device call-confirm (or --mismatch if it is not this call)',
                  );
                } catch (error) {
                  if (!isDeviceSdkError(error)) throw error;
                  out(
                    `A call notice arrived but is not to be trusted (${error.code}): treat the call as fake.`,
                  );
                }
              } else if (event.type === 'call_notice_ended') {
                out('The announced call has ended.');
              } else if (event.type === 'device-enrolled') {
                out(`A new device was enrolled for this customer: ${event.label} (${event.platform}).`);
              }
            },
          });
        } catch (error) {
          if (isDeviceSdkError(error) && error.code === 'DEVICE_REVOKED') fail('This device was revoked.');
          if (!isDeviceSdkError(error) || error.code !== 'NETWORK_ERROR') throw error;
          if (!stop.signal.aborted) out(`No live channel (${error.message}); trying again.`);
        }
        if (stop.signal.aborted) break;
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        backoffMs = Math.min(backoffMs * 2, 10_000);
      }
    });

  device
    .command('call-status')
    .description("Is anyone from the company calling me? The server's signed answer, verified.")
    .addOption(keyFileOption())
    .action(async (options: { keyFile?: string }) => {
      const sdk = client(options.keyFile);
      const state = await sdk.state();
      if (!state) fail('This device is not enrolled.');
      try {
        const check = await sdk.currentCall();
        for (const line of check.active ? describeCall(check.notice) : nobodyCalling(state.tenant.name))
          out(line);
      } catch (error) {
        if (isDeviceSdkError(error)) fail(`${error.code}: ${error.message}`);
        throw error;
      }
    });

  device
    .command('call-confirm')
    .description('Answer the active call notice: it is my call (default), or --mismatch: it is not.')
    .addOption(keyFileOption())
    .option('--id <noticeId>', 'the notice (default: the active one)')
    .option('--mismatch', 'the caller read another code, or it is not this call: also reports it as fraud')
    .action(async (options: { keyFile?: string; id?: string; mismatch?: boolean }) => {
      const sdk = client(options.keyFile);
      const state = await sdk.state();
      if (!state) fail('This device is not enrolled.');
      try {
        let id = options.id;
        if (!id) {
          const check = await sdk.currentCall();
          if (!check.active) {
            for (const line of nobodyCalling(state.tenant.name)) out(line);
            return;
          }
          id = check.notice.id;
        }
        const answer = await sdk.confirmCall(id, options.mismatch ? 'mismatch' : 'confirmed');
        out(
          answer.reportId
            ? `Reported to ${state.tenant.name} as a call that is not theirs (${answer.reportId}).`
            : `Confirmed: ${answer.confirmation}.`,
        );
      } catch (error) {
        if (isDeviceSdkError(error)) fail(`${error.code}: ${error.message}`);
        throw error;
      }
    });

  device
    .command('call-report')
    .description('Report a call that claimed to be the company: it becomes a fraud report.')
    .addOption(keyFileOption())
    .option('--number <seen>', 'the number your phone showed')
    .option('--note <text>', 'what the caller wanted')
    .option('--notice <noticeId>', 'the call notice it concerns, if any')
    .action(async (options: { keyFile?: string; number?: string; note?: string; notice?: string }) => {
      const sdk = client(options.keyFile);
      const state = await sdk.state();
      if (!state) fail('This device is not enrolled.');
      try {
        const { reportId } = await sdk.reportCall({
          ...(options.number ? { numberSeen: options.number } : {}),
          ...(options.note ? { note: options.note } : {}),
          ...(options.notice ? { noticeId: options.notice } : {}),
        });
        out(
          `Reported to ${state.tenant.name} (${reportId}). Thank you: hang up, and never give out your codes.`,
        );
      } catch (error) {
        if (isDeviceSdkError(error)) fail(`${error.code}: ${error.message}`);
        throw error;
      }
    });

  device
    .command('code')
    .description(
      'Show the code for the agent: the offline code (RFC 6238) this device computes without a network.',
    )
    .addOption(keyFileOption())
    .option('--obtain', 'first ask the server for the secret, once (a device enrolled before offline codes)')
    .action(async (options: { keyFile?: string; obtain?: boolean }) => {
      const sdk = client(options.keyFile);
      if (!(await sdk.isEnrolled())) fail('This device is not enrolled.');
      try {
        if (options.obtain) await sdk.obtainOfflineSecret();
        const { code, secondsLeft } = await sdk.offlineCode();
        out(`Code for the agent: ${code} (changes in ${secondsLeft} s)`);
      } catch (error) {
        if (isDeviceSdkError(error)) {
          fail(
            error.code === 'OFFLINE_CODE_UNAVAILABLE'
              ? 'This device has no offline-code secret yet: run helpdesk-auth device code --obtain while online.'
              : `${error.code}: ${error.message}`,
          );
        }
        throw error;
      }
    });

  device
    .command('status')
    .description("Show this device's record on the server and the server keys it trusts (learning new ones).")
    .addOption(keyFileOption())
    .action(async (options: { keyFile?: string }) => {
      const sdk = client(options.keyFile);
      if (!(await sdk.isEnrolled())) fail('This device is not enrolled.');
      const record = await sdk.device();
      out(
        `${record.id}: ${record.label} (${record.platform}), ${record.status}, last seen ${record.lastSeenAt ?? 'never'}`,
      );
      // Learns the server's newer signing keys now, as it would on the next request signed with one.
      const state = await sdk.refreshServerKeys();
      out(
        `Server keys: key set version ${state.keySetVersion ?? 0} (${state.jwks.keys.map((k) => k.kid).join(', ')})`,
      );
    });

  device
    .command('revoke')
    .description('Revoke this device on the server and forget its key.')
    .addOption(keyFileOption())
    .action(async (options: { keyFile?: string }) => {
      const sdk = client(options.keyFile);
      if (!(await sdk.isEnrolled())) fail('This device is not enrolled.');
      await sdk.revoke();
      out('Revoked; the key file was cleared.');
    });
}
