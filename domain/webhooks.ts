/**
 * Which hosts webhook messages may go to (WEBHOOK_ALLOWED_HOSTS). People set their own webhook URL in
 * their preferences; without a list anyone could make the worker POST into its own network (SSRF).
 * The API refuses a URL off the list, and the worker refuses it again when it delivers.
 */

/** One entry of the list, as the WHATWG URL parser reads it. */
export interface AllowedHost {
  /** Lower case, as URL.hostname writes it (IDN in punycode, IPv4 normalised, IPv6 in brackets). */
  hostname: string;
  /** Only this port (an absent port counts as 443 / 80); undefined = any port. */
  port?: number;
  /** Plain http accepted too: the entry was written `http://host`. Otherwise https only. */
  http: boolean;
}

/** The group robots of DingTalk (钉钉) and WeCom (企业微信). */
export const defaultWebhookHosts = 'oapi.dingtalk.com,qyapi.weixin.qq.com';

/**
 * Parses a comma-separated list of `host`, `host:port`, `http://host` or `http://host:port`.
 * Throws an Error naming the first bad entry. An empty list allows no host.
 */
export function parseAllowedHosts(list: string): AllowedHost[] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map(parseEntry);
}

function parseEntry(entry: string): AllowedHost {
  const bad = (why: string) => new Error(`"${entry}": ${why}`);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(entry)?.[1]?.toLowerCase();
  if (scheme && scheme !== 'http' && scheme !== 'https') throw bad('only http:// may precede a host');
  const rest = scheme ? entry.slice(scheme.length + 3).replace(/\/$/, '') : entry;
  if (rest.includes('*')) throw bad('wildcards are not supported, list each host');
  if (/[/?#@\s]/.test(rest) || rest === '') throw bad('expected a host name, optionally with :port');
  let url: URL;
  try {
    url = new URL(`${scheme ?? 'https'}://${rest}`);
  } catch {
    throw bad('not a valid host name');
  }
  // URL drops a port equal to the scheme's default, so an explicit one is read from the entry itself.
  const explicitPort = /:(\d+)$/.exec(rest)?.[1];
  return {
    hostname: url.hostname,
    ...(explicitPort !== undefined && { port: Number(explicitPort) }),
    http: scheme === 'http',
  };
}

const effectivePort = (url: URL) => Number(url.port || (url.protocol === 'https:' ? 443 : 80));

/**
 * Why the worker must not POST to `raw` (in Chinese, for API messages and the outbox row), or
 * undefined when the URL is https (or http to an `http://` entry) on a listed host and port.
 */
export function webhookUrlProblem(raw: string, allowed: readonly AllowedHost[]): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '不是有效的网址';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return '应为 http(s) 地址';
  if (url.username || url.password) return '地址中不能含用户名或密码';
  const port = effectivePort(url);
  const entries = allowed.filter(
    (a) => a.hostname === url.hostname && (a.port === undefined || a.port === port),
  );
  if (entries.length === 0) return `主机 ${url.host} 不在允许的 webhook 主机（WEBHOOK_ALLOWED_HOSTS）之列`;
  if (url.protocol === 'http:' && !entries.some((a) => a.http))
    return `主机 ${url.hostname} 只接受 https 地址`;
  return undefined;
}
