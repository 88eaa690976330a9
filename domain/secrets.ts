/**
 * How secrets show: a webhook URL carries its robot's access token in the query (DingTalk
 * `access_token=…`, WeCom `key=…`), so every view shows it with each query value masked, and a robot's
 * 加签 secret only as ******. Pure: the encryption itself is infra/secret-key.ts.
 */
import { redactedSecret, type Address, type Webhook } from './notifications';

export const maskedValue = '****';

/** `url` with every query value (and any fragment or user info) replaced by ****; a non-URL entirely. */
export function maskUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return maskedValue;
  }
  const query = [...parsed.searchParams.keys()].map((name) => `${encodeURIComponent(name)}=${maskedValue}`);
  const user = parsed.username || parsed.password ? `${maskedValue}@` : '';
  const fragment = parsed.hash ? `#${maskedValue}` : '';
  return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}${query.length ? `?${query.join('&')}` : ''}${fragment}`;
}

/** Whether `url` is the masked form of `saved` (a client sent back what it was shown). */
export const isMaskedFormOf = (url: string, saved: string) =>
  url.includes(maskedValue) && maskUrl(saved) === url;

/** A webhook as any view shows it: URL masked, secret as ******. */
export const maskWebhook = (hook: Webhook): Webhook => ({
  url: maskUrl(hook.url),
  format: hook.format,
  ...(hook.secret && { secret: redactedSecret }),
});

/**
 * Where an outbox row's webhook message goes, resolved when it is sent: the person's saved preferences
 * (`preferences:<userId>`) or the policy's inspection office (`policy:inspectionOffice`).
 */
export type WebhookRef = `preferences:${string}` | 'policy:inspectionOffice';

/** An outbox row's webhook address: a reference (rows written since secrets are kept at rest), or a copy (older rows). */
export type StoredWebhookAddress = { webhook: { ref: WebhookRef } } | { webhook: Webhook };

export const webhookRefOf = (userId: string | undefined): WebhookRef =>
  userId ? `preferences:${userId}` : 'policy:inspectionOffice';

/** An outbox address as an admin may see it: a reference as it is, a copied webhook masked. */
export function presentAddress(address: Address | StoredWebhookAddress): unknown {
  if (!('webhook' in address)) return address;
  const hook = address.webhook as Partial<Webhook> & { ref?: string; sealed?: string };
  if (hook.ref) return { webhook: { ref: hook.ref } };
  return {
    webhook: {
      url: hook.url ? maskUrl(hook.url) : maskedValue,
      format: hook.format,
      ...(hook.secret && { secret: redactedSecret }),
    },
  };
}
