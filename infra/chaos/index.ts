/**
 * `npm run chaos [-- scenario … --scale N --down S --keep]`: each fault on an isolated stack of real
 * servers, then what the clients were told against what was applied; prints the figures table.
 */
import { table, say, type Row } from './kit';
import type { Scenario } from './scenario';
import { apiKill } from './api-kill';
import { dbDown } from './db-down';
import { temporalKill } from './temporal-kill';
import { twoOfEach } from './two-of-each';
import { workerKill } from './worker-kill';

export const scenarios: Record<string, Scenario> = {
  'worker-kill': workerKill,
  'temporal-kill': temporalKill,
  'db-down': dbDown,
  'api-kill': apiKill,
  'two-of-each': twoOfEach,
};

async function main() {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const [, value] = args.splice(i, 2);
    return value;
  };
  const scale = Number(flag('--scale') ?? 4);
  const downSeconds = Number(flag('--down') ?? 30);
  const keep = args.includes('--keep');
  const names = args.filter((a) => !a.startsWith('--'));
  const chosen = names.length ? names : Object.keys(scenarios);
  const rows: Row[] = [];
  for (const name of chosen) {
    const scenario = scenarios[name];
    if (!scenario) throw new Error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
    const started = Date.now();
    say(`── ${name} (scale ${scale}) ──`);
    const result = await scenario({ scale, downSeconds, keep });
    say(
      `${name}: ${((Date.now() - started) / 1000).toFixed(0)} s; answers during the fault ${JSON.stringify(result.duringFault)}, after ${JSON.stringify(result.afterFault)}`,
    );
    rows.push(result);
    console.log(table([result]));
  }
  console.log(`\n${table(rows)}`);
  const bad = rows.some(
    (r) =>
      r.outcome.actions.lost +
        r.outcome.actions.duplicated +
        r.outcome.steps.lost +
        r.outcome.steps.duplicated +
        r.outcome.outbox.lost +
        r.outcome.messages.lost +
        r.outcome.messages.duplicated +
        r.outcome.readModelWrong >
      0,
  );
  process.exitCode = bad ? 1 : 0;
}

if (require.main === module)
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
