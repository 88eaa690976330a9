/**
 * The MongoDB read model: what activities write and the API reads. Queries stay
 * inside FerretDB v1's subset so the same code runs on real MongoDB.
 */
import mongoose, { Schema, type ConnectOptions, type Connection } from 'mongoose';
import { counterModels } from './counters';
import { directoryModels } from './directory';
import { followUpModel } from './follow-ups';
import { outboxModels } from './outbox';
import { policyModel } from './policy';
import { proposalModels } from './proposals';
import { preferencesModel } from './preferences';
import { supervisionModels } from './supervision';
import { createViews } from './views';

export async function connectStore(uri: string, options: ConnectOptions = {}): Promise<Store> {
  const conn = await mongoose
    .createConnection(uri, { serverSelectionTimeoutMS: 5_000, ...options })
    .asPromise();
  return createStore(conn);
}

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
    calendarYears: conn.model('CalendarYear', calendarYearSchema, 'calendar_years'),
    ...directoryModels(conn),
    policies: policyModel(conn),
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
