/**
 * `npm run backup [-- DIR]` and `npm run restore -- DIR`: the local servers' data — the Temporal dev
 * server's SQLite file and FerretDB's database files — copied while they run, each file consistent as of
 * one moment (`ferretdb snapshot`: SQLite's VACUUM INTO, one read transaction).
 *
 * Temporal first, the database after: whatever the workflows had done by their snapshot is in the
 * database's later one too, so after a restore no step is lost — a workflow resumes from its history and
 * meets, by their keys, the outbox rows and view rows it had already written (nothing is sent twice).
 * Rows the database got after Temporal's snapshot are rewritten the same way as the workflows go on;
 * `npm run reconcile` afterwards shows the read model equal to the workflows.
 *
 * A cluster is backed up with its own tools (README § Operations).
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { canConnect, ferretdbBin } from './processes';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');

/** The files of a data directory, Temporal's first, relative to it. */
function dataFiles(dataDir: string): string[] {
  const ferretdb = path.join(dataDir, 'ferretdb');
  const databases = existsSync(ferretdb)
    ? readdirSync(ferretdb)
        .filter((name) => name.endsWith('.sqlite'))
        .map((name) => path.join('ferretdb', name))
    : [];
  return [...(existsSync(path.join(dataDir, 'temporal.db')) ? ['temporal.db'] : []), ...databases];
}

export interface BackupReport {
  dir: string;
  files: string[];
  bytes: number;
  seconds: number;
}

/** Snapshots every data file of `dataDir` into `outDir` (created), with a manifest. */
export async function backup(dataDir: string, outDir: string): Promise<BackupReport> {
  const started = performance.now();
  const files = dataFiles(dataDir);
  if (!files.includes('temporal.db')) throw new Error(`${dataDir} has no temporal.db: nothing to back up`);
  mkdirSync(path.join(outDir, 'ferretdb'), { recursive: true });
  for (const file of files)
    await run(ferretdbBin, ['snapshot', path.join(dataDir, file), path.join(outDir, file)]);
  const bytes = files.reduce((sum, file) => sum + statSync(path.join(outDir, file)).size, 0);
  writeFileSync(
    path.join(outDir, 'manifest.json'),
    JSON.stringify({ createdAt: new Date(), files }, null, 2),
  );
  return { dir: outDir, files, bytes, seconds: (performance.now() - started) / 1000 };
}

/**
 * Puts a backup's files in place of `dataDir`'s (servers stopped): what was there moves aside to
 * `<dataDir>/before-restore-<time>/`, never deleted.
 */
export function restore(backupDir: string, dataDir: string): { files: string[]; keptAside?: string } {
  const files = dataFiles(backupDir);
  if (!files.includes('temporal.db')) throw new Error(`${backupDir} is not a backup: it has no temporal.db`);
  const existing = existsSync(dataDir)
    ? readdirSync(dataDir).filter((n) => n === 'ferretdb' || n.startsWith('temporal.db'))
    : [];
  const keptAside = existing.length
    ? path.join(dataDir, `before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`)
    : undefined;
  if (keptAside) {
    mkdirSync(keptAside, { recursive: true });
    for (const name of existing) renameSync(path.join(dataDir, name), path.join(keptAside, name));
  }
  mkdirSync(path.join(dataDir, 'ferretdb'), { recursive: true });
  for (const file of files) copyFileSync(path.join(backupDir, file), path.join(dataDir, file));
  return { files, keptAside };
}

const say = (line: string) => console.log(`[huiyin] ${line}`);

async function main() {
  const [command, dir] = process.argv.slice(2);
  const dataDir = path.join(root, 'data');
  if (command === 'backup') {
    const out = dir ?? path.join(root, 'backups', new Date().toISOString().replace(/[:.]/g, '-'));
    const report = await backup(dataDir, out);
    say(
      `backup of ${report.files.length} files (${(report.bytes / 2 ** 20).toFixed(1)} MiB) in ` +
        `${report.seconds.toFixed(1)} s: ${path.relative(process.cwd(), out) || out}`,
    );
  } else if (command === 'restore' && dir) {
    // Replacing files under running servers would corrupt them.
    for (const [name, port] of [
      ['Temporal', 7233],
      ['FerretDB', 27017],
    ] as const)
      if (await canConnect('127.0.0.1', port))
        throw new Error(`${name} is running on port ${port}: stop npm start first`);
    const { files, keptAside } = restore(dir, dataDir);
    say(
      `restored ${files.length} files into data/${keptAside ? `; what was there is in ${path.relative(root, keptAside)}` : ''}`,
    );
    say('next: npm start, then npm run reconcile to see the read model agree with the workflows');
  } else {
    throw new Error('usage: npm run backup [-- DIR]  |  npm run restore -- DIR');
  }
}

if (require.main === module)
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
