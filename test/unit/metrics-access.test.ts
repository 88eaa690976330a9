/** Who may scrape /metrics (infra/metrics.ts): loopback, or the bearer METRICS_TOKEN. */
import { isLoopbackAddress, loadMetricsSettings, scrapeAccess } from '../../infra/metrics';

const token = 'a-metrics-token-of-32-characters';

test.each(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])('%s is loopback', (ip) => {
  expect(isLoopbackAddress(ip)).toBe(true);
  expect(scrapeAccess(ip, undefined, undefined)).toBe(200);
});

test.each(['10.0.0.5', '172.18.0.1', '::ffff:192.168.1.2', '2001:db8::1', '', undefined])(
  '%s is not loopback',
  (ip) => expect(isLoopbackAddress(ip)).toBe(false),
);

test('from elsewhere: 403 without a configured token, 401 with a missing or wrong one, 200 with it', () => {
  expect(scrapeAccess('10.0.0.5', `Bearer ${token}`, undefined)).toBe(403);
  expect(scrapeAccess('10.0.0.5', undefined, token)).toBe(401);
  expect(scrapeAccess('10.0.0.5', `Bearer ${token}x`, token)).toBe(401);
  expect(scrapeAccess('10.0.0.5', `Basic ${token}`, token)).toBe(401);
  expect(scrapeAccess('10.0.0.5', `Bearer ${token}`, token)).toBe(200);
  expect(scrapeAccess('10.0.0.5', `bearer  ${token}`, token)).toBe(200);
});

test('settings: the worker listener is off unless a port is given; a short token is refused', () => {
  expect(loadMetricsSettings({})).toEqual({ HUIYIN_WORKER_METRICS_HOST: '127.0.0.1' });
  expect(loadMetricsSettings({ HUIYIN_WORKER_METRICS_PORT: '9464' }).HUIYIN_WORKER_METRICS_PORT).toBe(9464);
  expect(() => loadMetricsSettings({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
  expect(() => loadMetricsSettings({ HUIYIN_WORKER_METRICS_PORT: '70000' })).toThrow(
    /HUIYIN_WORKER_METRICS_PORT/,
  );
});
