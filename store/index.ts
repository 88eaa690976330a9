/**
 * The MongoDB read model: what activities write and the API reads. Queries stay
 * inside FerretDB v1's subset so the same code runs on real MongoDB.
 */
import mongoose, { Schema, type Connection } from 'mongoose';
import { clockModel } from './clocks';
import { counterModels } from './counters';
import { directoryModels } from './directory';
import { followUpModel } from './follow-ups';
import { outboxModels } from './outbox';
import { policyModel } from './policy';
import { proposalModels } from './proposals';
import { preferencesModel } from './preferences';
import { supervisionModels } from './supervision';
import { createViews } from './views';

export async function connectStore(uri: string): Promise<Store> {
  const conn = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5_000 }).asPromise();
  return createStore(conn);
}

const timelineSchema = new Schema(
  {
    /** The idempotency key (workflow id + step), so that recording looks up no more than an `_id`. */
    _id: { type: String, required: true },
    /** The same key (entries before it became the `_id` had ObjectIds): a retry never writes twice. */
    key: { type: String, required: true, unique: true },
    itemId: { type: String, required: true, index: true },
    at: { type: Date, required: true },
    kind: { type: String, required: true },
    label: { type: String, required: true },
    actor: { type: String },
    data: { type: Schema.Types.Mixed },
  },
  { versionKey: false },
);

const calendarYearSchema = new Schema(
  {
    year: { type: Number, required: true, unique: true },
    holidays: [String],
    workdays: [String],
    source: { type: String, required: true },
    loadedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export function createStore(conn: Connection) {
  return {
    conn,
    timeline: conn.model('TimelineEntry', timelineSchema, 'timeline'),
    calendarYears: conn.model('CalendarYear', calendarYearSchema, 'calendar_years'),
    ...directoryModels(conn),
    policies: policyModel(conn),
    clocks: clockModel(conn),
    ...proposalModels(conn),
    ...counterModels(conn),
    ...outboxModels(conn),
    preferences: preferencesModel(conn),
    followUps: followUpModel(conn),
    ...supervisionModels(conn),
    views: createViews(conn),
    /** Ping that answers whether the database is reachable (used by /readyz). */
    async ping() {
      await conn.db!.admin().command({ ping: 1 });
    },
    close: () => conn.close(),
  };
}

export type Store = ReturnType<typeof createStore>;
