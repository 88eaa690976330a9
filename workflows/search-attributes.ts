/**
 * Search attributes operators filter on in the Temporal Web UI. Never personal
 * data: they are stored unencrypted. temporal.config.ts registers them.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const HuiyinKind = defineSearchAttributeKey('HuiyinKind', SearchAttributeType.KEYWORD);
export const HuiyinStatus = defineSearchAttributeKey('HuiyinStatus', SearchAttributeType.KEYWORD);
export const SessionYear = defineSearchAttributeKey('SessionYear', SearchAttributeType.INT);
export const Overdue = defineSearchAttributeKey('Overdue', SearchAttributeType.BOOL);

export const searchAttributeKeys = [HuiyinKind, HuiyinStatus, SessionYear, Overdue];
