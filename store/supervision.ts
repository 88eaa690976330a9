/**
 * The read model of democratic supervision: postings (written by the posting workflow, newest
 * revision wins), each posting's activity log, campaigns (directory-like records the API keeps),
 * and term reports (produced once per posting at term end).
 */
import { Schema, type Connection } from 'mongoose';

const options = { versionKey: false } as const;

const postingSchema = new Schema(
  {
    _id: { type: String }, // postingId
    groupId: { type: String, required: true, index: true },
    departmentId: { type: String, required: true, index: true },
    policyVersion: Number,
    status: { type: String, required: true, index: true },
    statusLabel: String,
    startedAt: Date,
    termEnd: String,
    quarter: String,
    letters: Schema.Types.Mixed,
    activityCount: Number,
    ended: Schema.Types.Mixed,
    revision: { type: Number, required: true },
  },
  options,
);

const postingActivitySchema = new Schema(
  {
    _id: { type: String }, // `${postingId}-A${n}`: the posting numbers its log
    postingId: { type: String, required: true, index: true },
    kind: { type: String, required: true },
    date: { type: String, required: true },
    summary: { type: String, required: true },
    participants: [String],
    recordedBy: String,
    recordedAt: Date,
  },
  options,
);

const campaignSchema = new Schema(
  {
    _id: { type: String }, // the campaign's code
    theme: { type: String, required: true },
    description: String,
    sites: [{ _id: false, code: String, name: String, departmentId: String }],
    teams: [{ _id: false, code: String, name: String, leaderId: String, memberIds: [String] }],
    createdAt: Date,
    createdBy: String,
    /**
     * Campaigns created before letters had a counter of their own (`campaign-<id>-letters`) numbered
     * them here; the next letter moves the number to the counter and removes this field.
     */
    letterSeq: { type: Number },
  },
  options,
);
campaignSchema.index({ 'teams.memberIds': 1 });

const termReportSchema = new Schema(
  {
    _id: { type: String }, // postingId
    groupId: { type: String, required: true, index: true },
    departmentId: { type: String, required: true, index: true },
    term: { start: String, end: String },
    endReason: String,
    endedAt: Date,
    figures: Schema.Types.Mixed,
    quarters: Schema.Types.Mixed,
    quartersShort: [String],
    activities: Schema.Types.Mixed,
    openLetters: Schema.Types.Mixed,
  },
  options,
);

export function supervisionModels(conn: Connection) {
  return {
    postings: conn.model('Posting', postingSchema, 'postings'),
    postingActivities: conn.model('PostingActivity', postingActivitySchema, 'posting_activities'),
    campaigns: conn.model('Campaign', campaignSchema, 'campaigns'),
    termReports: conn.model('TermReport', termReportSchema, 'term_reports'),
  };
}
