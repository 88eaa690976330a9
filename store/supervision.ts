/**
 * The read model of democratic supervision: postings (written by the posting workflow, newest
 * revision wins), each posting's activity log, campaigns (directory-like records the API keeps),
 * and term reports (produced once per posting at term end, kept in a view). Lists read the views below.
 */
import { Schema, type Connection } from 'mongoose';
import type { PostingActivityKind } from '../domain/supervision';
import type { Store } from './index';
import { itemScope } from './items';
import { hashChunks, type Scope } from './views';

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

export function supervisionModels(conn: Connection) {
  return {
    postings: conn.model('Posting', postingSchema, 'postings'),
    campaigns: conn.model('Campaign', campaignSchema, 'campaigns'),
  };
}

/** Every posting (a body has tens to hundreds), and the term report of each that ended. */
export const postingViews: Scope = { key: 'postings', chunkOf: hashChunks(8) };
export const termReportViews: Scope = { key: 'term-reports', chunkOf: hashChunks(8) };

/** A posting's log of visits, inspections and meetings lives with its timeline, in its item view. */
export const postingActivityRowId = (activityId: string) => `activity|${activityId}`;

export async function readPostingActivities(store: Store, postingId: string) {
  const rows = await store.views.rows<PostingActivityRow>(itemScope(postingId));
  return [...rows]
    .filter(([id]) => id.startsWith('activity|'))
    .map(([, row]) => row)
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface PostingActivityRow {
  id: string;
  postingId: string;
  kind: PostingActivityKind;
  date: string;
  summary: string;
  participants: string[];
  /** Shown to the supervised department; absent on rows logged before the flag: by kind. */
  shared?: boolean;
  recordedBy: string;
  recordedAt: number;
}
