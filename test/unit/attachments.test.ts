/** The attachment rules of domain/attachments.ts: types by content, names, limits in the policy, who adds what. */
import {
  activityUploadRefusal,
  attachmentPolicySchema,
  contentProblem,
  defaultAttachmentPolicy,
  followUpUploadRefusal,
  mediaProblem,
  nameProblem,
  proposalUploadRefusal,
  typeOfMedia,
  zipEntryNames,
} from '../../domain/attachments';
import { defaultPolicy, parsePolicy } from '../../domain/policy';
import type { Caller } from '../../domain/roles';

/** A zip's local file header naming `name`, with `size` bytes of stored data after it. */
function zipEntry(name: string, size = 10) {
  const header = Buffer.alloc(30);
  header.write('PK\x03\x04', 0, 'latin1');
  header.writeUInt16LE(Buffer.byteLength(name), 26);
  return Buffer.concat([header, Buffer.from(name), Buffer.alloc(size)]);
}
const ooxml = (...parts: string[]) =>
  Buffer.concat(['[Content_Types].xml', ...parts].map((n) => zipEntry(n)));

describe('types', () => {
  test('declared media types map to types; parameters and case do not matter', () => {
    expect(typeOfMedia('application/pdf')).toBe('pdf');
    expect(typeOfMedia('Image/JPEG; q=1')).toBe('jpeg');
    expect(typeOfMedia('image/jpg')).toBe('jpeg');
    expect(typeOfMedia('text/plain')).toBeUndefined();
    expect(typeOfMedia(undefined)).toBeUndefined();
  });

  test('a type the policy does not take is refused, naming the ones it does', () => {
    const policy = { ...defaultAttachmentPolicy, types: ['pdf' as const] };
    expect(mediaProblem('application/pdf', policy)).toBeUndefined();
    expect(mediaProblem('image/png', policy)).toContain('application/pdf');
    expect(mediaProblem(undefined, policy)).toContain('未声明');
  });

  test('content must carry the declared type’s signature', () => {
    expect(contentProblem('pdf', Buffer.from('%PDF-1.4 …'))).toBeUndefined();
    expect(contentProblem('pdf', Buffer.from('<html>'))).toContain('PDF');
    expect(
      contentProblem('png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0])),
    ).toBeUndefined();
    expect(contentProblem('jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xdb]))).toBeUndefined();
    expect(contentProblem('gif', Buffer.from('GIF89a…'))).toBeUndefined();
    expect(contentProblem('webp', Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1'))).toBeUndefined();
    expect(contentProblem('jpeg', Buffer.from('%PDF-1.4'))).toBeDefined();
    const ole = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]);
    expect(contentProblem('doc', ole)).toBeUndefined();
    expect(contentProblem('xls', ole)).toBeUndefined();
    expect(contentProblem('docx', ole)).toBeDefined();
  });

  test('an OOXML document is a zip whose parts are the declared kind’s', () => {
    expect(zipEntryNames(ooxml('word/document.xml'))).toEqual(['[Content_Types].xml', 'word/document.xml']);
    expect(contentProblem('docx', ooxml('_rels/.rels', 'word/document.xml'))).toBeUndefined();
    expect(contentProblem('xlsx', ooxml('xl/workbook.xml'))).toBeUndefined();
    expect(contentProblem('pptx', ooxml('ppt/presentation.xml'))).toBeUndefined();
    expect(contentProblem('xlsx', ooxml('word/document.xml'))).toBeDefined();
    // A plain zip (no content types, no Office part) is not a document.
    expect(contentProblem('docx', zipEntry('photos/1.jpg'))).toContain('Office Open XML');
    // Parts beyond the bytes looked at: the container alone decides.
    expect(contentProblem('docx', ooxml())).toBeUndefined();
  });
});

describe('names', () => {
  test('any readable name without a path is kept', () => {
    expect(nameProblem('关于加快老旧小区改造的答复（盖章）.pdf')).toBeUndefined();
    expect(nameProblem('')).toBeDefined();
    expect(nameProblem('   ')).toBeDefined();
    expect(nameProblem('../etc/passwd')).toContain('/');
    expect(nameProblem('a\\b.pdf')).toBeDefined();
    expect(nameProblem('a\nb.pdf')).toContain('控制字符');
    expect(nameProblem('..')).toBeDefined();
    expect(nameProblem('名'.repeat(200))).toBeUndefined();
    expect(nameProblem('名'.repeat(201))).toContain('200');
  });
});

describe('limits in the policy', () => {
  test('a policy without the section gets the defaults; a bad limit names its path', () => {
    const { attachments: _omitted, ...older } = defaultPolicy; // eslint-disable-line @typescript-eslint/no-unused-vars
    const parsed = parsePolicy(older);
    expect(parsed.ok && parsed.policy.attachments).toEqual(defaultAttachmentPolicy);
    const bad = parsePolicy({ ...defaultPolicy, attachments: { ...defaultAttachmentPolicy, maxBytes: 0 } });
    expect(bad.ok ? [] : bad.errors.map((e) => e.path)).toEqual(['attachments.maxBytes']);
    const types = attachmentPolicySchema.safeParse({ ...defaultAttachmentPolicy, types: ['pdf', 'pdf'] });
    expect(types.success).toBe(false);
    expect(attachmentPolicySchema.safeParse({ ...defaultAttachmentPolicy, types: ['exe'] }).success).toBe(
      false,
    );
  });
});

describe('who adds what', () => {
  const person = (id: string, roles: Caller['roles'], extra: Partial<Caller> = {}): Caller => ({
    id,
    roles,
    ...extra,
  });
  const member = person('m1', ['member']);
  const housing = person('h1', ['unit'], { unitId: 'unit-housing' });
  const committee = person('c1', ['committee']);
  const proposal = { proposerIds: ['m1'], unitIds: ['unit-housing'], final: false };

  test('proposal: proposers materials while it is handled; its unit its reply; staff either', () => {
    expect(proposalUploadRefusal(member, proposal, 'material', undefined)).toBeUndefined();
    expect(proposalUploadRefusal(member, { ...proposal, final: true }, 'material', undefined)).toMatchObject({
      status: 409,
      code: 'notRunning',
    });
    expect(proposalUploadRefusal(housing, proposal, 'material', undefined)?.status).toBe(403);
    expect(proposalUploadRefusal(housing, proposal, 'reply', 'unit-housing')).toBeUndefined();
    expect(
      proposalUploadRefusal(housing, { ...proposal, final: true }, 'reply', 'unit-housing'),
    ).toBeUndefined();
    expect(proposalUploadRefusal(housing, proposal, 'reply', 'unit-education')?.status).toBe(403);
    expect(proposalUploadRefusal(member, proposal, 'reply', 'unit-housing')?.status).toBe(403);
    expect(proposalUploadRefusal(committee, proposal, 'reply', 'unit-housing')).toBeUndefined();
    expect(proposalUploadRefusal(committee, proposal, 'reply', undefined)?.status).toBe(403);
  });

  test('follow-up item: the sender its letter, the responding unit its response', () => {
    const item = { isSender: false, responderUnitId: 'unit-housing' };
    expect(followUpUploadRefusal(housing, item, 'response')).toBeUndefined();
    expect(followUpUploadRefusal(housing, item, 'letter')?.status).toBe(403);
    expect(followUpUploadRefusal(member, { ...item, isSender: true }, 'letter')).toBeUndefined();
    expect(followUpUploadRefusal(member, { ...item, isSender: true }, 'response')?.status).toBe(403);
    expect(
      followUpUploadRefusal(person('s', ['secretary'], { unitId: 'unit-housing' }), item, 'response')?.status,
    ).toBe(403);
    expect(followUpUploadRefusal(committee, item, 'response')).toBeUndefined();
  });

  test('activity: the posted group and staff', () => {
    const posting = { groupId: 'group-ecology' };
    expect(
      activityUploadRefusal(person('s', ['supervisor'], { groupId: 'group-ecology' }), posting),
    ).toBeUndefined();
    expect(
      activityUploadRefusal(person('s', ['secretary'], { groupId: 'group-ecology' }), posting),
    ).toBeUndefined();
    expect(
      activityUploadRefusal(person('s', ['supervisor'], { groupId: 'group-river' }), posting)?.status,
    ).toBe(403);
    expect(
      activityUploadRefusal(person('d', ['department'], { unitId: 'dept-ecology' }), posting)?.status,
    ).toBe(403);
    expect(activityUploadRefusal(person('a', ['admin']), posting)).toBeUndefined();
  });
});
