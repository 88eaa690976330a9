/** The API from the browser: the bearer token (kept in sessionStorage) and the one error shape. */
import { errorText } from './lib/format.js';

const tokenKey = 'huiyin.token';

export const session = {
  get token() {
    return sessionStorage.getItem(tokenKey);
  },
  signIn(token) {
    sessionStorage.setItem(tokenKey, token);
  },
  signOut() {
    sessionStorage.removeItem(tokenKey);
  },
};

/** A refused or failed request: the API's `{error:{code,message,details}}` and the HTTP status. */
export class ApiError extends Error {
  constructor(status, { code, message, details }) {
    super(errorText({ message, details }));
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Sends a request as the signed-in person; answers the fetch Response, or throws an ApiError when unreachable. */
async function send(path, { method = 'GET', body, query } = {}) {
  const params = Object.entries(query ?? {}).filter(([, value]) => value !== undefined && value !== '');
  const url =
    params.length > 0 ? `${path}?${new URLSearchParams(params.map(([k, v]) => [k, String(v)]))}` : path;
  const headers = { accept: 'application/json' };
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    return await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, { code: 'network', message: `无法连接服务器：${err.message}` });
  }
}

const refused = async (res) => {
  const data = await res.json().catch(() => undefined);
  return new ApiError(res.status, data?.error ?? { code: 'http', message: `请求失败（HTTP ${res.status}）` });
};

/**
 * Calls the API as the signed-in person; answers the JSON body, throws an ApiError otherwise.
 * @param {string} path
 * @param {{ method?: string, body?: unknown, query?: Record<string, string | number | boolean | undefined> }} [options]
 */
export async function api(path, options) {
  const res = await send(path, options);
  if (!res.ok) throw await refused(res);
  return res.json().catch(() => undefined);
}

/**
 * Saves what the API serves at `path` (e.g. a CSV export) as `filename`: a bearer token cannot ride
 * on a plain link, so the file is fetched and handed to the browser.
 */
export async function download(path, query, filename) {
  const res = await send(path, { query });
  if (!res.ok) throw await refused(res);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await res.blob());
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000); // once the browser has taken the file
}
