/**
 * The authorization matrix (issue 12): every operation of the real app's /openapi.json × one demo
 * person per role × their own item and another's (of another unit, another group and another member
 * at once), with the expected outcome written as data below. An operation without a row fails.
 *
 * Outcomes: `ok` passed authorization (any answer but 401/403/404: 2xx, or the 400/409 of a body or a
 * state the probe does not satisfy), `403` refused by role or party, `404` not visible (the same as not
 * existing); for lists, `all` shows own and other, `own` the own item only, `none` neither.
 * Mutations are probed with an invalid body where no item is named (authorization runs first), so
 * they change nothing; actions on items send valid bodies and may change the seeded items' state,
 * never whom they belong to.
 */
import request from 'supertest';
import { dateOf } from '../../domain/time';
import { demoDirectory, seedDemoDirectory } from '../../store/demo';
import { directory } from '../../store/directory';
import { roles, type Role } from '../../domain/roles';
import { startStack, type Stack } from '../helpers/stack';
import { until } from '../helpers/supervision-api';

type Outcome = 'ok' | '403' | '404' | 'all' | 'own' | 'none';
type Target = 'own' | 'other';

/** Columns of every grid: the roles in domain/roles.ts order. */
const columns = roles;
/** The demo person who plays each role (store/demo.ts). */
const personas: Record<Role, string> = {
  member: 'member-zhang',
  organization: 'org-minmeng',
  committee: 'committee',
  leader: 'leader',
  unit: 'housing',
  unitLeader: 'housing-leader',
  supervisor: 'supervisor-he',
  department: 'ecology',
  secretary: 'housing-secretary',
  admin: 'admin',
};
const personOf = (role: Role) => demoDirectory.users.find((u) => u.id === personas[role])!;

// ---- the table ---------------------------------------------------------------------------------

type Kind = 'proposal' | 'followUp' | 'posting' | 'campaign' | 'user' | 'unit' | 'group';
interface Row {
  /** One grid for operations that name no item; `own` and `other` grids for those that do. */
  grid: string | Record<Target, string>;
  /** The kind of item `{id}` names. */
  kind?: Kind;
  body?: (role: Role, target: Target) => object | string;
  type?: string;
  query?: string;
  /** The ids a list answers with (for all/own/none). */
  list?: { kind: Kind; ids: (res: request.Response) => string[] };
}

const invalid = () => ({ matrixProbe: true }); // refused by validation (400), after the role check
const items =
  (key = 'items', id = 'id') =>
  (res: request.Response) =>
    (res.body[key] as Record<string, string>[]).map((item) => item[id]);
const unitOf = (role: Role) => personOf(role).unitId ?? 'unit-housing';
const unitAction =
  (extra: object = {}) =>
  (role: Role) => ({ unitId: unitOf(role), ...extra });
const rating = () => ({ adoption: 'matrix', satisfaction: 'matrix' }); // codes not on the scale: 400

//                             mem org com lea uni ulr sup dep sec adm
const everyone /*          */ = 'ok  ok  ok  ok  ok  ok  ok  ok  ok  ok ';
const adminOnly /*         */ = '403 403 403 403 403 403 403 403 403 ok ';
const staffOnly /*         */ = '403 403 ok  403 403 403 403 403 403 ok ';
const bodyWide /*          */ = '403 403 ok  ok  403 403 403 403 403 ok ';
const proposers /*  own    */ = 'ok  ok  403 403 403 403 403 403 403 403';
const proposersOther /*    */ = '404 404 403 403 403 403 403 403 403 403';
const committeeOnly /*     */ = '403 403 ok  403 403 403 403 403 403 403';
const coSigners /*  own    */ = 'ok  ok  ok  403 403 403 403 403 403 403'; // committee: paper signatures
const coSignersOther /*    */ = '404 404 ok  403 403 403 403 403 403 403';
const leaderOrCommittee /* */ = '403 403 ok  ok  403 403 403 403 403 403';
const unitPeople /* own    */ = '403 403 403 403 ok  ok  403 403 403 403';
const unitPeopleOther /*   */ = '403 403 403 403 404 404 403 403 403 403';

const proposalAction = (grid: Record<Target, string>, body: Row['body']): Row => ({
  grid,
  kind: 'proposal',
  body,
});
const proposerAction = (body: Row['body']) => proposalAction({ own: proposers, other: proposersOther }, body);
const committeeAction = (body: Row['body']) =>
  proposalAction({ own: committeeOnly, other: committeeOnly }, body);
const unitAct = (extra: object = {}) =>
  proposalAction({ own: unitPeople, other: unitPeopleOther }, unitAction(extra));

const responder = {
  own: /*                  */ '403 403 403 403 ok  ok  403 ok  403 403',
  other: /*                */ '403 403 403 403 404 404 403 404 403 403',
};
const sender = {
  own: /*                  */ 'ok  ok  403 403 403 403 ok  403 403 403',
  other: /*                */ '404 404 403 403 404 404 404 404 403 403',
};
const postingReader = {
  own: /*                  */ '403 403 ok  ok  403 403 ok  ok  404 ok ',
  other: /*                */ '403 403 ok  ok  403 403 404 404 404 ok ',
};
const proposalReader = {
  own: /*                  */ 'ok  ok  ok  ok  ok  ok  403 403 ok  ok ',
  other: /*                */ '404 404 ok  ok  404 404 403 403 404 ok ',
};
const followUpReader = {
  own: everyone,
  other: /*                */ '404 404 ok  ok  404 404 404 404 404 ok ',
};
/** A group's own activity is an inspection (暗访): not the department's to read. */
const inspectionReader = {
  own: /*                  */ '403 403 ok  ok  403 403 ok  404 404 ok ',
  other: /*                */ '403 403 ok  ok  403 403 404 404 404 ok ',
};
const directoryReader = {
  own: /*                  */ '403 403 ok  ok  ok  ok  ok  ok  ok  ok ',
  other: /*                */ '403 403 ok  ok  404 404 404 404 404 ok ',
};

const table: Record<string, Row> = {
  'GET /api/calendar/deadline': { grid: everyone, query: '?start=2026-03-02&amount=5&unit=workingDays' },
  'GET /api/calendar/years': { grid: everyone },
  'GET /api/calendar/years/{year}': { grid: everyone },
  'PUT /api/calendar/years/{year}': { grid: adminOnly, body: invalid },
  'POST /api/auth/dev-login': { grid: everyone, body: invalid },
  'POST /api/diagnostics/round-trip': { grid: adminOnly, body: () => ({ workingDays: -1 }) },
  'GET /api/guarantee': { grid: bodyWide },
  'GET /api/me': { grid: everyone },

  // directory: a unit's people their unit, a group's its group and the department it is posted to
  'GET /api/users': {
    grid: /*               */ '403 403 all all own own own own own all',
    list: { kind: 'user', ids: items() },
  },
  'GET /api/users/{id}': { grid: directoryReader, kind: 'user' },
  'POST /api/users': { grid: adminOnly, body: invalid },
  'PUT /api/users/{id}': { grid: adminOnly, body: invalid },
  'GET /api/units': {
    grid: /*               */ '403 403 all all own own own own own all',
    list: { kind: 'unit', ids: items() },
  },
  'GET /api/units/{id}': { grid: directoryReader, kind: 'unit' },
  'POST /api/units': { grid: adminOnly, body: invalid },
  'PUT /api/units/{id}': { grid: adminOnly, body: invalid },
  'GET /api/groups': {
    grid: /*               */ '403 403 all all none none own own none all',
    list: { kind: 'group', ids: items() },
  },
  'GET /api/groups/{id}': {
    grid: {
      own: /*              */ '403 403 ok  ok  404 404 ok  ok  404 ok ',
      other: /*            */ '403 403 ok  ok  404 404 404 404 404 ok ',
    },
    kind: 'group',
  },
  'POST /api/groups': { grid: adminOnly, body: invalid },
  'PUT /api/groups/{id}': { grid: adminOnly, body: invalid },

  // policy
  'GET /api/policy': { grid: /* */ '403 403 ok  ok  ok  ok  403 403 ok  ok ' },
  'PUT /api/policy': { grid: adminOnly, body: invalid },
  'GET /api/policy/versions': { grid: adminOnly },
  'GET /api/policy/versions/{version}': { grid: adminOnly },

  // notifications: everyone their own rows (the store filters by recipient)
  'GET /api/notifications/outbox': { grid: everyone },
  'GET /api/notifications/inbox': { grid: everyone },
  'GET /api/notifications/inbox/unread-count': { grid: everyone },
  'POST /api/notifications/inbox/read': { grid: everyone, body: invalid },
  'GET /api/notifications/preferences': { grid: everyone },
  'PUT /api/notifications/preferences': { grid: everyone, body: invalid },
  'POST /api/notifications/test': { grid: adminOnly, body: invalid },

  // proposals: proposers theirs, a handling unit's people what their unit handles now
  'GET /api/proposals': {
    grid: /*               */ 'own own all all own own 403 403 own all',
    list: { kind: 'proposal', ids: items() },
  },
  'GET /api/proposals/export.csv': {
    grid: /*               */ 'own own all all own own 403 403 own all',
    list: { kind: 'proposal', ids: (res) => res.text.match(/\d{4}-\d{4,6}/g) ?? [] },
  },
  'GET /api/proposals/statistics': { grid: '403 403 ok  ok  ok  ok  403 403 ok  ok ' },
  'GET /api/proposals/statistics.csv': { grid: '403 403 ok  ok  ok  ok  403 403 ok  ok ' },
  'POST /api/proposals/import': { grid: staffOnly, body: () => '', type: 'text/csv' },
  'POST /api/proposals': { grid: '    ok  ok  ok  403 403 403 403 403 403 403', body: invalid },
  'GET /api/proposals/{id}': {
    grid: {
      own: /*              */ 'ok  ok  ok  ok  ok  ok  403 403 ok  ok ',
      other: /*            */ '404 404 ok  ok  404 404 403 403 404 ok ',
    },
    kind: 'proposal',
  },
  'POST /api/proposals/{id}/actions/cosign': proposalAction(
    { own: coSigners, other: coSignersOther },
    () => ({
      accept: true,
    }),
  ),
  'POST /api/proposals/{id}/actions/withdraw': proposerAction(() => ({})),
  'POST /api/proposals/{id}/actions/consent': proposerAction(() => ({ accept: true })),
  'POST /api/proposals/{id}/actions/feedback': proposerAction(() => ({ rating: 'satisfied' })),
  'POST /api/proposals/{id}/actions/confirmContact': proposerAction(() => ({
    unitId: 'unit-housing',
    contactNo: 1,
    confirmed: true,
  })),
  'POST /api/proposals/{id}/actions/review': committeeAction(() => ({ decision: 'file' })),
  'POST /api/proposals/{id}/actions/assign': committeeAction(() => ({ leadUnitId: 'unit-nowhere' })),
  'POST /api/proposals/{id}/actions/ruleReturn': committeeAction(() => ({
    unitId: 'unit-housing',
    approve: true,
    toUnitId: 'unit-nowhere',
  })),
  'POST /api/proposals/{id}/actions/waiveOpinion': committeeAction(() => ({ unitId: 'unit-housing' })),
  'POST /api/proposals/{id}/actions/ruleExtension': committeeAction(() => ({
    unitId: 'unit-housing',
    approve: false,
  })),
  'POST /api/proposals/{id}/actions/reclassify': committeeAction(() => ({
    unitId: 'unit-housing',
    resultClass: 'A',
    reason: '矩阵测试',
  })),
  'POST /api/proposals/{id}/actions/ruleFeedback': committeeAction(() => ({ decision: 'rehandle' })),
  'POST /api/proposals/{id}/actions/signFor': unitAct(),
  'POST /api/proposals/{id}/actions/requestReturn': unitAct({ reason: '矩阵测试' }),
  'POST /api/proposals/{id}/actions/recordContact': unitAct({ method: 'phone' }),
  'POST /api/proposals/{id}/actions/sendOpinion': unitAct({ text: '矩阵测试' }),
  'POST /api/proposals/{id}/actions/requestExtension': unitAct({ until: '2099-01-01', reason: '矩阵测试' }),
  'POST /api/proposals/{id}/actions/reply': proposalAction(
    {
      own: /*              */ '403 403 403 403 403 ok  403 403 403 403',
      other: /*            */ '403 403 403 403 403 404 403 403 403 403',
    },
    unitAction({ resultClass: 'A', text: '矩阵测试' }),
  ),
  'POST /api/proposals/{id}/actions/draftReply': unitAct({ resultClass: 'A', text: '矩阵测试' }),
  'POST /api/proposals/{id}/actions/signOffReply': proposalAction(
    {
      own: /*              */ '403 403 403 403 403 ok  403 403 403 403',
      other: /*            */ '403 403 403 403 403 404 403 403 403 403',
    },
    unitAction({ approve: false, reason: '矩阵测试' }),
  ),
  'POST /api/proposals/{id}/actions/checkReply': committeeAction(() => ({
    unitId: 'unit-housing',
    approve: false,
    reason: '矩阵测试',
  })),
  'POST /api/proposals/{id}/actions/recordConsultation': proposalAction(
    { own: leaderOrCommittee, other: leaderOrCommittee },
    () => ({ record: '矩阵测试' }),
  ),
  'POST /api/proposals/{id}/actions/markKey': proposalAction(
    { own: leaderOrCommittee, other: leaderOrCommittee },
    () => ({ leaderId: 'nobody' }),
  ),
  'POST /api/proposals/{id}/actions/logSupervision': proposalAction(
    { own: leaderOrCommittee, other: leaderOrCommittee },
    () => ({ activity: 'research', date: '2026-01-05', note: '矩阵测试' }),
  ),

  // follow-up items: the responding unit, the sender (people, group or unit), body-wide roles
  'GET /api/follow-ups': {
    grid: /*               */ 'own own all all own own own own own all',
    list: { kind: 'followUp', ids: items('items', 'followUpId') },
  },
  'POST /api/follow-ups': { grid: bodyWide, body: invalid },
  'GET /api/follow-ups/{id}': {
    grid: {
      own: everyone,
      other: /*            */ '404 404 ok  ok  404 404 404 404 404 ok ',
    },
    kind: 'followUp',
  },
  'POST /api/follow-ups/{id}/acknowledge': { grid: responder, kind: 'followUp', body: () => ({}) },
  'POST /api/follow-ups/{id}/respond': {
    grid: responder,
    kind: 'followUp',
    body: () => ({ content: '答复' }),
  },
  'POST /api/follow-ups/{id}/check-ins': {
    grid: responder,
    kind: 'followUp',
    body: () => ({ progress: 'p' }),
  },
  'POST /api/follow-ups/{id}/done': { grid: responder, kind: 'followUp', body: () => ({ summary: 's' }) },
  'POST /api/follow-ups/{id}/evaluate': { grid: sender, kind: 'followUp', body: rating },
  'POST /api/follow-ups/{id}/send-back': { grid: sender, kind: 'followUp', body: rating },
  'POST /api/follow-ups/{id}/withdraw': {
    grid: { own: staffOnly, other: staffOnly },
    kind: 'followUp',
    body: () => ({ reason: '矩阵测试' }),
  },

  // supervision: a group its postings, the department those to it, body-wide roles all
  'POST /api/postings': { grid: staffOnly, body: invalid },
  'GET /api/postings': {
    grid: /*               */ '403 403 all all 403 403 own own none all',
    list: { kind: 'posting', ids: items('items', 'postingId') },
  },
  'GET /api/postings/{id}': { grid: postingReader, kind: 'posting' },
  'GET /api/postings/{id}/activities': { grid: postingReader, kind: 'posting' },
  'GET /api/postings/{id}/report': { grid: postingReader, kind: 'posting' },
  'POST /api/postings/{id}/activities': {
    grid: {
      own: /*              */ '403 403 ok  403 403 403 ok  403 404 ok ',
      other: /*            */ '403 403 ok  403 403 403 404 403 404 ok ',
    },
    kind: 'posting',
    body: () => ({ kind: 'visit', date: '2026-01-05', summary: '矩阵测试' }),
  },
  'POST /api/postings/{id}/letters': {
    grid: {
      own: /*              */ '403 403 403 403 403 403 ok  403 403 403',
      other: /*            */ '403 403 403 403 403 403 404 403 403 403',
    },
    kind: 'posting',
    body: () => ({ title: '矩阵测试', content: '矩阵测试' }),
  },
  'POST /api/postings/{id}/end': {
    grid: { own: staffOnly, other: staffOnly },
    kind: 'posting',
    body: () => ({ reason: '矩阵测试' }),
  },
  'GET /api/term-reports': {
    grid: /*               */ '403 403 all all 403 403 own own none all',
    list: { kind: 'posting', ids: items('items', 'postingId') },
  },
  'GET /api/supervision/statistics': { grid: bodyWide },

  // attachments: read as the item is read; added by its proposers, its unit, its sender or its group
  'GET /api/proposals/{id}/attachments': { grid: proposalReader, kind: 'proposal' },
  'GET /api/proposals/{id}/attachments/{attachmentId}': { grid: proposalReader, kind: 'proposal' },
  'POST /api/proposals/{id}/attachments': {
    grid: {
      own: /*              */ 'ok  ok  ok  403 403 403 403 403 403 ok ',
      other: /*            */ '404 404 ok  403 404 404 403 403 404 ok ',
    },
    kind: 'proposal',
    query: '?name=matrix.pdf',
    body: invalid, // not a file type taken: 415 once authorized
  },
  'GET /api/follow-ups/{id}/attachments': { grid: followUpReader, kind: 'followUp' },
  'GET /api/follow-ups/{id}/attachments/{attachmentId}': { grid: followUpReader, kind: 'followUp' },
  'POST /api/follow-ups/{id}/attachments': {
    grid: {
      own: /*              */ 'ok  ok  ok  403 403 403 ok  403 403 ok ',
      other: /*            */ '404 404 ok  403 404 404 404 404 404 ok ',
    },
    kind: 'followUp',
    query: '?name=matrix.pdf',
    body: invalid,
  },
  'GET /api/postings/{id}/activities/{activityId}/attachments': { grid: inspectionReader, kind: 'posting' },
  'GET /api/postings/{id}/activities/{activityId}/attachments/{attachmentId}': {
    grid: inspectionReader,
    kind: 'posting',
  },
  'POST /api/postings/{id}/activities/{activityId}/attachments': {
    grid: {
      own: /*              */ '403 403 ok  403 403 403 ok  403 404 ok ',
      other: /*            */ '403 403 ok  403 403 403 404 403 404 ok ',
    },
    kind: 'posting',
    query: '?name=matrix.pdf',
    body: invalid,
  },

  // campaigns: body-wide roles all, a supervisor those they are on a team of
  'POST /api/campaigns': { grid: staffOnly, body: invalid },
  'GET /api/campaigns': {
    grid: /*               */ '403 403 all all 403 403 own 403 403 all',
    list: { kind: 'campaign', ids: items() },
  },
  'GET /api/campaigns/{id}': {
    grid: {
      own: /*              */ '403 403 ok  ok  403 403 ok  403 403 ok ',
      other: /*            */ '403 403 ok  ok  403 403 404 403 403 ok ',
    },
    kind: 'campaign',
  },
  'POST /api/campaigns/{id}/letters': {
    grid: {
      own: /*              */ '403 403 ok  403 403 403 ok  403 403 ok ',
      other: /*            */ '403 403 ok  403 403 403 404 403 403 ok ',
    },
    kind: 'campaign',
    body: (_role, target) => ({
      siteCode: target === 'own' ? 'site-own' : 'site-other',
      teamCode: target === 'own' ? 'team-own' : 'team-other',
      title: '矩阵测试',
      content: '矩阵测试',
    }),
  },
};

const gridOf = (grid: string): Record<Role, Outcome> => {
  const cells = grid.trim().split(/\s+/) as Outcome[];
  if (cells.length !== columns.length) throw new Error(`a grid has ${cells.length} cells: ${grid}`);
  return Object.fromEntries(columns.map((role, i) => [role, cells[i]])) as Record<Role, Outcome>;
};

// ---- the seeded items ---------------------------------------------------------------------------

let stack: Stack;
const tokens = new Map<string, string>();
/** The ids of the items each kind seeds: `own` per role (whose own it is differs), one `other`. */
const seeded = {} as Record<Kind, { own: (role: Role) => string; other: string }>;
/** By the id of the item a path names: its seeded attachment, a posting's seeded activity. */
const attachmentOf = new Map<string, string>();
const activityOf = new Map<string, string>();

const as = (who: string) => tokens.get(who)!;
const send = (
  method: string,
  path: string,
  who: string | undefined,
  body?: object | string,
  type?: string,
) => {
  let req = request(stack.app)[method.toLowerCase() as 'get'](path);
  if (who) req = req.set('Authorization', as(who));
  if (type) req = req.type(type);
  return body === undefined ? req : req.send(body as object);
};
const created = async (res: request.Response | Promise<request.Response>) => {
  const r = await res;
  if (r.status >= 300) throw new Error(`seeding failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

/** Another group posted to another department, with its people and a user who belongs nowhere near. */
async function seedRiver() {
  await directory(stack.store, 'units').put({
    id: 'dept-river',
    name: '市水务局',
    kind: 'department',
    secretaryIds: [],
  });
  for (const id of ['river-a', 'river-b'])
    await directory(stack.store, 'users').put({
      id,
      name: id,
      roles: ['supervisor'],
      groupId: 'group-river',
      active: true,
    });
  await directory(stack.store, 'groups').put({
    id: 'group-river',
    name: '派驻市水务局民主监督小组',
    leaderId: 'river-a',
    memberIds: ['river-a', 'river-b'],
    departmentId: 'dept-river',
  });
}

async function seedProposals() {
  const file = async (who: string, coSignerIds: string[], unitId: string) => {
    const body = await created(
      send('POST', '/api/proposals', who, {
        title: '矩阵',
        content: '内容',
        type: 'interSession',
        coSignerIds,
      }),
    );
    const id = body.proposal.proposalId as string;
    for (const c of coSignerIds)
      await created(send('POST', `/api/proposals/${id}/actions/cosign`, c, { accept: true }));
    await created(send('POST', `/api/proposals/${id}/actions/review`, 'committee', { decision: 'file' }));
    await created(send('POST', `/api/proposals/${id}/actions/assign`, 'committee', { leadUnitId: unitId }));
    return id;
  };
  // Own for the organization (lead), the member (co-signer) and the housing unit; other: another
  // member's, handled by another unit.
  const own = await file('org-minmeng', ['member-zhang'], 'unit-housing');
  const other = await file('member-li', [], 'unit-education');
  seeded.proposal = { own: () => own, other };
}

async function seedSupervision() {
  const post = (groupId: string) => created(send('POST', '/api/postings', 'committee', { groupId }));
  const ownPosting = (await post('group-ecology')).postingId as string;
  const otherPosting = (await post('group-river')).postingId as string;
  seeded.posting = { own: () => ownPosting, other: otherPosting };
  const activity = { kind: 'inspection', date: dateOf(Date.now()), summary: '暗访' };
  const ownActivity = await created(
    send('POST', `/api/postings/${ownPosting}/activities`, 'supervisor-he', activity),
  );
  const otherActivity = await created(
    send('POST', `/api/postings/${otherPosting}/activities`, 'committee', { ...activity, kind: 'visit' }),
  );
  activityOf.set(ownPosting, ownActivity.id).set(otherPosting, otherActivity.id);
  const letter = await created(
    send('POST', `/api/postings/${ownPosting}/letters`, 'supervisor-he', {
      title: '建议书',
      content: '内容',
    }),
  );
  // Ended, so each has its term report (and posting actions meet a closed posting).
  for (const id of [ownPosting, otherPosting])
    await created(send('POST', `/api/postings/${id}/end`, 'committee', { reason: '矩阵' }));
  await until(async () => {
    const res = await send('GET', '/api/term-reports', 'committee');
    return res.body.items?.length === 2;
  }, 30_000);

  const item = async (followUpId: string, responderUnitId: string, sender: object) =>
    (
      await created(
        send('POST', '/api/follow-ups', 'committee', {
          followUpId,
          kind: 'consultationResult',
          title: '协商成果',
          content: '内容',
          responderUnitId,
          sender,
        }),
      )
    ).followUpId as string;
  const unitItem = await item('matrix-own', 'unit-housing', { userIds: ['member-zhang', 'org-minmeng'] });
  const other = await item('matrix-other', 'unit-education', { groupId: 'group-river' });
  const groupRoles: Role[] = ['supervisor', 'department'];
  seeded.followUp = { own: (role) => (groupRoles.includes(role) ? letter.followUpId : unitItem), other };

  const campaign = (id: string, suffix: string, departmentId: string, memberIds: string[]) =>
    created(
      send('POST', '/api/campaigns', 'committee', {
        id,
        theme: '专项',
        sites: [{ code: `site-${suffix}`, name: '点位', departmentId }],
        teams: [{ code: `team-${suffix}`, name: '组', leaderId: memberIds[0], memberIds }],
      }),
    );
  await campaign('matrix-own', 'own', 'dept-ecology', ['supervisor-he', 'supervisor-guo']);
  await campaign('matrix-other', 'other', 'dept-river', ['river-a', 'river-b']);
  seeded.campaign = { own: () => 'matrix-own', other: 'matrix-other' };
}

/** One file on every seeded proposal, follow-up item and posting activity, added by committee staff. */
async function seedAttachments() {
  const paths = [
    ...[seeded.proposal.own('member'), seeded.proposal.other].map((id) => [id, `/api/proposals/${id}`]),
    ...[seeded.followUp.own('member'), seeded.followUp.own('supervisor'), seeded.followUp.other].map((id) => [
      id,
      `/api/follow-ups/${id}`,
    ]),
    ...[seeded.posting.own('member'), seeded.posting.other].map((id) => [
      id,
      `/api/postings/${id}/activities/${activityOf.get(id)}`,
    ]),
  ];
  for (const [id, path] of paths) {
    const res = await until(async () => {
      const r = await request(stack.app)
        .post(`${path}/attachments?name=matrix.pdf`)
        .set('Authorization', as('committee'))
        .set('Content-Type', 'application/pdf')
        .send(Buffer.from('%PDF-1.7 matrix'));
      return r.status === 201 && r; // an activity reaches the read model a moment after it is logged
    });
    attachmentOf.set(id, res.body.id);
  }
}

function seedDirectoryTargets() {
  const place = (role: Role) => personOf(role);
  seeded.user = { own: (role) => personas[role], other: 'river-a' };
  seeded.unit = {
    own: (role) => (place(role).groupId ? 'dept-ecology' : (place(role).unitId ?? 'unit-housing')),
    other: 'dept-river',
  };
  seeded.group = { own: () => 'group-ecology', other: 'group-river' };
}

beforeAll(async () => {
  stack = await startStack();
  await seedDemoDirectory(stack.store);
  await seedRiver();
  for (const {
    id,
    roles: [role],
    unitId,
    groupId,
  } of demoDirectory.users)
    tokens.set(
      id,
      await stack.bearer(role, { id, ...(unitId ? { unitId } : {}), ...(groupId ? { groupId } : {}) }),
    );
  await seedProposals();
  await seedSupervision();
  seedDirectoryTargets();
  await seedAttachments();
}, 120_000);
afterAll(() => stack?.stop());

// ---- the run -------------------------------------------------------------------------------------

const fixedParams: Record<string, string> = { year: '2026', version: '1', id: 'matrix-nobody' };

function pathOf(path: string, row: Row, role: Role, target: Target) {
  const item = row.kind && (target === 'own' ? seeded[row.kind].own(role) : seeded[row.kind].other);
  const nested: Record<string, Map<string, string>> = { attachmentId: attachmentOf, activityId: activityOf };
  return path.replace(/\{(\w+)\}/g, (_m, name: string) =>
    item && name === 'id' ? item : ((item && nested[name]?.get(item)) ?? fixedParams[name]),
  );
}

/** What a response shows, in the table's words. */
function outcomeOf(res: request.Response, row: Row, role: Role): Outcome | string {
  if (res.status >= 500) return `${res.status} ${JSON.stringify(res.body)}`;
  if (res.status === 401 || res.status === 403 || res.status === 404) {
    // Refusals in the one error shape.
    if (res.status !== 404 || res.body.error?.code === 'not_found') return String(res.status);
    return `${res.status} ${JSON.stringify(res.body)}`;
  }
  if (!row.list) return 'ok';
  if (res.status !== 200) return `${res.status} ${JSON.stringify(res.body)}`;
  const ids = row.list.ids(res);
  const own = ids.includes(seeded[row.list.kind].own(role));
  const other = ids.includes(seeded[row.list.kind].other);
  return own && other ? 'all' : own ? 'own' : other ? 'other only' : 'none';
}

describe('the authorization matrix', () => {
  let operations: string[];
  /** Operations the document marks as needing no token. */
  let open: Set<string>;
  beforeAll(async () => {
    const { paths } = (await request(stack.app).get('/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const entries = Object.entries(paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as const),
    );
    operations = entries.map(([key]) => key);
    open = new Set(entries.filter(([, op]) => !(op as { security?: unknown }).security).map(([key]) => key));
  });

  test('every operation in /openapi.json has a row, and every row an operation', () => {
    expect([...operations].sort()).toEqual(Object.keys(table).sort());
  });

  test('every operation × role × own/other item answers as the table says', async () => {
    const mismatches: string[] = [];
    let calls = 0;
    for (const [key, row] of Object.entries(table)) {
      const [method, path] = key.split(' ');
      const grids =
        typeof row.grid === 'string'
          ? ([['own', gridOf(row.grid)]] as const)
          : (Object.entries(row.grid) as [Target, string][]).map(([t, g]) => [t, gridOf(g)] as const);
      for (const [target, expected] of grids) {
        // The roles of one cell group run side by side; rows and targets one after another.
        await Promise.all(
          roles.map(async (role) => {
            calls++;
            const res = await send(
              method,
              pathOf(path, row, role, target) + (row.query ?? ''),
              personas[role],
              row.body?.(role, target),
              row.type,
            );
            const actual = outcomeOf(res, row, role);
            if (actual !== expected[role])
              mismatches.push(`${key} [${target}] as ${role}: expected ${expected[role]}, got ${actual}`);
          }),
        );
      }
    }
    expect(mismatches).toEqual([]);
    expect(calls).toBeGreaterThan(0);
  }, 300_000);

  test('no token is a 401 on every operation that is not public', async () => {
    const statuses = await Promise.all(
      Object.entries(table)
        .filter(([key]) => !open.has(key))
        .map(async ([key, row]) => {
          const [method, path] = key.split(' ');
          const res = await send(
            method,
            pathOf(path, row, 'committee', 'own'),
            undefined,
            row.body?.('committee', 'own'),
          );
          return `${key} ${res.status}`;
        }),
    );
    expect(statuses.filter((s) => !s.endsWith(' 401'))).toEqual([]);
  });

  test('the department reads the group’s shared activities, never its inspections', async () => {
    const path = `/api/postings/${seeded.posting.own('department')}/activities`;
    const kinds = async (who: string) =>
      ((await send('GET', path, who)).body.items as { kind: string }[]).map((a) => a.kind);
    expect(await kinds('supervisor-he')).toContain('inspection');
    expect(await kinds('group-secretary')).toContain('inspection');
    expect(await kinds('leader')).toContain('inspection');
    expect(await kinds('ecology')).not.toContain('inspection');
  });
});
