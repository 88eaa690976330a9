import type { Audience, ClockSnapshot, PlannedStep } from '../../domain/ladder';
import {
  defaultNotificationPolicy,
  deliveries,
  nextAttemptDelay,
  resolveRecipients,
  stepMessage,
  type AudienceFacts,
  type Channel,
} from '../../domain/notifications';

const facts = (extra: Partial<AudienceFacts> = {}): AudienceFacts => ({
  responsible: { unitId: 'unit-housing' },
  unit: { kind: 'handlingUnit', leaderId: 'housing-leader', secretaryIds: ['housing-secretary'] },
  unitPeople: ['housing'],
  committee: ['committee'],
  leaders: ['leader', 'leader-2'],
  committeeSecretaries: ['committee-secretary'],
  notifications: defaultNotificationPolicy,
  ...extra,
});

const ids = (to: Audience[], f: AudienceFacts) =>
  resolveRecipients(to, f).map((r) => `${r.audience}:${r.id}`);

describe('resolveRecipients', () => {
  it('reminds the unit liaison and copies the unit secretary', () => {
    expect(ids(['responsible', 'secretary'], facts())).toEqual([
      'responsible:housing',
      'secretary:housing-secretary',
    ]);
  });

  it('prefers the named people of the clock over the unit', () => {
    expect(
      ids(['responsible'], facts({ responsible: { unitId: 'unit-housing', userIds: ['zhang'] } })),
    ).toEqual(['responsible:zhang']);
  });

  it('chases the unit leader with a copy to committee staff', () => {
    expect(ids(['unitLeader', 'committee'], facts())).toEqual([
      'unitLeader:housing-leader',
      'committee:committee',
    ]);
  });

  it('escalates a key proposal to its own leader, any other item to every leader', () => {
    expect(ids(['leader'], facts({ leaderId: 'leader-2' }))).toEqual(['leader:leader-2']);
    expect(ids(['leader'], facts())).toEqual(['leader:leader', 'leader:leader-2']);
  });

  it('answers for a supervision group through its leader and its secretary', () => {
    const group = facts({
      responsible: { groupId: 'group-ecology' },
      unit: undefined,
      unitPeople: [],
      group: { leaderId: 'supervisor-he', secretaryId: 'group-secretary' },
    });
    expect(ids(['responsible', 'secretary', 'unitLeader'], group)).toEqual([
      'responsible:supervisor-he',
      'secretary:group-secretary',
    ]);
  });

  it("holds the committee to its own clocks and copies the committee office's secretaries", () => {
    const own = facts({ responsible: {}, unit: undefined, unitPeople: [] });
    expect(ids(['responsible', 'secretary'], own)).toEqual([
      'responsible:committee',
      'secretary:committee-secretary',
    ]);
  });

  it('adds the inspection office and the report list from the policy, when configured', () => {
    expect(ids(['leader', 'inspectionOffice', 'reportList'], facts({ leaderId: 'leader' }))).toEqual([
      'leader:leader',
    ]);
    const notifications = {
      ...defaultNotificationPolicy,
      inspectionOffice: { name: '市政府督查室', email: 'ducha@example.gov.cn' },
      reportList: ['committee', 'leader'],
    };
    expect(
      ids(['leader', 'inspectionOffice', 'reportList'], facts({ leaderId: 'leader', notifications })),
    ).toEqual(['leader:leader', 'inspectionOffice:@inspectionOffice', 'reportList:committee']);
  });
});

describe('deliveries', () => {
  const all = new Set<Channel>(['inbox', 'email', 'sms', 'webhook']);
  const person = { userId: 'housing', inbox: true, email: 'h@example.gov.cn', phone: '13800000000' };
  const channelsOf = (...args: Parameters<typeof deliveries>) => deliveries(...args).map((d) => d.channel);

  it('sends on the wanted channels the person has an address for, and always to the inbox', () => {
    expect(channelsOf(['email', 'sms', 'webhook'], person, all)).toEqual(['inbox', 'email', 'sms']);
    expect(channelsOf(['sms'], { ...person, phone: undefined }, all)).toEqual(['inbox']);
  });

  it('skips a channel the deployment cannot send on', () => {
    expect(channelsOf(['email', 'sms'], person, new Set<Channel>(['inbox', 'email']))).toEqual([
      'inbox',
      'email',
    ]);
  });

  it('reaches an outside contact on every address it has, without an inbox', () => {
    const office = {
      inbox: false,
      email: 'ducha@example.gov.cn',
      webhook: { url: 'https://x', format: 'wecom' as const },
    };
    expect(deliveries(['email', 'sms', 'webhook'], office, all)).toEqual([
      { channel: 'email', address: { email: 'ducha@example.gov.cn' } },
      { channel: 'webhook', address: { webhook: office.webhook } },
    ]);
  });
});

describe('stepMessage', () => {
  const clock = {
    itemId: 'proposal-2026-0123',
    label: '书面答复',
    plan: { deadline: { due: '2026-12-31' } },
  } as unknown as ClockSnapshot;
  const step = { kind: 'chaseNotice' } as PlannedStep;

  it('says in Chinese what, which item, by when, and where to act', () => {
    const message = stepMessage({ clock, step }, 'committee', 'https://huiyin.example.gov.cn/');
    expect(message.subject).toBe('【回音】催办通知：书面答复（proposal-2026-0123），期限 2026-12-31');
    expect(message.link).toBe('https://huiyin.example.gov.cn/items/proposal-2026-0123');
    expect(message.text).toContain('催办通知（抄送：提案委员会办公室）');
    expect(message.text).toContain('期限：2026-12-31');
    expect(message.text).toContain('已逾期未办');
    expect(message.text).toContain(message.link);
  });
});

describe('nextAttemptDelay', () => {
  const rule = { maxAttempts: 4, firstDelayMs: 1_000, maxDelayMs: 3_000 };
  it('doubles from the first delay, capped, and gives up after the last attempt', () => {
    expect([1, 2, 3, 4].map((attempts) => nextAttemptDelay(attempts, rule))).toEqual([
      1_000,
      2_000,
      3_000,
      undefined,
    ]);
  });
});
