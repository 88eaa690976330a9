/**
 * The deployment files (issue 14 item 5), checked as far as a machine without Docker can: the compose
 * file parses and every service waits for what it needs, the worker and the API get settings their own
 * loaders accept, and the image runs as a non-root user with a health check. `hadolint` lints the
 * Dockerfile where it is installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { parse } from 'yaml';
import { loadAppConfig } from '../../config';
import { loadMetricsSettings } from '../../infra/metrics';
import { loadTemporalConfig } from '../../temporal.config';
import { searchAttributeKeys } from '../../workflows/search-attributes';

const root = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface Service {
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test: string[] | string };
  ports?: string[];
  env_file?: { path: string }[];
}
const compose = parse(read('deploy/compose.yaml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const text = (value: Service['command']) => [value ?? []].flat().join(' ');
const env = (service: Service) =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)]));

/** `NAME=value` lines of the example settings file, comments skipped. */
const example = Object.fromEntries(
  read('deploy/huiyin.env.example')
    .split('\n')
    .map((line) => line.match(/^([A-Z_]+)=(.*)$/))
    .filter((m) => m !== null)
    .map(([, name, value]) => [name, value]),
);

describe('deploy/compose.yaml', () => {
  test('has Temporal with PostgreSQL, MongoDB, the worker and the API', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgresql', 'temporal', 'mongo', 'worker', 'api']),
    );
    expect(services.temporal.image).toMatch(/^temporalio\/(auto-setup|server):/);
    expect(env(services.temporal).DB).toBe('postgres12');
    expect(services.postgresql.image).toMatch(/^postgres:/);
  });

  test.each(Object.keys(services))('%s has a health check or waits on conditions', (name) => {
    const service = services[name];
    const waits = service.depends_on ?? {};
    // A plain list would start it as soon as the others are created, not when they are ready.
    expect(Array.isArray(waits)).toBe(false);
    for (const [on, { condition }] of Object.entries(waits)) {
      expect(services[on]).toBeDefined();
      expect(condition).toMatch(/^service_(healthy|completed_successfully)$/);
    }
    expect(service.healthcheck !== undefined || Object.keys(waits).length > 0).toBe(true);
  });

  test('every service a process depends on as healthy has a health check', () => {
    for (const service of Object.values(services))
      for (const [on, { condition }] of Object.entries(service.depends_on ?? {}))
        if (condition === 'service_healthy') expect(services[on].healthcheck).toBeDefined();
  });

  test('the worker and the API get settings their loaders accept, in production mode', () => {
    for (const name of ['worker', 'api']) {
      const settings = { ...example, ...env(services[name]) };
      expect(settings).toMatchObject({ NODE_ENV: 'production' });
      const temporal = loadTemporalConfig(settings);
      expect(temporal).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'huiyin' });
      const app = loadAppConfig(settings);
      expect(app.demo).toBe(false);
      expect(app.MONGODB_URI).toMatch(/^mongodb:\/\/mongo:27017\/huiyin\?replicaSet=rs0$/);
      expect(services[name].env_file?.map((f) => f.path)).toEqual(['huiyin.env']);
    }
    expect(text(services.worker.command)).toContain('worker/main.ts');
    expect(text(services.api.command)).toContain('api/main.ts');
    expect(env(services.api)).toMatchObject({ HOST: '0.0.0.0', PORT: '3000' });
    expect(loadMetricsSettings({ ...example, ...env(services.worker) })).toMatchObject({
      HUIYIN_WORKER_METRICS_PORT: 9464,
      HUIYIN_WORKER_METRICS_HOST: '0.0.0.0',
    });
  });

  test('the example settings name a token key, the public URL and the metrics token', () => {
    expect(example.JWT_SECRET ?? example.JWT_JWKS_URL).toBeDefined();
    expect(example).toHaveProperty('PUBLIC_URL');
    expect(example).toHaveProperty('METRICS_TOKEN');
    // An empty value is not "unset": the loaders refuse it.
    for (const [name, value] of Object.entries(example)) expect([name, value]).not.toEqual([name, '']);
  });

  test('MongoDB runs the replica set MONGODB_URI names, and is initiated by its health check', () => {
    expect(text(services.mongo.command)).toMatch(/--replSet rs0/);
    expect(text(services.mongo.healthcheck!.test)).toMatch(/rs\.initiate\(\{ _id: 'rs0'/);
  });

  test('the setup step registers every search attribute the workflows set', () => {
    const script = text(services['temporal-setup'].command);
    const cliType: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int', BOOL: 'Bool', TEXT: 'Text' };
    for (const key of searchAttributeKeys) expect(script).toContain(`${key.name}=${cliType[key.type]}`);
    expect(env(services.temporal).DEFAULT_NAMESPACE).toBe('huiyin');
  });

  test('only loopback ports are published', () => {
    for (const service of Object.values(services))
      for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
  });
});

/** Dockerfile instructions (continuation lines joined), grouped by stage. */
function dockerStages(source: string) {
  const lines = source
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: { from: string; name?: string; steps: [string, string][] }[] = [];
  for (const line of lines) {
    const [, op, rest] = line.match(/^(\w+)\s+(.*)$/)!;
    if (op.toUpperCase() === 'FROM') {
      const [, from, name] = rest.match(/^(\S+)(?:\s+AS\s+(\S+))?/i)!;
      stages.push({ from, name, steps: [] });
    } else stages.at(-1)?.steps.push([op.toUpperCase(), rest]);
  }
  return stages;
}

describe('Dockerfile', () => {
  const source = read('Dockerfile');
  const stages = dockerStages(source);
  const runtime = stages.at(-1)!;
  const steps = (op: string, stage = runtime) => stage.steps.filter(([o]) => o === op).map(([, r]) => r);

  test('builds in one stage (npm ci, prebundled workflows, dev dependencies dropped)', () => {
    const build = stages[0];
    const runs = steps('RUN', build).join(' && ');
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).toMatch(/npm run build:workflows/);
    expect(runs).toMatch(/npm prune --omit=dev/);
    expect(stages.length).toBeGreaterThanOrEqual(2);
  });

  test('runs on node:20-slim as a non-root user, with the built bundle', () => {
    expect(source).toMatch(/^ARG NODE_IMAGE=node:20-slim$/m);
    expect(runtime.from).toBe('${NODE_IMAGE}');
    const user = steps('USER').at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(steps('COPY').join('\n')).toMatch(/--from=build \/app\/dist/);
    expect(steps('RUN')).toEqual([]); // nothing installed at runtime
  });

  test('has a HEALTHCHECK whose script exists, and the API as the default command', () => {
    const check = steps('HEALTHCHECK').at(-1);
    expect(check).toMatch(/CMD \["node", "deploy\/healthcheck\.mjs"\]/);
    expect(read('deploy/healthcheck.mjs')).toMatch(/healthz/);
    expect(steps('CMD').at(-1)).toBe('["node", "--import", "tsx", "api/main.ts"]');
  });

  test('every path it copies from the build exists and is not left out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const copied = steps('COPY').flatMap((rest) => [...rest.matchAll(/\/app\/(\S+)/g)].map((m) => m[1]));
    expect(copied.length).toBeGreaterThan(5);
    for (const file of copied.filter((f) => f !== 'dist' && f !== 'node_modules')) {
      expect(existsSync(path.join(root, file))).toBe(true);
      expect(ignored).not.toContain(file);
    }
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'data', '.git', 'dist']));
  });

  test('the image holds every file the worker and the API import, and every package as a production one', async () => {
    const copied = steps('COPY').flatMap((rest) => [...rest.matchAll(/\/app\/(\S+)/g)].map((m) => m[1]));
    const { metafile } = await build({
      entryPoints: ['api/main.ts', 'worker/main.ts'].map((f) => path.join(root, f)),
      absWorkingDir: root,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      packages: 'external',
      outdir: 'out',
      logLevel: 'silent',
    });
    for (const file of Object.keys(metafile.inputs))
      expect([file, copied.includes(file.split('/')[0])]).toEqual([file, true]);
    const { dependencies } = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const packages = Object.values(metafile.inputs)
      .flatMap((input) => input.imports)
      .filter((i) => i.external && !i.path.startsWith('.') && !i.path.startsWith('node:'))
      .map((i) =>
        i.path
          .split('/')
          .slice(0, i.path.startsWith('@') ? 2 : 1)
          .join('/'),
      );
    for (const name of new Set(packages)) expect([name, name in dependencies]).toEqual([name, true]);
  });

  test('hadolint finds nothing (where hadolint is installed)', () => {
    const probe = spawnSync('hadolint', ['--version']);
    if (probe.error) return console.info('hadolint not installed: Dockerfile lint skipped');
    const lint = spawnSync('hadolint', [path.join(root, 'Dockerfile')], { encoding: 'utf8' });
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
  });
});
