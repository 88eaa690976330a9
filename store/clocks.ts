import { Schema, type Connection } from 'mongoose';

/**
 * The read model of every clock of every item: what is awaited from whom, by
 * when, and how far its ladder has gone. Digests, overdue lists and the guarantee
 * read it; the workflow's own state stays the source of truth.
 */
const clockSchema = new Schema(
  {
    _id: { type: String }, // `${itemId}:${clockId}`
    itemId: { type: String, required: true, index: true },
    itemKind: { type: String, required: true },
    clockId: { type: String, required: true },
    code: { type: String, required: true },
    label: { type: String, required: true },
    responsible: { unitId: String, groupId: String, userIds: [String] },
    /** Orders writes: an older snapshot (a retried activity) never overwrites a newer one. */
    revision: { type: Number, required: true },
    generation: { type: Number, required: true },
    status: { type: String, required: true, index: true },
    overdue: { type: Boolean, required: true },
    startedAt: { type: Date, required: true },
    dueAt: { type: Date, required: true, index: true },
    due: { type: String, required: true },
    deadline: { type: Schema.Types.Mixed, required: true },
    fired: [String],
    /** The highest ladder step kind fired so far in this generation, if any. */
    escalation: { type: String },
    /** When the next unfired step is planned; absent when the ladder is exhausted. */
    nextStepAt: { type: Date },
    closedAt: { type: Date },
  },
  { versionKey: false },
);
clockSchema.index({ 'responsible.unitId': 1, status: 1, dueAt: 1 });

export const clockModel = (conn: Connection) => conn.model('Clock', clockSchema, 'clocks');
