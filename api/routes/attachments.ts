/**
 * Attachments (附件) of every attachable item, mounted by one kit (`attachable`): given how to load a
 * kind's item for a caller (404 when they may not see it, as the item itself answers) and who may add
 * which file, it declares upload, list and download below the item's path.
 *
 * Upload: `POST …/attachments?name=<file name>&purpose=<purpose>` with the file as the raw body and its
 * media type as Content-Type. The body is streamed into GridFS (store/attachments.ts) while its size is
 * counted against the policy's limit (413 naming it), its first bytes are checked against the declared
 * type (415) and its SHA-256 is computed; the file is listed — and shows on the item's timeline — only
 * once it is complete, and an upload cut off or refused midway leaves nothing. Idempotent: the same
 * Idempotency-Key, or the same file under the same name from the same person, answers the first upload
 * (200) instead of adding another.
 *
 * Download: the bytes with `ETag` and `Repr-Digest` carrying the checksum, verified as they are sent
 * (a mismatch cuts the transfer rather than finish it as if whole).
 */
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import {
  activityUploadRefusal,
  attachmentPurposeLabels,
  attachmentPurposes,
  attachmentTypes,
  contentProblem,
  followUpUploadRefusal,
  mediaProblem,
  nameProblem,
  proposalUploadRefusal,
  SNIFF_BYTES,
  typeOfMedia,
  type AttachableKind,
  type AttachmentPurpose,
  type UploadRefusal,
} from '../../domain/attachments';
import { codeSchema } from '../../domain/directory';
import { isSender, maySee, responderRoles } from '../../domain/follow-up';
import { isFinal } from '../../domain/proposal-actions';
import { summarize } from '../../domain/proposal-summary';
import { bodyWideRoles, proposalReaderRoles, type Caller, type Role } from '../../domain/roles';
import { maySeeActivity, type PostingView } from '../../domain/supervision';
import { toIso, yearOf, dateOf } from '../../domain/time';
import {
  addAttachment,
  attachmentListKey,
  bucketFor,
  deleteFile,
  listAttachments,
  Measure,
  openFile,
  storeFile,
  type AttachmentEntry,
} from '../../store/attachments';
import { currentPolicy } from '../../store/policy';
import { readPostingActivities, type PostingActivityRow } from '../../store/supervision';
import type { AppDeps } from '../deps';
import { HttpError, invalidFields, notFound } from '../errors';
import { createOnce, idempotencyHeaders, idempotencyResponses, inTurn } from '../idempotency';
import { route, type Api } from '../route';
import { checkVisible } from './proposals/act';
import { loadProposal } from './proposals/load';
import { loadFollowUp } from './follow-ups';
import { loadPosting } from './supervision';

/** One attachable kind: where its items are, who reads them, and who may add what. */
export interface Attachable<P extends z.ZodObject, T> {
  kind: AttachableKind;
  /** The item's path in express syntax, e.g. `/api/proposals/:id`. */
  path: string;
  params: P;
  tags: string[];
  /** What the item is called in messages, e.g. 提案. */
  noun: string;
  readers: readonly Role[];
  uploaders: readonly Role[];
  /** The item if `caller` may see it; else the kind's own 404. */
  load(deps: AppDeps, params: z.infer<P>, caller: Caller): Promise<{ itemId: string; item: T }>;
  /** Why `caller` may not add a file of `purpose` (for `unitId`) to `item`. */
  refusal(
    caller: Caller,
    item: T,
    purpose: AttachmentPurpose,
    unitId: string | undefined,
  ): UploadRefusal | undefined;
  /** The unit a file of `purpose` is for when the caller names none. */
  unitOf?(caller: Caller, item: T, purpose: AttachmentPurpose): string | undefined;
}

export const attachmentSchema = z.object({
  id: z.string(),
  name: z.string(),
  contentType: z.string(),
  type: z.string(),
  size: z.number().int().describe('Bytes'),
  sha256: z.string().describe('Hex SHA-256 of the bytes; the download’s ETag and Repr-Digest carry it too'),
  purpose: z.string(),
  purposeLabel: z.string(),
  unitId: z.string().optional(),
  uploadedBy: z.string(),
  uploadedAt: z.string(),
  href: z.string().describe('Where to download it'),
});

const present = (entry: AttachmentEntry, href: string) => ({
  id: entry.id,
  name: entry.name,
  contentType: entry.contentType,
  type: entry.type,
  size: entry.size,
  sha256: entry.sha256,
  purpose: entry.purpose,
  purposeLabel: attachmentPurposeLabels[entry.purpose],
  ...(entry.unitId ? { unitId: entry.unitId } : {}),
  uploadedBy: entry.by,
  uploadedAt: toIso(entry.at),
  href,
});

/** A retry of an upload: the same bytes under the same name, for the same purpose, from the same person. */
const sameUpload = (a: AttachmentEntry) => (b: AttachmentEntry) =>
  a.sha256 === b.sha256 &&
  a.name === b.name &&
  a.purpose === b.purpose &&
  a.unitId === b.unitId &&
  a.by === b.by;

const MiB = 1024 * 1024;
const sizeText = (bytes: number) =>
  bytes >= MiB ? `${+(bytes / MiB).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} kB`;
const tooLarge = (max: number) =>
  new HttpError(413, 'payload_too_large', `文件超过上限 ${sizeText(max)}（${max} 字节）`, { maxBytes: max });
const unsupported = (message: string) => new HttpError(415, 'unsupported_media_type', message);
const attachmentId = () => `att-${randomBytes(12).toString('hex')}`;

/** Mounts upload, list and download of `spec`'s items' attachments. */
export function attachable<P extends z.ZodObject, T>(deps: AppDeps, api: Api, spec: Attachable<P, T>) {
  const { store } = deps;
  const purposes = attachmentPurposes[spec.kind] as readonly AttachmentPurpose[];
  const base = `${spec.path}/attachments`;
  const hrefOf = (params: Record<string, string>, id: string) =>
    `${base.replace(/:(\w+)/g, (_m, name: string) => params[name])}/${id}`;

  route(api, {
    method: 'post',
    path: base,
    summary: `为${spec.noun}上传附件（${purposes.map((p) => `${p} ${attachmentPurposeLabels[p]}`).join('、')}）：请求体即文件，Content-Type 为其类型；类型与大小上限见规则 attachments。支持 Idempotency-Key`,
    tags: spec.tags,
    roles: spec.uploaders,
    params: spec.params,
    query: z.object({
      name: z
        .string()
        .superRefine((name, ctx) => {
          const problem = nameProblem(name);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        })
        .describe('The file name shown and offered on download'),
      purpose: z.enum(purposes as [AttachmentPurpose, ...AttachmentPurpose[]]).default(purposes[0]),
      unitId: codeSchema
        .optional()
        .describe('The unit whose reply or response it is (default: the caller’s)'),
    }),
    headers: idempotencyHeaders('the attachment stored the first time (201 first, 200 after)'),
    streamBody: [...new Set(Object.values(attachmentTypes).map((t) => t.mime))],
    status: 201,
    response: attachmentSchema,
    responses: {
      200: 'The same upload again (same Idempotency-Key, or the same file and name from the same person): the first',
      409: 'Not now: the item is final (notRunning), or it holds the most files the policy allows (tooManyAttachments)',
      415: 'A type the policy does not take, or content that is not the declared type (unsupported_media_type)',
      ...idempotencyResponses,
    },
    handler: async ({ params, query, headers, caller }, req, res) => {
      const { itemId, item } = await spec.load(deps, params, caller);
      const purpose = query.purpose;
      const unitId = query.unitId ?? spec.unitOf?.(caller, item, purpose);
      const refusal = spec.refusal(caller, item, purpose, unitId);
      if (refusal) throw new HttpError(refusal.status, refusal.code, refusal.message);
      const policy = (await currentPolicy(store)).policy.attachments;
      const declared = req.headers['content-type'];
      const problem = mediaProblem(declared, policy);
      if (problem) throw refuseBody(req, res, unsupported(problem));
      const type = typeOfMedia(declared)!;
      if (Number(req.headers['content-length']) > policy.maxBytes)
        throw refuseBody(req, res, tooLarge(policy.maxBytes));
      const listKey = attachmentListKey(spec.kind, itemId);
      const count = (await listAttachments(store, listKey)).length;
      if (count >= policy.maxPerItem) throw refuseBody(req, res, tooMany(policy.maxPerItem));

      const now = Date.now();
      const id = attachmentId();
      const bucketName = await bucketFor(store, spec.kind, itemId, yearOf(dateOf(now)));
      let head = Buffer.alloc(0);
      const sniff = () => {
        const problem = contentProblem(type, head);
        return problem ? unsupported(problem) : undefined;
      };
      const measure = new Measure({
        chunk: (chunk, m) => {
          if (m.bytes > policy.maxBytes) return tooLarge(policy.maxBytes);
          if (head.length >= SNIFF_BYTES) return undefined;
          head = Buffer.concat([head, chunk]).subarray(0, SNIFF_BYTES);
          return head.length >= SNIFF_BYTES ? sniff() : undefined;
        },
        end: (m) =>
          m.bytes === 0
            ? invalidFields([{ field: 'body', message: '文件为空' }])
            : head.length < SNIFF_BYTES
              ? sniff()
              : undefined,
      });
      const metadata = { kind: spec.kind, itemId, purpose, unitId, by: caller.id, contentType: declared };
      try {
        await storeFile(store, { bucketName, id, name: query.name, metadata }, req, measure);
      } catch (err) {
        if (err instanceof HttpError) throw refuseBody(req, res, err);
        throw err; // cut off by the client (nothing is left) or a database failure
      }

      const entry: AttachmentEntry = {
        id,
        bucket: bucketName,
        kind: spec.kind,
        itemId,
        purpose,
        ...(unitId ? { unitId } : {}),
        name: query.name,
        contentType: attachmentTypes[type].mime,
        type,
        size: measure.bytes,
        sha256: measure.sha256(),
        by: caller.id,
        at: now,
      };
      const key = headers['idempotency-key'];
      let kept: AttachmentEntry | undefined;
      try {
        await inTurn(caller, key, () =>
          createOnce(
            deps,
            {
              caller,
              key,
              request: {
                at: `POST ${base}`,
                params,
                purpose,
                unitId,
                name: entry.name,
                sha256: entry.sha256,
              },
            },
            {
              allocate: async () => id,
              start: async (candidate) => {
                const list = await listAttachments(store, listKey);
                kept = list.find((e) => e.id === candidate) ?? list.find(sameUpload(entry));
                if (kept) return 'existing';
                // The key's first request never listed its file: this one is listed in its place.
                if (candidate !== id) return 'taken';
                if (!(await addAttachment(store, listKey, entry, list.length, policy.maxPerItem)))
                  throw tooMany(policy.maxPerItem);
                kept = entry;
                return 'started';
              },
            },
          ),
        );
      } finally {
        if (kept?.id !== id) await deleteFile(store, bucketName, id); // not listed: not kept
      }
      const href = hrefOf(params as Record<string, string>, kept!.id);
      res.location(href);
      res.status(kept!.id === id ? 201 : 200).json(present(kept!, href));
    },
  });

  route(api, {
    method: 'get',
    path: base,
    summary: `${spec.noun}的附件列表（与${spec.noun}本身相同的可见范围）`,
    tags: spec.tags,
    roles: spec.readers,
    params: spec.params,
    response: z.object({ items: z.array(attachmentSchema) }),
    handler: async ({ params, caller }) => {
      const { itemId } = await spec.load(deps, params, caller);
      const entries = await listAttachments(store, attachmentListKey(spec.kind, itemId));
      return { items: entries.map((e) => present(e, hrefOf(params as Record<string, string>, e.id))) };
    },
  });

  route(api, {
    method: 'get',
    path: `${base}/:attachmentId`,
    summary: `下载${spec.noun}的附件：ETag 与 Repr-Digest 带 SHA-256 校验值，发送时核对`,
    tags: spec.tags,
    roles: spec.readers,
    params: spec.params.extend({ attachmentId: z.string().regex(/^att-[0-9a-f]{24}$/, '不是附件编号') }),
    responseType: 'application/octet-stream',
    response: z.string().describe('The file, with its own Content-Type'),
    handler: async ({ params, caller }, req, res) => {
      const { itemId } = await spec.load(deps, params as z.infer<P>, caller);
      const entries = await listAttachments(store, attachmentListKey(spec.kind, itemId));
      const entry = entries.find((e) => e.id === params.attachmentId);
      if (!entry) throw notFound(`附件 ${params.attachmentId}`);
      const source = await openFile(store, entry);
      if (!source) throw new HttpError(500, 'attachment_missing', `附件 ${entry.id} 的文件缺失`);
      const digest = Buffer.from(entry.sha256, 'hex').toString('base64');
      res.set({
        'Content-Type': entry.contentType,
        'Content-Length': String(entry.size),
        'Content-Disposition': contentDisposition(entry.name),
        ETag: `"sha256-${entry.sha256}"`,
        'Repr-Digest': `sha-256=:${digest}:`,
        'Cache-Control': 'private, no-cache',
      });
      if (req.headers['if-none-match'] === `"sha256-${entry.sha256}"`) {
        source.destroy();
        return void res.status(304).end();
      }
      const verify = new Measure({
        end: (m) =>
          m.sha256() === entry.sha256 && m.bytes === entry.size
            ? undefined
            : new Error(`attachment ${entry.id}: stored bytes do not match their checksum`),
      });
      try {
        await pipeline(source, verify, res);
      } catch (err) {
        req.log?.error({ err, attachmentId: entry.id }, 'attachment download failed'); // the transfer is cut
      }
    },
  });
}

/** An upload refused before its body was read through: answered, with the rest of the body discarded. */
function refuseBody(req: Request, res: Response, err: HttpError): HttpError {
  res.set('Connection', 'close');
  req.resume();
  return err;
}

const tooMany = (max: number) =>
  new HttpError(409, 'tooManyAttachments', `附件已达上限 ${max} 个`, { maxPerItem: max });

/** `attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266). */
function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

// ---- the attachable kinds -------------------------------------------------------------------------

const idParams = z.object({ id: codeSchema });

export function attachmentRoutes(deps: AppDeps, api: Api) {
  attachable(deps, api, {
    kind: 'proposal',
    path: '/api/proposals/:id',
    params: idParams,
    tags: ['proposals'],
    noun: '提案',
    readers: proposalReaderRoles,
    uploaders: ['member', 'organization', 'committee', 'admin', 'unit', 'unitLeader', 'secretary'],
    load: async (deps, { id }, caller) => {
      const { state } = await loadProposal(deps, id);
      checkVisible(state, caller);
      const summary = summarize(state);
      return {
        itemId: id,
        item: { proposerIds: summary.proposerIds, unitIds: summary.unitIds, final: isFinal(state) },
      };
    },
    refusal: proposalUploadRefusal,
    unitOf: (caller, _item, purpose) => (purpose === 'reply' ? caller.unitId : undefined),
  });

  const followUpReaders: readonly Role[] = [
    ...new Set<Role>([
      ...bodyWideRoles,
      'supervisor',
      'member',
      'organization',
      'secretary',
      ...responderRoles,
    ]),
  ];
  attachable(deps, api, {
    kind: 'followUp',
    path: '/api/follow-ups/:id',
    params: idParams,
    tags: ['follow-ups'],
    noun: '跟踪事项',
    readers: followUpReaders,
    uploaders: followUpReaders.filter((role) => role !== 'leader'),
    load: async (deps, { id }, caller) => {
      const item = await loadFollowUp(deps, id);
      if (!item || !maySee(caller, item)) throw notFound(`跟踪事项 ${id}`);
      return { itemId: id, item };
    },
    refusal: (caller, item, purpose) =>
      followUpUploadRefusal(
        caller,
        { isSender: isSender(caller, item), responderUnitId: item.responder.unitId },
        purpose,
      ),
    unitOf: (_caller, item, purpose) => (purpose === 'response' ? item.responder.unitId : undefined),
  });

  attachable<typeof activityParams, { posting: PostingView; activity: PostingActivityRow }>(deps, api, {
    kind: 'activity',
    path: '/api/postings/:id/activities/:activityId',
    params: activityParams,
    tags: ['supervision'],
    noun: '履职活动',
    readers: [...bodyWideRoles, 'supervisor', 'secretary', 'department'],
    uploaders: ['supervisor', 'secretary', 'committee', 'admin'],
    load: async (deps, { id, activityId }, caller) => {
      const posting = await loadPosting(deps, id);
      const activity = posting
        ? (await readPostingActivities(deps.store, id)).find((a) => a.id === activityId)
        : undefined;
      if (!posting || !activity || !maySeeActivity(caller, posting, activity))
        throw notFound(`履职活动 ${activityId}`);
      return { itemId: activityId, item: { posting, activity } };
    },
    refusal: (caller, { posting }) => activityUploadRefusal(caller, posting),
  });
}

const activityParams = z.object({ id: codeSchema, activityId: codeSchema });
