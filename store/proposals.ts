import { Schema, type Connection } from 'mongoose';
import { byNumber, parseProposalNumber } from '../domain/proposal-number';
import type { ClockSummary, ProposalSummary } from '../domain/proposal-summary';
import type { Store } from './index';
import { memo, yearly, type Chunk } from './views';

/**
 * The read model of proposals. Lists, boards and statistics read the session year's view (below);
 * `proposals` keeps one summary document per proposal for lookups by number and for deployments
 * that query MongoDB directly; `proposal_states` the workflow's whole state for details and CSV.
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
    revision: { type: Number, required: true },
  },
  { versionKey: false },
);
proposalSchema.index({ sessionYear: 1, status: 1 });
proposalSchema.index({ sessionYear: 1, number: 1 });

/**
 * The workflow's whole state at `revision`, for detail pages and CSV once the workflow has closed.
 */
const proposalStateSchema = new Schema(
  {
    _id: { type: String }, // proposalId
    revision: { type: Number, required: true },
    state: { type: Schema.Types.Mixed, required: true },
  },
  { versionKey: false },
);

export const proposalModels = (conn: Connection) => ({
  proposals: conn.model('Proposal', proposalSchema, 'proposals'),
  proposalStates: conn.model('ProposalState', proposalStateSchema, 'proposal_states'),
});

/** Proposal numbers per chunk of a year's view: ~250 summaries and their clocks, a few hundred KB. */
const CHUNK = 250;

/**
 * A session year's proposals: per proposal its summary (row `<number>`), its clocks
 * (`<number>|clock|<clockId>`) and the units whose commitment is reported done (`<number>|done|<unitId>`).
 */
export const proposalViews = yearly('proposals', (rowId) =>
  String(Math.floor(parseProposalNumber(rowId.split('|')[0])!.seq / CHUNK)),
);

export const yearRowIds = {
  clock: (proposalId: string, clockId: string) => `${proposalId}|clock|${clockId}`,
  done: (proposalId: string, unitId: string) => `${proposalId}|done|${unitId}`,
};

/** A proposal's summary with its clocks. */
export interface ProposalEntry {
  summary: ProposalSummary;
  clocks: ClockSummary[];
  /** The title in lower case, for text search (made once per chunk version, not per request). */
  title: string;
}

/** One chunk of a year's view, sorted out: proposals by number, clocks and done reports by proposal. */
export interface YearChunk {
  proposals: ProposalEntry[];
  clocks: Map<string, ClockSummary[]>;
  /** `${proposalId}|${unitId}` of every commitment reported done. */
  done: Set<string>;
}

const sortOut = (chunk: Chunk): YearChunk => {
  const out: YearChunk = { proposals: [], clocks: new Map(), done: new Set() };
  const summaries: ProposalSummary[] = [];
  for (const [id, row] of chunk.rows) {
    const [proposalId, kind, rest] = id.split('|');
    if (kind === 'clock')
      out.clocks.set(proposalId, [...(out.clocks.get(proposalId) ?? []), row as unknown as ClockSummary]);
    else if (kind === 'done') out.done.add(`${proposalId}|${rest}`);
    else summaries.push(row as unknown as ProposalSummary);
  }
  summaries.sort((a, b) => byNumber(a.number, b.number));
  out.proposals = summaries.map((summary) => ({
    summary,
    clocks: out.clocks.get(summary.number) ?? [],
    title: summary.title.toLowerCase(),
  }));
  return out;
};

/** The chunks of the given session years (every year when none is given), in number order. */
export async function readProposalYears(store: Store, sessionYear?: number): Promise<YearChunk[]> {
  const chunks = await proposalViews.read(store.views, sessionYear);
  return chunks.map((chunk) => memo(chunk, 'yearChunk', sortOut));
}

/** One proposal's summary with its clocks as the year's view holds it, or undefined. */
export async function findSummary(store: Store, proposalId: string) {
  const year = parseProposalNumber(proposalId)?.sessionYear;
  for (const chunk of year ? await readProposalYears(store, year) : []) {
    const entry = chunk.proposals.find((p) => p.summary.number === proposalId);
    if (entry) return { ...entry, done: chunk.done };
  }
  return undefined;
}
