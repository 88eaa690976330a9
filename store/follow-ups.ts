/**
 * The read model of follow-up items: one document per item (`_id` = followUpId, the `itemId` its
 * clocks and timeline carry), written by the item's workflow, newest revision wins.
 */
import { Schema, type Connection } from 'mongoose';
import type { FollowUpView } from '../domain/follow-up';
import { dateOf } from '../domain/time';
import type { Store } from './index';
import { hashChunks, yearly } from './views';

const followUpSchema = new Schema(
  {
    _id: { type: String },
    kind: { type: String, required: true, index: true },
    kindLabel: String,
    title: String,
    content: String,
    sender: { userIds: [String], groupId: String, unitId: String },
    responder: { unitId: String },
    source: { proposalId: String, postingId: String, campaignId: String },
    policyVersion: Number,
    status: { type: String, required: true, index: true },
    statusLabel: String,
    round: Number,
    sendBacksLeft: Number,
    acknowledgement: Schema.Types.Mixed,
    responses: Schema.Types.Mixed,
    evaluations: Schema.Types.Mixed,
    checkIns: Schema.Types.Mixed,
    outcome: Schema.Types.Mixed,
    answered: Boolean,
    respondedOnTime: Boolean,
    adoption: String,
    adopted: Boolean,
    satisfaction: String,
    openCommitments: [String],
    scales: Schema.Types.Mixed,
    createdAt: { type: Date, index: true },
    closedAt: Date,
    revision: { type: Number, required: true },
  },
  { versionKey: false },
);
followUpSchema.index({ 'responder.unitId': 1, status: 1 });
followUpSchema.index({ 'sender.groupId': 1 });
followUpSchema.index({ 'source.postingId': 1 });
followUpSchema.index({ 'source.campaignId': 1 });

export const followUpModel = (conn: Connection) => conn.model('FollowUp', followUpSchema, 'follow_ups');

/** A stored item: the view with its times as dates, `_id` for `followUpId`. */
export type FollowUpDoc = Omit<FollowUpView, 'followUpId' | 'createdAt' | 'closedAt'> & {
  _id: string;
  createdAt: Date;
  closedAt: Date | null;
};

export function toFollowUpDoc({ followUpId, createdAt, closedAt, ...rest }: FollowUpView): FollowUpDoc {
  return {
    _id: followUpId,
    ...rest,
    createdAt: new Date(createdAt),
    closedAt: closedAt ? new Date(closedAt) : null,
  };
}

export function fromFollowUpDoc({ _id, createdAt, closedAt, ...rest }: FollowUpDoc): FollowUpView {
  return { followUpId: _id, ...rest, createdAt: createdAt.getTime(), closedAt: closedAt?.getTime() ?? null };
}

/** Follow-up items by the year they were created, whole (the list shows them as the detail does). */
export const followUpViews = yearly('follow-ups', hashChunks(16));

export const followUpYear = (item: Pick<FollowUpView, 'createdAt'>) =>
  Number(dateOf(item.createdAt).slice(0, 4));

/** Every follow-up item, from the views. */
export async function readFollowUps(store: Store): Promise<FollowUpView[]> {
  return (await followUpViews.read<FollowUpView>(store.views)).flatMap((chunk) => [...chunk.rows.values()]);
}
