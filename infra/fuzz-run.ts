/**
 * Runs schemathesis (installed by infra/fuzz-setup.sh) against a running API's /openapi.json as one
 * caller, with the checks issue 12 asks for: no 5xx, every response as documented, every refusal in
 * the one error shape (the custom check of infra/fuzz-hooks.py). Shared by `npm run fuzz`
 * (infra/fuzz.ts) and the bounded run in `npm test` (test/integration/fuzz.test.ts).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const here = __dirname;

/**
 * The checks of every run, built-in ones by their schemathesis 4 names, then ours: no 5xx, the
 * documented status codes and bodies, 405 for a method a path does not have, the one error shape.
 */
export const fuzzChecks = [
  'not_a_server_error',
  'status_code_conformance',
  'response_schema_conformance',
  'unsupported_method',
  'huiyin_error_shape',
];

export interface FuzzOptions {
  /** Origin of the API, e.g. http://127.0.0.1:3000 (its /openapi.json is fuzzed). */
  url: string;
  /** `Authorization` header value of the caller this run plays. */
  authorization: string;
  /** Examples per operation and phase (schemathesis --max-examples). */
  maxExamples: number;
  /** Hypothesis seed: the same seed against the same code replays the same cases. */
  seed: number;
  /** Test phases (default: examples, coverage, fuzzing). */
  phases?: string[];
  workers?: number;
  /** Where schemathesis writes its JUnit and NDJSON reports (reproducible cases of failures). */
  reportDir?: string;
  /** Checks on top of `fuzzChecks` (schemathesis names, e.g. status_code_conformance). */
  extraChecks?: string[];
  /** Streams the CLI's output as it runs (the long run); otherwise it is only returned. */
  echo?: boolean;
  extraArgs?: string[];
}

/** Installs schemathesis if needed (cached) and returns the path of its `st` command. */
export async function schemathesisCommand(): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)(
    'bash',
    [path.join(here, 'fuzz-setup.sh'), '--print'],
    {
      maxBuffer: 1 << 20,
    },
  );
  if (stderr.trim()) process.stderr.write(stderr);
  const lines = stdout.trim().split('\n');
  for (const line of lines.slice(0, -1)) console.log(line);
  return lines[lines.length - 1];
}

export function schemathesisArgs(options: FuzzOptions): string[] {
  const phases = options.phases ?? ['examples', 'coverage', 'fuzzing'];
  return [
    'run',
    `${options.url}/openapi.json`,
    '--url',
    options.url,
    '--header',
    `Authorization: ${options.authorization}`,
    '--checks',
    [...fuzzChecks, ...(options.extraChecks ?? [])].join(','),
    '--phases',
    phases.join(','),
    '--max-examples',
    String(options.maxExamples),
    '--seed',
    String(options.seed),
    '--workers',
    String(options.workers ?? 1),
    '--generation-database',
    'none',
    '--request-timeout',
    '30',
    '--no-color',
    '--output-sanitize',
    'true',
    ...(options.reportDir ? ['--report', 'junit,ndjson', '--report-dir', options.reportDir] : []),
    ...(options.extraArgs ?? []),
  ];
}

/** Runs the CLI asynchronously (the API under test may be served by this very process). */
export async function runSchemathesis(options: FuzzOptions): Promise<{ code: number; output: string }> {
  const command = await schemathesisCommand();
  const args = schemathesisArgs(options);
  // Schemathesis keeps a cache in its working directory: not in the checkout.
  const cwd = options.reportDir ?? tmpdir();
  mkdirSync(cwd, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, SCHEMATHESIS_HOOKS: path.join(here, 'fuzz-hooks.py'), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: string[] = [];
    const take = (data: Buffer) => {
      const text = data.toString();
      chunks.push(text);
      if (options.echo) process.stdout.write(text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : 1), output: chunks.join('') }),
    );
  });
}
