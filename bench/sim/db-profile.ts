/**
 * What the worker asked of the database, by command shape (command, collection, the filter's field
 * names): how often and for how long. The simulation prints the costliest, so a slow year points at
 * the reads and writes behind it.
 */
import type { CommandStartedEvent, CommandSucceededEvent, MongoClient } from 'mongodb';

export type CommandStats = Record<string, { count: number; ms: number }>;

/** The field names of a filter, operators kept: `{ _id: 1 }`, `{ roles: 1, active: 1 }`, `{ $and: 1 }`. */
const fieldsOf = (filter: unknown) =>
  filter && typeof filter === 'object' ? `{${Object.keys(filter).join(',')}}` : '';

function shapeOf({ commandName, command }: CommandStartedEvent): string {
  const first = (list: unknown) => (Array.isArray(list) ? (list[0] as Record<string, unknown>) : undefined);
  const filter = command.filter ?? first(command.updates)?.q ?? first(command.deletes)?.q;
  return `${commandName} ${String(command[commandName])} ${fieldsOf(filter)}`.trim();
}

/** Starts counting on `client` (connected with `monitorCommands: true`); returns the counts so far. */
export function profileCommands(client: MongoClient): () => CommandStats {
  const started = new Map<number, string>();
  const stats: CommandStats = {};
  client.on('commandStarted', (e) => started.set(e.requestId, shapeOf(e)));
  client.on('commandSucceeded', ({ requestId, duration }: CommandSucceededEvent) => {
    const shape = started.get(requestId);
    if (shape === undefined) return;
    started.delete(requestId);
    const s = (stats[shape] ??= { count: 0, ms: 0 });
    s.count++;
    s.ms += duration;
  });
  client.on('commandFailed', ({ requestId }) => started.delete(requestId));
  return () => stats;
}
