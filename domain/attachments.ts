/**
 * Attachments (附件): the files a proposal's proposers add (materials), a handling unit's sealed reply
 * (答复件), a follow-up item's letter and its responses, a supervision activity's records. The rules
 * here are pure: which types the policy allows, what a file's first bytes must look like for the type
 * it declares, what a file name may be, and who may add a file to what.
 */
import { z } from 'zod';
import { responderRoles } from './follow-up';
import { belongsToGroup, belongsToUnit, hasRole, type Caller, type Role } from './roles';

export const attachmentTypeCodes = [
  'pdf',
  'png',
  'jpeg',
  'gif',
  'webp',
  'docx',
  'xlsx',
  'pptx',
  'doc',
  'xls',
  'ppt',
] as const;
export type AttachmentType = (typeof attachmentTypeCodes)[number];

/** What the first bytes of a file can tell: its container, and for OOXML the part that names the kind. */
type Signature = 'pdf' | 'png' | 'jpeg' | 'gif' | 'webp' | 'zip' | 'ole';

export const attachmentTypes: Record<
  AttachmentType,
  { mime: string; label: string; signature: Signature; ooxmlPart?: string }
> = {
  pdf: { mime: 'application/pdf', label: 'PDF', signature: 'pdf' },
  png: { mime: 'image/png', label: 'PNG 图片', signature: 'png' },
  jpeg: { mime: 'image/jpeg', label: 'JPEG 图片', signature: 'jpeg' },
  gif: { mime: 'image/gif', label: 'GIF 图片', signature: 'gif' },
  webp: { mime: 'image/webp', label: 'WebP 图片', signature: 'webp' },
  docx: {
    mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    label: 'Word 文档',
    signature: 'zip',
    ooxmlPart: 'word/',
  },
  xlsx: {
    mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    label: 'Excel 表格',
    signature: 'zip',
    ooxmlPart: 'xl/',
  },
  pptx: {
    mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    label: 'PowerPoint 演示文稿',
    signature: 'zip',
    ooxmlPart: 'ppt/',
  },
  doc: { mime: 'application/msword', label: 'Word 97–2003 文档', signature: 'ole' },
  xls: { mime: 'application/vnd.ms-excel', label: 'Excel 97–2003 表格', signature: 'ole' },
  ppt: { mime: 'application/vnd.ms-powerpoint', label: 'PowerPoint 97–2003 演示文稿', signature: 'ole' },
};

const MiB = 1024 * 1024;

/** The policy's `attachments` section: how large a file may be, how many one item takes, which types. */
export const attachmentPolicySchema = z.strictObject({
  /** The largest file taken, in bytes (at most 64 MiB: files are kept in the database). */
  maxBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * MiB),
  /** How many files one item (a proposal, a follow-up item, an activity) takes. */
  maxPerItem: z.number().int().min(1).max(200),
  /** The types taken (codes of `attachmentTypes`). */
  types: z
    .array(z.enum(attachmentTypeCodes))
    .min(1)
    .refine((types) => new Set(types).size === types.length, { message: 'duplicate type' }),
});
export type AttachmentPolicy = z.infer<typeof attachmentPolicySchema>;

export const defaultAttachmentPolicy: AttachmentPolicy = {
  maxBytes: 20 * MiB,
  maxPerItem: 20,
  types: [...attachmentTypeCodes],
};

/** How many leading bytes `contentProblem` looks at (an OOXML package names its parts early). */
export const SNIFF_BYTES = 64 * 1024;

/** The type a declared media type names (parameters such as `; charset` ignored), if any. */
export function typeOfMedia(contentType: string | undefined): AttachmentType | undefined {
  const media = contentType?.split(';')[0].trim().toLowerCase();
  if (media === 'image/jpg' || media === 'image/pjpeg') return 'jpeg';
  return attachmentTypeCodes.find((code) => attachmentTypes[code].mime === media);
}

/** Why a declared media type is not taken under `policy` (415), or undefined. */
export function mediaProblem(contentType: string | undefined, policy: AttachmentPolicy): string | undefined {
  const type = typeOfMedia(contentType);
  if (type && policy.types.includes(type)) return undefined;
  const allowed = policy.types.map((code) => attachmentTypes[code].mime).join('、');
  return `不支持的文件类型 ${contentType ?? '（未声明 Content-Type）'}，可上传：${allowed}`;
}

const startsWith = (head: Buffer, bytes: number[], at = 0) =>
  head.length >= at + bytes.length && bytes.every((b, i) => head[at + i] === b);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

function signatureOf(head: Buffer): Signature | undefined {
  if (startsWith(head, ascii('%PDF-'))) return 'pdf';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a'))) return 'gif';
  if (startsWith(head, ascii('RIFF')) && startsWith(head, ascii('WEBP'), 8)) return 'webp';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return 'zip';
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'ole';
  return undefined;
}

/** The names of the zip entries whose local headers lie within `head`. */
export function zipEntryNames(head: Buffer): string[] {
  const names: string[] = [];
  for (let at = head.indexOf('PK\x03\x04', 0, 'latin1'); at >= 0;) {
    if (at + 30 > head.length) break;
    const nameLength = head.readUInt16LE(at + 26);
    if (at + 30 + nameLength > head.length) break;
    names.push(head.toString('utf8', at + 30, at + 30 + nameLength));
    at = head.indexOf('PK\x03\x04', at + 30 + nameLength, 'latin1');
  }
  return names;
}

/**
 * Why a file's first bytes (`head`: up to SNIFF_BYTES, or the whole file if shorter) do not fit the
 * type it declares (415), or undefined. Images and PDF by their signatures; Office documents by their
 * container (an OOXML zip whose parts, as far as `head` lists them, are the declared kind's — a
 * `word/` part in a declared spreadsheet is refused; the legacy formats' OLE2 compound file).
 */
export function contentProblem(type: AttachmentType, head: Buffer): string | undefined {
  const expected = attachmentTypes[type];
  const found = signatureOf(head);
  const mismatch = `文件内容不是所声明的 ${expected.label}（${expected.mime}）`;
  if (found !== expected.signature) return mismatch;
  if (expected.ooxmlPart) {
    const names = zipEntryNames(head);
    if (!names.includes('[Content_Types].xml') && !names.some((n) => /^(word|xl|ppt)\//.test(n)))
      return `${mismatch}：不是 Office Open XML 文档`;
    const parts = ['word/', 'xl/', 'ppt/'].filter((part) => names.some((n) => n.startsWith(part)));
    if (parts.length > 0 && !parts.includes(expected.ooxmlPart)) return mismatch;
  }
  return undefined;
}

/** Why a file name is refused (400, naming the field), or undefined. Kept as given otherwise. */
export function nameProblem(name: string): string | undefined {
  if (name.trim().length === 0) return '不能为空';
  if ([...name].length > 200) return '至多 200 个字符';
  if ([...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return '不能含控制字符';
  if (/[/\\]/.test(name)) return '不能含路径分隔符 / 或 \\';
  if (name.trim() === '.' || name.trim() === '..') return '不是文件名';
  return undefined;
}

/** What an attachment is to its item. */
export const attachmentPurposes = {
  proposal: ['material', 'reply'],
  followUp: ['letter', 'response'],
  activity: ['record'],
} as const;
export type AttachableKind = keyof typeof attachmentPurposes;
export type AttachmentPurpose = (typeof attachmentPurposes)[AttachableKind][number];

export const attachmentPurposeLabels: Record<AttachmentPurpose, string> = {
  material: '提案材料',
  reply: '答复件',
  letter: '来件材料',
  response: '答复材料',
  record: '活动记录',
};

/** Committee staff add files to anything they may read. */
const staffRoles: readonly Role[] = ['committee', 'admin'];
const handlingUnitRoles: readonly Role[] = ['unit', 'unitLeader', 'secretary'];

/** A refusal of an upload: 403 (not this caller's to add) or 409 (not now). */
export interface UploadRefusal {
  status: 403 | 409;
  code: string;
  message: string;
}
const refuse = (message: string): UploadRefusal => ({ status: 403, code: 'forbidden', message });

/**
 * Who may add what to a proposal: its proposers materials while it is handled (not final); the people
 * of a unit handling it their unit's reply (答复件, any time); committee staff either.
 */
export function proposalUploadRefusal(
  caller: Caller,
  proposal: { proposerIds: string[]; unitIds: string[]; final: boolean },
  purpose: AttachmentPurpose,
  unitId: string | undefined,
): UploadRefusal | undefined {
  const staff = hasRole(caller, ...staffRoles);
  if (purpose === 'material') {
    if (!staff && !proposal.proposerIds.includes(caller.id)) return refuse('只有提案人可以上传提案材料');
    if (proposal.final) return { status: 409, code: 'notRunning', message: '提案已办结，不能再上传提案材料' };
    return undefined;
  }
  if (!unitId || !proposal.unitIds.includes(unitId))
    return refuse(`答复件须属于承办本提案的单位（query.unitId：${proposal.unitIds.join('、') || '无'}）`);
  if (staff) return undefined;
  if (!hasRole(caller, ...handlingUnitRoles) || !belongsToUnit(caller, unitId))
    return refuse('只有承办单位可以上传本单位的答复件');
  return undefined;
}

/** A follow-up item: its sender the letter's files, the responding unit its responses'; committee staff either. */
export function followUpUploadRefusal(
  caller: Caller,
  item: { isSender: boolean; responderUnitId: string },
  purpose: AttachmentPurpose,
): UploadRefusal | undefined {
  if (hasRole(caller, ...staffRoles)) return undefined;
  if (purpose === 'letter') return item.isSender ? undefined : refuse('只有来件方可以上传来件材料');
  return hasRole(caller, ...responderRoles) && belongsToUnit(caller, item.responderUnitId)
    ? undefined
    : refuse('只有答复单位可以上传答复材料');
}

/** A supervision activity: the posted group's supervisors and secretary, committee staff. */
export function activityUploadRefusal(
  caller: Caller,
  posting: { groupId: string },
): UploadRefusal | undefined {
  if (hasRole(caller, ...staffRoles)) return undefined;
  return hasRole(caller, 'supervisor', 'secretary') && belongsToGroup(caller, posting.groupId)
    ? undefined
    : refuse('只有本监督小组可以上传履职活动的附件');
}
