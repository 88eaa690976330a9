/**
 * `npm run bench`: every section side by side in one run, each on servers of its own.
 * `npm run bench -- create read` runs only the named sections.
 */
import { creationThroughput } from './create';
import { openWorkScale } from './open-work';
import { readLatency } from './read';
import { bench, type BenchStack } from './stack';

const sections: Record<string, (stack: BenchStack) => Promise<void>> = {
  create: creationThroughput,
  read: readLatency,
  'open-work': openWorkScale,
};

async function main() {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(sections);
  for (const name of names) {
    const section = sections[name];
    if (!section) throw new Error(`unknown section ${name}; known: ${Object.keys(sections).join(', ')}`);
    console.log(`\n[bench] ── ${name} ──`);
    await bench(name, section);
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
