import { Schema, type Connection } from 'mongoose';

/**
 * The read model of proposals: one document per proposal (lists, detail, CSV)
 * and one per assigned unit with numeric flags, so the figures of domain.md §7
 * are plain $group/$sum aggregations inside FerretDB's subset.
 */
const proposalSchema = new Schema(
  {
    _id: { type: String }, // proposalId, e.g. 2026-0123
    number: { type: String, required: true, unique: true },
    sessionYear: { type: Number, required: true },
    title: { type: String, required: true },
    type: { type: String, required: true },
    topic: { type: String },
    status: { type: String, required: true },
    leadProposerId: { type: String, required: true },
    /** Everyone the proposal answers to (lead, co-signers, merged proposers): "my proposals". */
    proposerIds: { type: [String], index: true },
    organization: { type: Boolean },
    key: { type: Boolean, required: true },
    keyLeaderId: { type: String },
    /** Units handling it now (not re-assigned away). */
    unitIds: { type: [String], index: true },
    submittedAt: { type: Date, required: true },
    filedAt: { type: Date },
    assignedAt: { type: Date },
    closedAt: { type: Date },
    revision: { type: Number, required: true },
  },
  { versionKey: false },
);
proposalSchema.index({ sessionYear: 1, status: 1 });
proposalSchema.index({ sessionYear: 1, number: 1 });

/**
 * The workflow's whole state at `revision`, for detail pages and CSV once the workflow has closed.
 * Kept apart from `proposals` so list scans stay small (FerretDB v1 reads whole documents to filter).
 */
const proposalStateSchema = new Schema(
  {
    _id: { type: String }, // proposalId
    revision: { type: Number, required: true },
    state: { type: Schema.Types.Mixed, required: true },
  },
  { versionKey: false },
);

const proposalUnitSchema = new Schema(
  {
    _id: { type: String }, // `${proposalId}:${unitId}`
    proposalId: { type: String, required: true, index: true },
    sessionYear: { type: Number, required: true },
    unitId: { type: String, required: true },
    role: { type: String, required: true },
    status: { type: String, required: true },
    proposerType: { type: String, required: true },
    topic: { type: String },
    resultClass: { type: String },
    revision: { type: Number, required: true },
    // 0/1 flags and counts, summed by the statistics endpoint.
    assigned: { type: Number, required: true },
    replied: { type: Number, required: true },
    repliedOnTime: { type: Number, required: true },
    contactedBeforeReply: { type: Number, required: true },
    /** Set by the commitment's follow-up when reported done; the proposal's own writes never touch it. */
    commitmentDone: { type: Number, default: 0 },
    daysToReply: { type: Number },
    feedbackReturned: { type: Number, required: true },
    satisfied: { type: Number, required: true },
    unsatisfied: { type: Number, required: true },
    noFeedback: { type: Number, required: true },
  },
  { versionKey: false },
);
proposalUnitSchema.index({ sessionYear: 1, unitId: 1 });

export const proposalModels = (conn: Connection) => ({
  proposals: conn.model('Proposal', proposalSchema, 'proposals'),
  proposalStates: conn.model('ProposalState', proposalStateSchema, 'proposal_states'),
  proposalUnits: conn.model('ProposalUnit', proposalUnitSchema, 'proposal_units'),
});
