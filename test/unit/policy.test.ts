import { defaultLadder } from '../../domain/ladder';
import {
  clockCodes,
  defaultPolicy,
  parsePolicy,
  policySchema,
  type ClockCode,
  type Policy,
} from '../../domain/policy';
import type { TimeLimit } from '../../domain/time';

const wd = (amount: number): TimeLimit => ({ unit: 'workingDays', amount });
const months = (amount: number): TimeLimit => ({ unit: 'months', amount });

/** A deep copy of the defaults, changed by `edit`, as an admin would POST it. */
function edited(edit: (doc: Policy & Record<string, unknown>) => void): unknown {
  const doc = structuredClone(defaultPolicy) as Policy & Record<string, unknown>;
  edit(doc);
  return doc;
}

function errorsOf(doc: unknown): { path: string; message: string }[] {
  const result = parsePolicy(doc);
  if (result.ok) throw new Error('expected the policy to be refused');
  return result.errors;
}

const pathsOf = (doc: unknown) => errorsOf(doc).map((error) => error.path);

describe('defaultPolicy', () => {
  it('is valid and survives parsing and a JSON round trip unchanged', () => {
    const result = parsePolicy(defaultPolicy);
    expect(result).toEqual({ ok: true, policy: defaultPolicy });
    expect(JSON.parse(JSON.stringify(defaultPolicy))).toEqual(defaultPolicy);
  });

  it('has the time limits of domain.md §2–§4', () => {
    const expected: Record<ClockCode, TimeLimit> = {
      cosigning: wd(5),
      review: wd(10),
      consent: wd(5),
      assignment: wd(5),
      signFor: wd(2),
      returnWindow: wd(5),
      returnRuling: wd(5),
      contact: wd(15),
      coHandlerOpinion: months(1),
      reply: months(3),
      replySignOff: wd(3),
      replyCheck: wd(5),
      feedback: wd(15),
      feedbackRuling: wd(5),
      rehandling: months(1),
      consultation: months(1),
      checkIn: months(3),
      acknowledge: wd(3),
      response: wd(20),
      evaluation: wd(10),
      followUpCheckIn: months(1),
      quarterlyLetter: months(3),
    };
    expect(Object.keys(defaultPolicy.clocks).sort()).toEqual([...clockCodes].sort());
    for (const code of clockCodes)
      expect([code, defaultPolicy.clocks[code].limit]).toEqual([code, expected[code]]);
    expect(defaultPolicy.replyCap).toEqual(months(6));
    expect(defaultPolicy.coHandlerMarginDays).toBe(20);
    expect(defaultPolicy.plenaryReplyDate).toBeUndefined();
  });

  it('escalates answers owed and only reminds about windows that close by themselves', () => {
    expect(defaultPolicy.ladders.standard).toEqual(defaultLadder);
    expect(defaultPolicy.ladders.reminderOnly.map((step) => step.kind)).toEqual(['reminder', 'reminder']);
    expect(defaultPolicy.clocks.reply.ladder).toBe('standard');
    expect(defaultPolicy.clocks.feedback.ladder).toBe('reminderOnly');
    expect(defaultPolicy.officeHours).toEqual({ time: '09:00' });
  });

  it('carries the default schemes and scales as data', () => {
    expect(defaultPolicy.resultClassScheme.map((c) => [c.code, c.label, c.opensFollowUp])).toEqual([
      ['A', '解决或采纳', false],
      ['B', '列入计划拟解决', true],
      ['C', '留作参考', false],
    ]);
    expect(defaultPolicy.satisfactionScale.map((s) => [s.code, s.label, s.counts])).toEqual([
      ['satisfied', '满意', 'satisfied'],
      ['basicallySatisfied', '基本满意', 'satisfied'],
      ['unsatisfied', '不满意', 'unsatisfied'],
    ]);
    expect(defaultPolicy.adoptionScale.map((s) => s.code)).toEqual([
      'adopted',
      'partlyAdopted',
      'notAdopted',
    ]);
    expect(defaultPolicy.notFiledReasons.map((r) => r.code)).toEqual(
      expect.arrayContaining(['personalMatter', 'underLitigation', 'noConcreteSuggestion', 'outOfScope']),
    );
    expect(defaultPolicy.flags).toEqual({ consultBeforeReply: true, committeeChecksReplies: 'keyProposals' });
  });

  it('runs follow-up kinds on the follow-up clocks', () => {
    const { recommendationLetter, commitment } = defaultPolicy.followUpKinds;
    expect(recommendationLetter).toMatchObject({
      acknowledge: 'acknowledge',
      response: 'response',
      evaluation: 'evaluation',
      checkIn: 'followUpCheckIn',
      sendBacks: 1,
    });
    expect(commitment.checkIn).toBe('checkIn');
    expect(Object.keys(defaultPolicy.followUpKinds)).toEqual([
      'recommendationLetter',
      'convertedSuggestion',
      'commitment',
      'instruction',
      'consultationResult',
    ]);
  });

  it('sets supervision postings to groups of 2–9 for 12 months, one letter a quarter', () => {
    expect(defaultPolicy.supervision).toEqual({
      groupSize: { min: 2, max: 9 },
      term: months(12),
      lettersPerQuarter: 1,
      quarterReminderWorkingDays: 10,
    });
  });
});

describe('reviewed replies (domain.md §2.5)', () => {
  it('fill in the review clocks and the committee-check flag in a policy stored before them', () => {
    const older = edited((doc) => {
      delete (doc.clocks as Partial<Policy['clocks']>).replySignOff;
      delete (doc.clocks as Partial<Policy['clocks']>).replyCheck;
      delete (doc.flags as Partial<Policy['flags']>).committeeChecksReplies;
    });
    expect(parsePolicy(older)).toEqual({ ok: true, policy: defaultPolicy });
  });

  it("keep an office's own review clocks and refuse an unknown check rule", () => {
    const own = edited((doc) => (doc.clocks.replyCheck = { ...doc.clocks.replyCheck, limit: wd(2) }));
    const parsed = parsePolicy(own);
    expect(parsed.ok && parsed.policy.clocks.replyCheck.limit).toEqual(wd(2));
    expect(pathsOf(edited((doc) => (doc.flags.committeeChecksReplies = 'sometimes' as never)))).toEqual([
      'flags.committeeChecksReplies',
    ]);
  });
});

describe('the notifications section', () => {
  it('defaults to office hours until 18:00, inbox + e-mail + SMS, no outside contact', () => {
    expect(defaultPolicy.notifications).toEqual({
      officeHoursEnd: '18:00',
      defaultChannels: ['inbox', 'email', 'sms'],
      inspectionOffice: null,
      reportList: [],
    });
  });

  it('is filled with the defaults in a policy stored before it existed', () => {
    const older = edited((doc) => delete (doc as Partial<Policy>).notifications);
    expect(parsePolicy(older)).toEqual({ ok: true, policy: defaultPolicy });
  });

  it('accepts an inspection office and a report list', () => {
    const doc = edited((d) => {
      d.notifications.inspectionOffice = {
        name: '市政府督查室',
        email: 'ducha@example.gov.cn',
        webhook: { url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x', format: 'wecom' },
      };
      d.notifications.reportList = ['committee', 'leader'];
    });
    expect(parsePolicy(doc).ok).toBe(true);
  });

  it('refuses an end of office hours before their start, an unknown channel and a bad contact', () => {
    expect(pathsOf(edited((d) => (d.notifications.officeHoursEnd = '08:00')))).toEqual([
      'notifications.officeHoursEnd',
    ]);
    expect(pathsOf(edited((d) => (d.notifications.defaultChannels = ['fax' as never])))).toEqual([
      'notifications.defaultChannels.0',
    ]);
    const badContact = edited(
      (d) => (d.notifications.inspectionOffice = { name: '督查室', email: 'not-an-address' }),
    );
    expect(pathsOf(badContact)).toEqual(['notifications.inspectionOffice.email']);
    const badHook = edited(
      (d) =>
        (d.notifications.inspectionOffice = { name: '督查室', webhook: { url: 'ftp://x', format: 'json' } }),
    );
    expect(pathsOf(badHook)).toEqual(['notifications.inspectionOffice.webhook.url']);
  });
});

describe('parsePolicy refuses', () => {
  it('a negative time limit, naming its path', () => {
    const errors = errorsOf(edited((doc) => (doc.clocks.reply.limit = { unit: 'months', amount: -1 })));
    expect(errors).toEqual([{ path: 'clocks.reply.limit.amount', message: expect.any(String) }]);
  });

  it('an unknown time unit and a malformed fixed date', () => {
    expect(pathsOf(edited((doc) => (doc.replyCap = { unit: 'weeks', amount: 2 } as never)))).toEqual([
      'replyCap.unit',
    ]);
    expect(pathsOf(edited((doc) => (doc.clocks.reply.limit = { unit: 'fixedDate', date: '6-30' })))).toEqual([
      'clocks.reply.limit.date',
    ]);
  });

  it('a clock that names a ladder that does not exist', () => {
    const errors = errorsOf(edited((doc) => (doc.clocks.signFor.ladder = 'strict')));
    expect(errors).toEqual([{ path: 'clocks.signFor.ladder', message: expect.stringContaining("'strict'") }]);
  });

  it('a typo in a key, pointed at the typo', () => {
    const doc = edited((d) => {
      d.offiseHours = d.officeHours;
      delete (d as Partial<Policy>).officeHours;
    });
    expect(errorsOf(doc)).toEqual(
      expect.arrayContaining([
        { path: 'offiseHours', message: 'unknown key' },
        { path: 'officeHours', message: expect.any(String) },
      ]),
    );
    expect(pathsOf(edited((d) => Object.assign(d.clocks.reply, { limt: months(2) })))).toEqual([
      'clocks.reply.limt',
    ]);
    expect(pathsOf(edited((d) => Object.assign(d.flags, { consultBeforReply: false })))).toEqual([
      'flags.consultBeforReply',
    ]);
  });

  it('a missing or unknown clock', () => {
    expect(pathsOf(edited((doc) => delete (doc.clocks as Partial<Policy['clocks']>).review))).toEqual([
      'clocks.review',
    ]);
    expect(pathsOf(edited((doc) => Object.assign(doc.clocks, { replay: doc.clocks.reply })))).toContain(
      'clocks.replay',
    );
  });

  it('duplicate codes in a scheme and duplicate steps in a ladder', () => {
    expect(pathsOf(edited((doc) => doc.resultClassScheme.push({ ...doc.resultClassScheme[0] })))).toEqual([
      'resultClassScheme.3',
    ]);
    expect(pathsOf(edited((doc) => doc.ladders.standard.push({ ...doc.ladders.standard[0] })))).toEqual([
      'ladders.standard.5',
    ]);
  });

  it('an empty scheme or ladder', () => {
    expect(pathsOf(edited((doc) => (doc.satisfactionScale = [])))).toEqual(['satisfactionScale']);
    expect(pathsOf(edited((doc) => (doc.ladders.reminderOnly = [])))).toEqual(['ladders.reminderOnly']);
  });

  it('an office time that is not HH:mm', () => {
    expect(pathsOf(edited((doc) => (doc.officeHours.time = '9:00')))).toEqual(['officeHours.time']);
    expect(pathsOf(edited((doc) => (doc.officeHours.time = '24:00')))).toEqual(['officeHours.time']);
  });

  it('a plenary reply date that is not a yearly MM-DD, and accepts 06-30', () => {
    expect(pathsOf(edited((doc) => (doc.plenaryReplyDate = '02-29')))).toEqual(['plenaryReplyDate']);
    expect(parsePolicy(edited((doc) => (doc.plenaryReplyDate = '06-30'))).ok).toBe(true);
  });

  it('a follow-up kind on an unknown clock and a group size upside down', () => {
    expect(
      pathsOf(edited((doc) => (doc.followUpKinds.commitment.checkIn = 'quarterly' as ClockCode))),
    ).toEqual(['followUpKinds.commitment.checkIn']);
    expect(pathsOf(edited((doc) => (doc.supervision.groupSize = { min: 10, max: 9 })))).toEqual([
      'supervision.groupSize.max',
    ]);
  });

  it('something that is not a policy at all', () => {
    expect(parsePolicy(null).ok).toBe(false);
    expect(parsePolicy('standard').ok).toBe(false);
  });
});

it('accepts an office that defines its own ladder and points a clock at it', () => {
  const doc = edited((d) => {
    d.ladders.keyProposal = [{ ...d.ladders.standard[2], step: 'chaseEarly', urgent: true }];
    d.clocks.reply.ladder = 'keyProposal';
  });
  const parsed = policySchema.parse(doc);
  expect(parsed.clocks.reply.ladder).toBe('keyProposal');
  expect(parsed.ladders.keyProposal[0].urgent).toBe(true);
});
