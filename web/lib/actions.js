/**
 * The form of each action a caller may take on an item. Which actions those are, with their labels
 * and paths, the item's detail lists (`actions`); the API checks every action again when it arrives.
 *
 * A form is a list of variants (one button each): `fixed` values go into the body as they are, `fields`
 * are asked for. A field's `options` is either a list or the name of a source the page loads.
 */
import { hasRole } from './board.js';

/**
 * @typedef {{ code: string, label: string }} Option
 * @typedef {{ name: string, label: string, type: 'text' | 'textarea' | 'date' | 'select' | 'multi' | 'lines' | 'list' | 'ownUnit',
 *   optional?: boolean, options?: string | Option[], placeholder?: string }} Field
 * @typedef {{ label?: string, fixed?: Record<string, unknown>, fields: Field[] }} Variant
 */

/** @returns {(name: string, label: string, extra?: Partial<Field>) => Field} */
const fieldOf =
  (type) =>
  (name, label, extra = {}) => ({ name, label, type, ...extra });
const text = fieldOf('text');
const textarea = fieldOf('textarea');
const date = fieldOf('date');
const lines = fieldOf('lines');
const list = fieldOf('list');
/** @param {string} name @param {string} label @param {string | Option[]} options @param {Partial<Field>} [extra] */
const select = (name, label, options, extra = {}) => ({ name, label, type: 'select', options, ...extra });
/** @param {string} name @param {string} label @param {string | Option[]} options */
const multi = (name, label, options) => ({ name, label, type: 'multi', options, optional: true });
/** The caller's own unit: unit actions are taken in its name (the API refuses any other). */
const ownUnit = { name: 'unitId', label: '本单位', type: 'ownUnit' };
const optional = { optional: true };

const note = textarea('note', '说明', optional);
const reasonOptional = textarea('reason', '理由', optional);
/** What a reply says, written at once by the unit leader or drafted by a liaison. */
const replyFields = [
  ownUnit,
  select('resultClass', '答复类别', 'resultClasses'),
  textarea('text', '答复正文'),
  textarea('commitments', '承诺事项（列入计划拟解决时填写）', optional),
  date('targetDate', '计划完成日期', optional),
];
const ruledUnit = select('unitId', '单位', 'assignedUnits');
/** The unit whose reply is meant, where several units' replies are at the same step. */
const namedUnit = select('unitId', '单位（多个单位时填写）', 'assignedUnits', optional);
const contactStages = [
  { code: 'beforeHandling', label: '办前面商' },
  { code: 'duringHandling', label: '办中沟通' },
  { code: 'consultationMeeting', label: '协商会' },
];
/** Two buttons for a yes/no decision on the same fields. */
const yesNo = (key, [yes, no], fields) => [
  { label: yes, fixed: { [key]: true }, fields },
  { label: no, fixed: { [key]: false }, fields },
];

const proposalFields = [
  text('title', '标题'),
  select('type', '类型', 'proposalTypes'),
  text('topic', '分类', optional),
  textarea('content', '提案内容'),
  list('coSignerIds', '联名人（用户编号，以逗号分隔）', optional),
];

/**
 * Filing a proposal (POST /api/proposals): members and organizations in their own name, committee staff
 * on behalf of a first proposer they name; nobody else files.
 * @param {import('./board.js').Me} me
 * @returns {Variant[]}
 */
export function filingForms(me) {
  if (hasRole(me, 'member', 'organization')) return [{ label: '提交提案', fields: proposalFields }];
  if (hasRole(me, 'committee'))
    return [
      {
        label: '代为提交提案',
        fields: [text('leadProposerId', '第一提案人（用户编号）'), ...proposalFields],
      },
    ];
  return [];
}

/** @type {Record<string, Variant[]>} keyed by the proposal's action codes (domain/proposal-actions.ts) */
export const proposalForms = {
  cosign: yesNo('accept', ['确认联名', '不参加联名'], []),
  withdraw: [{ fields: [textarea('reason', '撤回理由', optional)] }],
  review: [
    { label: '立案', fixed: { decision: 'file' }, fields: [note] },
    {
      label: '不予立案',
      fixed: { decision: 'notFile' },
      fields: [select('reason', '理由', 'notFiledReasons'), note],
    },
    {
      label: '转为意见建议',
      fixed: { decision: 'convert' },
      fields: [select('unitId', '转交单位', 'handlingUnits'), note],
    },
    {
      label: '并案',
      fixed: { decision: 'merge' },
      fields: [text('intoProposalId', '并入提案编号', { placeholder: '2026-0001' }), note],
    },
  ],
  consent: yesNo('accept', ['同意转为意见建议', '不同意转办'], []),
  assign: [
    {
      fields: [
        select('leadUnitId', '主办单位', 'handlingUnits', optional),
        multi('coHandlerUnitIds', '会办单位', 'handlingUnits'),
        multi('parallelUnitIds', '分办单位（不设主办单位时）', 'handlingUnits'),
      ],
    },
  ],
  signFor: [{ fields: [ownUnit] }],
  requestReturn: [{ fields: [ownUnit, textarea('reason', '退回理由')] }],
  ruleReturn: [
    {
      label: '同意退回',
      fixed: { approve: true },
      fields: [ruledUnit, select('toUnitId', '改由单位办理', 'handlingUnits', optional), reasonOptional],
    },
    { label: '不同意退回', fixed: { approve: false }, fields: [ruledUnit, reasonOptional] },
  ],
  recordContact: [
    {
      fields: [
        ownUnit,
        select('stage', '环节', contactStages, optional),
        select('method', '沟通方式', 'contactMethods'),
        date('date', '沟通日期（默认今天）', optional),
        text('participants', '参加人员', optional),
        textarea('note', '沟通情况', optional),
      ],
    },
  ],
  confirmContact: yesNo(
    'confirmed',
    ['确认已见面', '提出异议'],
    [ruledUnit, text('contactNo', '沟通记录序号'), textarea('note', '说明（有异议时填写）', optional)],
  ),
  sendOpinion: [{ fields: [ownUnit, textarea('text', '会办意见')] }],
  waiveOpinion: [{ fields: [ruledUnit] }],
  requestExtension: [{ fields: [ownUnit, date('until', '延期至'), textarea('reason', '延期理由')] }],
  ruleExtension: yesNo('approve', ['批准延期', '不批准延期'], [ruledUnit, reasonOptional]),
  reply: [{ fields: replyFields }],
  draftReply: [
    {
      fields: [...replyFields, list('attachmentIds', '随答复的附件（附件编号，以逗号分隔）', optional)],
    },
  ],
  signOffReply: [
    { label: '签发', fixed: { approve: true }, fields: [ownUnit] },
    { label: '退回修改', fixed: { approve: false }, fields: [ownUnit, textarea('reason', '退回理由')] },
  ],
  checkReply: [
    { label: '审核通过并发出', fixed: { approve: true }, fields: [ruledUnit] },
    { label: '退回承办单位', fixed: { approve: false }, fields: [ruledUnit, textarea('reason', '退回理由')] },
  ],
  reclassify: [
    {
      fields: [
        ruledUnit,
        select('resultClass', '新的答复类别', 'resultClasses'),
        textarea('reason', '调整理由'),
      ],
    },
  ],
  feedback: [
    {
      fields: [
        select('unitId', '评价哪个单位的答复（多个单位时填写）', 'assignedUnits', optional),
        select('rating', '总体评价', 'satisfactionScale'),
        select('processRating', '对办理过程', 'satisfactionScale', optional),
        select('outcomeRating', '对办理结果', 'satisfactionScale', optional),
        textarea('comment', '意见和建议', optional),
      ],
    },
  ],
  ruleFeedback: [
    { label: '重新办理', fixed: { decision: 'rehandle' }, fields: [namedUnit, reasonOptional] },
    { label: '办结', fixed: { decision: 'close' }, fields: [namedUnit, reasonOptional] },
  ],
  recordConsultation: [{ fields: [namedUnit, textarea('record', '当面协商记录')] }],
  markKey: [{ fields: [select('leaderId', '领衔督办领导', 'leaders')] }],
  logSupervision: [
    {
      fields: [
        select('activity', '督办活动', [
          { code: 'research', label: '调研' },
          { code: 'forum', label: '座谈' },
          { code: 'meeting', label: '督办会' },
        ]),
        date('date', '日期'),
        textarea('note', '情况'),
      ],
    },
  ],
};

const rating = [
  select('adoption', '采纳情况', 'adoptionScale'),
  select('satisfaction', '满意度', 'satisfactionScale'),
  textarea('comment', '意见', optional),
];

/** @type {Record<string, Variant[]>} keyed by follow-up action (domain/follow-up.ts) */
export const followUpForms = {
  acknowledge: [{ fields: [] }],
  respond: [
    {
      fields: [
        textarea('content', '答复内容'),
        lines('commitments', '承诺事项（每行一项，可不填）', optional),
      ],
    },
  ],
  evaluate: [{ fields: rating }],
  sendBack: [{ fields: rating }],
  checkIn: [{ fields: [textarea('progress', '落实进展')] }],
  reportDone: [{ fields: [textarea('summary', '落实情况')] }],
  withdraw: [{ fields: [textarea('reason', '撤销理由')] }],
};

/** @type {Record<string, Variant[]>} keyed by posting action (domain/supervision.ts) */
export const postingForms = {
  logActivity: [
    {
      fields: [
        select('kind', '活动类型', 'postingActivities'),
        date('date', '日期'),
        textarea('summary', '情况摘要'),
        list('participants', '参加人员（用户编号，以逗号分隔）', optional),
      ],
    },
  ],
  sendLetter: [{ fields: [text('title', '标题'), textarea('content', '建议书正文')] }],
  endTerm: [{ fields: [textarea('reason', '提前结束原因')] }],
};

/**
 * The detail's `actions`, each with its form: what the page's action panel shows.
 * @param {{ name: string, label: string, path: string }[]} actions
 * @param {Record<string, Variant[]>} forms
 */
export const withForms = (actions, forms) =>
  actions.map((a) => ({ label: a.label, path: a.path, variants: forms[a.name] ?? [{ fields: [] }] }));

/**
 * The request body of a filled-in variant: fixed values, then each field's value, converted; empty
 * optional fields are left out (a missing required one is the API's to name).
 * @param {Variant} variant
 * @param {Record<string, string | string[] | undefined>} values raw form values by field name
 * @param {{ unitId?: string }} me
 */
export function toBody(variant, values, me) {
  /** @type {Record<string, unknown>} */
  const body = { ...variant.fixed };
  for (const field of variant.fields) {
    const value = field.type === 'ownUnit' ? me.unitId : convert(field, values[field.name]);
    if (value !== undefined) body[field.name] = value;
  }
  return body;
}

/** @param {Field} field @param {string | string[] | undefined} raw */
function convert(field, raw) {
  if (Array.isArray(raw)) return raw.length > 0 ? raw : undefined;
  const value = (raw ?? '').trim();
  if (field.type === 'lines' || field.type === 'list') {
    const items = value
      .split(field.type === 'lines' ? /\n/ : /[\s,，、;；]+/)
      .map((item) => item.trim())
      .filter(Boolean);
    return items.length > 0 ? items : undefined;
  }
  return value === '' ? undefined : value;
}
