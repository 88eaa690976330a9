import { z } from 'zod';
import { attachmentPolicySchema, defaultAttachmentPolicy } from './attachments';
import { defaultLadder, ladderStepSchema } from './ladder';
import { reviewClockDefaults } from './reply-review';
import { contactSchema, defaultNotificationPolicy, notificationPolicySchema } from './notifications';
import { monthDaySchema, timeLimitSchema, timeOfDaySchema, type TimeLimit } from './time';

/**
 * The policy document: every number and list an office may change without a deploy (domain.md).
 * Plain JSON data, snapshotted into a workflow's input when the workflow starts.
 */

/** Clocks of proposal handling (domain.md §2), then of follow-up items (§3, §4). */
export const clockCodes = [
  'cosigning',
  'review',
  'consent',
  'assignment',
  'signFor',
  'returnWindow',
  'returnRuling',
  'contact',
  'coHandlerOpinion',
  'reply',
  'replySignOff',
  'replyCheck',
  'feedback',
  'feedbackRuling',
  'rehandling',
  'consultation',
  'checkIn',
  'acknowledge',
  'response',
  'evaluation',
  'followUpCheckIn',
  'quarterlyLetter',
] as const;
export type ClockCode = (typeof clockCodes)[number];

export const followUpKindCodes = [
  'recommendationLetter',
  'convertedSuggestion',
  'commitment',
  'instruction',
  'consultationResult',
] as const;
export type FollowUpKind = (typeof followUpKindCodes)[number];

const label = z.string().trim().min(1);
const code = z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'expected a code of letters and digits');
const count = z.number().int().nonnegative();
const clockCode = z.enum(clockCodes);

/** A non-empty list whose entries are told apart by `key`: a duplicate would shadow its twin. */
function uniqueList<T>(entry: z.ZodType<T>, key: (item: T) => string) {
  return z
    .array(entry)
    .min(1)
    .superRefine((items, ctx) => {
      items.forEach((item, index) => {
        if (items.findIndex((other) => key(other) === key(item)) !== index) {
          ctx.addIssue({ code: 'custom', path: [index], message: `duplicate '${key(item)}'` });
        }
      });
    });
}

const codedEntry = z.strictObject({ code, label });

const clockSchema = z.strictObject({
  limit: timeLimitSchema,
  /** Key of `ladders`; checked below. */
  ladder: z.string().min(1),
  label,
});

const followUpKindSchema = z.strictObject({
  label,
  acknowledge: clockCode,
  response: clockCode,
  /** The sender rates the response; null = no evaluation step. */
  evaluation: clockCode.nullable(),
  /** Progress check-ins on commitments until done; null = none. */
  checkIn: clockCode.nullable(),
  /** How many times an unsatisfactory response may be sent back for a new one. */
  sendBacks: count,
});

export const policySchema = z
  .strictObject({
    /** Reminders and escalations go out at this wall-clock time, Asia/Shanghai. */
    officeHours: z.strictObject({ time: timeOfDaySchema }),
    ladders: z.record(
      z.string().min(1),
      uniqueList(ladderStepSchema, (step) => step.step),
    ),
    /** Clocks added after the first release get their defaults in a policy stored before them. */
    clocks: z.preprocess(
      (clocks) => (clocks && typeof clocks === 'object' ? { ...reviewClockDefaults, ...clocks } : clocks),
      z.record(clockCode, clockSchema),
    ),
    /** Reply time including all extensions never exceeds this, counted from assignment. */
    replyCap: timeLimitSchema,
    /** A co-handler's opinion is due at the latest this many calendar days before the lead's reply. */
    coHandlerMarginDays: count,
    /** Plenary proposals' replies due on this MM-DD instead of `clocks.reply`. */
    plenaryReplyDate: monthDaySchema.optional(),
    resultClassScheme: uniqueList(
      z.strictObject({ code, label, description: label, opensFollowUp: z.boolean() }),
      (entry) => entry.code,
    ),
    /** `counts` says on which side of 满意率 a rating falls; logic never reads the label. */
    satisfactionScale: uniqueList(
      z.strictObject({ code, label, counts: z.enum(['satisfied', 'unsatisfied']) }),
      (entry) => entry.code,
    ),
    /** `counts` says whether a rating counts towards the adoption rate (domain.md §7); never the label. */
    adoptionScale: uniqueList(
      z.strictObject({ code, label, counts: z.enum(['adopted', 'notAdopted']) }),
      (entry) => entry.code,
    ),
    notFiledReasons: uniqueList(codedEntry, (entry) => entry.code),
    flags: z.strictObject({
      /** 先协商后答复: a reply is refused until a contact with the proposer is recorded. */
      consultBeforeReply: z.boolean(),
      /**
       * Which replies the committee checks before release (domain.md §2.5): key proposals' (default),
       * all, or none. A policy stored before the flag existed gets the default.
       */
      committeeChecksReplies: z.enum(['keyProposals', 'all', 'none']).default('keyProposals'),
    }),
    followUpKinds: z.record(z.enum(followUpKindCodes), followUpKindSchema),
    supervision: z.strictObject({
      groupSize: z
        .strictObject({ min: z.number().int().positive(), max: z.number().int().positive() })
        .refine((size) => size.min <= size.max, { message: 'min exceeds max', path: ['max'] }),
      term: timeLimitSchema,
      lettersPerQuarter: count,
      /**
       * Remind the group's secretary this many working days before a quarter ends without a letter.
       * Informative: postings fire the reminder from the ladder of `clocks.quarterlyLetter`, whose default
       * step is built from this number; keep the two equal when editing.
       */
      quarterReminderWorkingDays: count,
    }),
    /** Recipients outside the directory, office hours of delivery, default channels (domain.md §5). */
    notifications: notificationPolicySchema.default(defaultNotificationPolicy),
    /** Files on items: size and count limits, the types taken (domain/attachments.ts). */
    attachments: attachmentPolicySchema.default(defaultAttachmentPolicy),
  })
  .superRefine((policy, ctx) => {
    // 'HH:mm' strings order like the times they name (a malformed start is reported on its own).
    const start = policy.officeHours.time;
    if (timeOfDaySchema.safeParse(start).success && policy.notifications.officeHoursEnd <= start)
      ctx.addIssue({
        code: 'custom',
        path: ['notifications', 'officeHoursEnd'],
        message: `must be later than officeHours.time (${start})`,
      });
    for (const [clock, { ladder }] of Object.entries(policy.clocks)) {
      if (!(ladder in policy.ladders)) {
        const known = Object.keys(policy.ladders).join(', ');
        ctx.addIssue({
          code: 'custom',
          path: ['clocks', clock, 'ladder'],
          message: `unknown ladder '${ladder}' (known: ${known})`,
        });
      }
    }
  });

export type Policy = z.infer<typeof policySchema>;

/**
 * The policy as GET /api/policy shows it: the inspection office's contact block (names, addresses, its
 * robot) only to admins, who maintain it; to everyone else without `notifications.inspectionOffice`.
 * The office webhook's URL is always masked (store/policy.ts keeps it sealed).
 */
export const policyViewSchema = z.strictObject({
  ...policySchema.shape,
  notifications: notificationPolicySchema.extend({
    inspectionOffice: contactSchema
      .nullable()
      .optional()
      .describe("Admins only: the inspection office's contact; the webhook URL's query values show as ****"),
  }),
});

/** `policy` as `admin` (or not) may read it. */
export function policyAsSeenBy(policy: Policy, admin: boolean): z.output<typeof policyViewSchema> {
  if (admin) return policy;
  const { inspectionOffice: _omitted, ...notifications } = policy.notifications; // eslint-disable-line @typescript-eslint/no-unused-vars
  return { ...policy, notifications };
}

export type PolicyParseResult =
  { ok: true; policy: Policy } | { ok: false; errors: { path: string; message: string }[] };

export function parsePolicy(doc: unknown): PolicyParseResult {
  const result = policySchema.safeParse(doc);
  if (result.success) return { ok: true, policy: result.data };
  // One error per unknown key, at the key's own path, so a typo is pointed at where it is.
  const errors = result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: [...issue.path, key].join('.'), message: 'unknown key' }))
      : [{ path: issue.path.join('.'), message: issue.message }],
  );
  return { ok: false, errors };
}

const workingDays = (amount: number): TimeLimit => ({ unit: 'workingDays', amount });
const months = (amount: number): TimeLimit => ({ unit: 'months', amount });

/** Windows that simply close (co-signing, return request, feedback, evaluation) are reminded, never escalated. */
const clock = (label: string, limit: TimeLimit, ladder: 'standard' | 'reminderOnly' = 'standard') => ({
  limit,
  ladder,
  label,
});

type FollowUpKindPolicy = Policy['followUpKinds'][FollowUpKind];

/** Every follow-up item is signed for and answered on the follow-up clocks unless said otherwise. */
const followUpKind = (
  label: string,
  { response = 'response', evaluation = null, checkIn = null, sendBacks = 0 }: Partial<FollowUpKindPolicy>,
): FollowUpKindPolicy => ({ label, acknowledge: 'acknowledge', response, evaluation, checkIn, sendBacks });

/** domain.md §3: the group's secretary is reminded 10 wd before a quarter ends without a letter. */
const quarterReminderWorkingDays = 10;

/** The defaults of domain.md §2–§5. */
export const defaultPolicy: Policy = {
  officeHours: { time: '09:00' },
  ladders: {
    standard: defaultLadder,
    reminderOnly: defaultLadder.filter((step) => step.kind === 'reminder'),
    quarterlyLetter: [
      {
        step: `reminder-${quarterReminderWorkingDays}wd`,
        kind: 'reminder',
        offset: { amount: -quarterReminderWorkingDays, unit: 'workingDays' },
        to: ['secretary'],
      },
    ],
  },
  clocks: {
    cosigning: clock('联名确认', workingDays(5), 'reminderOnly'),
    review: clock('立案审查', workingDays(10)),
    // Not fixed by domain.md: the proposer's consent to converting a proposal, and the committee's
    // decisions after an unsatisfied rating, get working-day windows so nothing waits silently.
    consent: clock('转办征求意见', workingDays(5), 'reminderOnly'),
    assignment: clock('交办', workingDays(5)),
    signFor: clock('签收', workingDays(2)),
    returnWindow: clock('申请退回', workingDays(5), 'reminderOnly'),
    returnRuling: clock('退回审核', workingDays(5)),
    contact: clock('办前沟通', workingDays(15)),
    coHandlerOpinion: clock('会办意见', months(1)),
    reply: clock('书面答复', months(3)),
    // The review of a reply before release (§2.5): domain/reply-review.ts.
    ...reviewClockDefaults,
    feedback: clock('征询意见', workingDays(15), 'reminderOnly'),
    feedbackRuling: clock('不满意件处理决定', workingDays(5)),
    rehandling: clock('重新办理', months(1)),
    consultation: clock('当面协商', months(1)),
    checkIn: clock('跟踪落实', months(3)),
    acknowledge: clock('跟踪事项签收', workingDays(3)),
    response: clock('跟踪事项答复', workingDays(20)),
    evaluation: clock('答复评价', workingDays(10), 'reminderOnly'),
    followUpCheckIn: clock('落实进展', months(1)),
    // A posting's window for the quarter's letter: due on each calendar quarter's last day (the posting
    // passes that date, so the limit here is nominal); it reminds the group's secretary, never escalates.
    quarterlyLetter: { ...clock('本季度民主监督建议书', months(3)), ladder: 'quarterlyLetter' },
  },
  replyCap: months(6),
  coHandlerMarginDays: 20,
  resultClassScheme: [
    { code: 'A', label: '解决或采纳', description: '所提问题已经解决或建议已被采纳', opensFollowUp: false },
    {
      code: 'B',
      label: '列入计划拟解决',
      description: '列入工作计划，附承诺事项和完成时限',
      opensFollowUp: true,
    },
    {
      code: 'C',
      label: '留作参考',
      description: '因条件限制暂不能解决，说明理由后留作参考',
      opensFollowUp: false,
    },
  ],
  satisfactionScale: [
    { code: 'satisfied', label: '满意', counts: 'satisfied' },
    { code: 'basicallySatisfied', label: '基本满意', counts: 'satisfied' },
    { code: 'unsatisfied', label: '不满意', counts: 'unsatisfied' },
  ],
  adoptionScale: [
    { code: 'adopted', label: '采纳', counts: 'adopted' },
    { code: 'partlyAdopted', label: '部分采纳', counts: 'adopted' },
    { code: 'notAdopted', label: '未采纳', counts: 'notAdopted' },
  ],
  notFiledReasons: [
    { code: 'personalMatter', label: '个人事务' },
    { code: 'underLitigation', label: '涉及诉讼' },
    { code: 'noConcreteSuggestion', label: '无具体建议' },
    { code: 'outOfScope', label: '不属于政协职能' },
    { code: 'stateSecret', label: '涉及国家秘密' },
  ],
  flags: { consultBeforeReply: true, committeeChecksReplies: 'keyProposals' },
  followUpKinds: {
    recommendationLetter: followUpKind('民主监督建议书', {
      evaluation: 'evaluation',
      checkIn: 'followUpCheckIn',
      sendBacks: 1,
    }),
    convertedSuggestion: followUpKind('转为意见建议', {}),
    // A class-B reply's commitments: progress every 3 months until reported done (§2.8).
    commitment: followUpKind('办理承诺落实', { response: 'checkIn', checkIn: 'checkIn' }),
    instruction: followUpKind('社情民意信息批示', {}),
    consultationResult: followUpKind('协商成果', { evaluation: 'evaluation', checkIn: 'followUpCheckIn' }),
  },
  supervision: {
    groupSize: { min: 2, max: 9 },
    term: months(12),
    lettersPerQuarter: 1,
    quarterReminderWorkingDays,
  },
  notifications: defaultNotificationPolicy,
  attachments: defaultAttachmentPolicy,
};
