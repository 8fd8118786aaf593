// The rule for URLs this server calls for a tenant (CIBA ping endpoints, Keycloak).
import type { Config } from '../../config/config.ts';

/**
 * URLs this server calls on behalf of a tenant (CIBA ping notification endpoints, Keycloak):
 * absolute, without credentials or fragment, and https unless INTEGRATIONS_ALLOW_HTTP is set,
 * because the requests carry bearer tokens. Returns the problems; empty when acceptable.
 */
export function outboundUrlProblems(value: string, config: Config, name: string): string[] {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [`${name} must be an absolute URL.`];
  }
  const problems: string[] = [];
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && config.integrationsAllowHttp)) {
    problems.push(
      config.integrationsAllowHttp ? `${name} must use http or https.` : `${name} must use https.`,
    );
  }
  if (url.username || url.password) problems.push(`${name} must not contain credentials.`);
  if (url.hash) problems.push(`${name} must not contain a fragment.`);
  return problems;
}
