/**
 * Attachments through the API on the real FerretDB: upload and download with the checksum, the
 * timeline entry, who sees and who may add files (proposal materials and replies, a follow-up item's
 * response, a supervision activity's record), the limits (413, 415, 400), idempotent retries, and an
 * upload cut off midway leaving nothing behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { defaultPolicy } from '../../domain/policy';
import { dateOf } from '../../domain/time';
import { attachmentListKey, bucketFor, listAttachments } from '../../store/attachments';
import { savePolicy } from '../../store/policy';
import { proposalApi, type ProposalApi } from '../helpers/proposal-api';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let api: ProposalApi;
let server: http.Server;
let port: number;

const MAX = 2 * 1024 * 1024;
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const pdf = (size = 40_000) => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(size - 9)]);
const png = () =>
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2_000)]);

beforeAll(async () => {
  stack = await startStack();
  api = await proposalApi(stack);
  await savePolicy(
    stack.store,
    { ...defaultPolicy, attachments: { ...defaultPolicy.attachments, maxBytes: MAX } },
    'test',
  );
  server = http.createServer(stack.app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
}, 60_000);
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await stack?.stop();
});

const upload = (path: string, who: string, body: Buffer, type: string, query: string, key?: string) => {
  const req = request(stack.app)
    .post(`${path}/attachments?${query}`)
    .set('Authorization', api.token(who))
    .set('Content-Type', type);
  return (key ? req.set('Idempotency-Key', key) : req).send(body);
};
const download = (href: string, who: string) =>
  request(stack.app)
    .get(href)
    .set('Authorization', api.token(who))
    .buffer(true)
    .parse((res, done) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => done(null, Buffer.concat(parts)));
    });

/** A proposal filed by member-zhang and assigned to the housing unit. */
async function assignedProposal() {
  const filed = await api.file({ title: '关于附件的建议' });
  expect(filed.status).toBe(201);
  const id = filed.body.proposal.proposalId as string;
  expect((await api.act(id, 'review', { decision: 'file' }, 'committee')).status).toBe(200);
  expect((await api.act(id, 'assign', { leadUnitId: 'unit-housing' }, 'committee')).status).toBe(200);
  return id;
}

describe('proposal attachments', () => {
  let id: string;
  let path: string;
  beforeAll(async () => {
    id = await assignedProposal();
    path = `/api/proposals/${id}`;
  }, 60_000);

  test('a proposer uploads material; it lists, downloads byte for byte with its checksum, and shows on the timeline', async () => {
    const bytes = pdf();
    const res = await upload(
      path,
      'member-zhang',
      bytes,
      'application/pdf',
      `name=${encodeURIComponent('调研报告.pdf')}`,
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: '调研报告.pdf',
      contentType: 'application/pdf',
      type: 'pdf',
      size: bytes.length,
      sha256: sha(bytes),
      purpose: 'material',
      uploadedBy: 'member-zhang',
    });
    expect(res.headers.location).toBe(res.body.href);

    const list = await api.get(`${path}/attachments`, 'housing');
    expect(list.status).toBe(200);
    expect(list.body.items.map((a: { id: string }) => a.id)).toEqual([res.body.id]);

    const got = await download(res.body.href, 'housing');
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe('application/pdf');
    expect(got.headers.etag).toBe(`"sha256-${sha(bytes)}"`);
    expect(got.headers['repr-digest']).toBe(`sha-256=:${Buffer.from(sha(bytes), 'hex').toString('base64')}:`);
    expect(got.headers['content-disposition']).toContain(
      `filename*=UTF-8''${encodeURIComponent('调研报告.pdf')}`,
    );
    expect(sha(got.body as Buffer)).toBe(sha(bytes));
    const unchanged = await download(res.body.href, 'housing').set('If-None-Match', got.headers.etag);
    expect(unchanged.status).toBe(304);

    const detail = await api.get(path, 'member-zhang');
    const entry = detail.body.timeline.find((e: { kind: string }) => e.kind === 'attachmentAdded');
    expect(entry).toMatchObject({
      actor: 'member-zhang',
      data: { attachmentId: res.body.id, name: '调研报告.pdf', size: bytes.length, sha256: sha(bytes) },
    });
  });

  test('who cannot see the proposal gets 404 for its files, exactly as for the proposal', async () => {
    const { body } = await upload(path, 'member-zhang', pdf(), 'application/pdf', 'name=a.pdf');
    for (const who of ['member-li', 'education']) {
      expect((await api.get(path, who)).status).toBe(404);
      expect((await api.get(`${path}/attachments`, who)).status).toBe(404);
      expect((await download(body.href, who)).status).toBe(404);
      expect((await upload(path, who, pdf(), 'application/pdf', 'name=x.pdf')).status).toBe(404);
    }
    expect((await download(`${path}/attachments/att-000000000000000000000000`, 'member-zhang')).status).toBe(
      404,
    );
  });

  test('the handling unit uploads its sealed reply; a proposer may not, nor may the unit add materials', async () => {
    const reply = await upload(path, 'housing', png(), 'image/png', 'name=reply.png&purpose=reply');
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ purpose: 'reply', unitId: 'unit-housing', type: 'png' });
    expect((await download(reply.body.href, 'member-zhang')).status).toBe(200);
    expect((await upload(path, 'member-zhang', png(), 'image/png', 'name=r.png&purpose=reply')).status).toBe(
      403,
    );
    expect((await upload(path, 'housing', pdf(), 'application/pdf', 'name=m.pdf')).status).toBe(403);
  });

  test('limits: too large (declared or streamed) 413 naming the limit, wrong type 415, bad name 400', async () => {
    const big = await upload(path, 'member-zhang', pdf(MAX + 1), 'application/pdf', 'name=big.pdf');
    expect(big.status).toBe(413);
    expect(big.body.error).toMatchObject({ code: 'payload_too_large', details: { maxBytes: MAX } });
    expect(big.body.error.message).toContain('2 MB');

    // Without a Content-Length the limit is counted while the body streams in.
    const streamed = await rawUpload(path, 'member-zhang', pdf(MAX + 300_000), { chunked: true });
    expect(streamed.status).toBe(413);

    const text = await upload(path, 'member-zhang', Buffer.from('hello'), 'text/plain', 'name=a.txt');
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
    const disguised = await upload(path, 'member-zhang', png(), 'application/pdf', 'name=a.pdf');
    expect(disguised.status).toBe(415);
    expect(disguised.body.error.message).toContain('PDF');
    const docx = Buffer.concat([Buffer.from('PK\x03\x04'), randomBytes(400)]);
    const type = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
    expect((await upload(path, 'member-zhang', docx, type, 'name=a.docx')).status).toBe(415);

    const noName = await upload(path, 'member-zhang', pdf(), 'application/pdf', '');
    expect(noName.status).toBe(400);
    expect(noName.body.error.message).toContain('query.name');
    const slash = await upload(path, 'member-zhang', pdf(), 'application/pdf', 'name=..%2Fetc%2Fpasswd');
    expect(slash.status).toBe(400);
    expect(slash.body.error.details.issues[0].field).toBe('query.name');
    const empty = await upload(path, 'member-zhang', Buffer.alloc(0), 'application/pdf', 'name=e.pdf');
    expect(empty.status).toBe(400);

    // None of these left a file.
    const names = (await listAttachments(stack.store, attachmentListKey('proposal', id))).map((e) => e.name);
    expect(names).not.toEqual(expect.arrayContaining(['big.pdf']));
    expect(names.filter((n) => ['a.txt', 'e.pdf', 'big.pdf'].includes(n) || n === 'a.docx')).toEqual([]);
  }, 30_000);

  test('a retry with the same Idempotency-Key, or of the same file, answers the first upload', async () => {
    const bytes = pdf();
    const before = (await listAttachments(stack.store, attachmentListKey('proposal', id))).length;
    const first = await upload(path, 'member-zhang', bytes, 'application/pdf', 'name=k.pdf', 'attach-1');
    expect(first.status).toBe(201);
    const again = await upload(path, 'member-zhang', bytes, 'application/pdf', 'name=k.pdf', 'attach-1');
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const other = await upload(path, 'member-zhang', pdf(), 'application/pdf', 'name=k.pdf', 'attach-1');
    expect(other.status).toBe(422);
    const keyless = await upload(path, 'member-zhang', bytes, 'application/pdf', 'name=k.pdf');
    expect(keyless.status).toBe(200);
    expect(keyless.body.id).toBe(first.body.id);
    expect((await listAttachments(stack.store, attachmentListKey('proposal', id))).length).toBe(before + 1);
    // The retries' own uploads were not kept.
    const bucket = await bucketFor(stack.store, 'proposal', id, 0);
    const chunks = await stack.store.conn.db!.collection(`${bucket}.chunks`).countDocuments({});
    const files = await stack.store.conn.db!.collection(`${bucket}.files`).countDocuments({});
    expect(files).toBe(before + 1);
    expect(chunks).toBeGreaterThan(0);
  });

  test('an upload cut off midway leaves no chunk, no file document and no entry', async () => {
    const bucket = await bucketFor(stack.store, 'proposal', id, 0);
    const db = stack.store.conn.db!;
    const count = async () => ({
      chunks: await db.collection(`${bucket}.chunks`).countDocuments({}),
      files: await db.collection(`${bucket}.files`).countDocuments({}),
      listed: (await listAttachments(stack.store, attachmentListKey('proposal', id))).length,
    });
    const before = await count();
    const total = 1_500_000;
    const body = pdf(total);
    const req = http.request({
      port,
      method: 'POST',
      path: `${path}/attachments?name=cut.pdf`,
      headers: {
        Authorization: api.token('member-zhang'),
        'Content-Type': 'application/pdf',
        'Content-Length': String(total),
      },
    });
    req.on('error', () => undefined);
    req.write(body.subarray(0, 800_000)); // three chunks' worth of 255 kB
    // Chunks of the unfinished file reach the database…
    await waitFor(async () => (await count()).chunks > before.chunks);
    req.destroy(); // …then the client goes away.
    await waitFor(async () => (await count()).chunks === before.chunks);
    expect(await count()).toEqual(before);
  }, 30_000);
});

describe('follow-up and supervision attachments (one kit)', () => {
  test('the responding unit attaches its response; a stranger gets 404', async () => {
    const created = await api.post(
      '/api/follow-ups',
      {
        kind: 'instruction',
        title: '批示件',
        content: '内容',
        responderUnitId: 'unit-housing',
        sender: { userIds: ['member-zhang'] },
      },
      'committee',
    );
    expect(created.status).toBe(201);
    const path = `/api/follow-ups/${created.body.followUpId}`;
    const res = await upload(path, 'housing', pdf(), 'application/pdf', 'name=response.pdf&purpose=response');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ purpose: 'response', unitId: 'unit-housing' });
    expect((await download(res.body.href, 'member-zhang')).status).toBe(200);
    expect((await api.get(`${path}/attachments`, 'education')).status).toBe(404);
    expect(
      (await upload(path, 'member-zhang', pdf(), 'application/pdf', 'name=r.pdf&purpose=response')).status,
    ).toBe(403);
    const letter = await upload(
      path,
      'member-zhang',
      pdf(),
      'application/pdf',
      'name=letter.pdf&purpose=letter',
    );
    expect(letter.status).toBe(201);
    const detail = await api.get(path, 'housing');
    expect(detail.body.timeline.filter((e: { kind: string }) => e.kind === 'attachmentAdded')).toHaveLength(
      2,
    );
  });

  test('a group records an inspection with a photo; the department never sees it', async () => {
    const posting = await api.post('/api/postings', { groupId: 'group-ecology' }, 'committee');
    expect(posting.status).toBe(201);
    const postingId = posting.body.postingId as string;
    const logged = await api.post(
      `/api/postings/${postingId}/activities`,
      { kind: 'inspection', date: dateOf(Date.now()), summary: '暗访' },
      'supervisor-he',
    );
    expect(logged.status).toBe(201);
    const path = `/api/postings/${postingId}/activities/${logged.body.id}`;
    // The activity reaches the read model through the worker's projection.
    await waitFor(async () => (await api.get(`${path}/attachments`, 'supervisor-he')).status === 200);
    const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(3_000)]);
    const res = await upload(path, 'supervisor-guo', photo, 'image/jpeg', 'name=photo.jpg');
    expect(res.status).toBe(201);
    expect(sha((await download(res.body.href, 'group-secretary')).body as Buffer)).toBe(sha(photo));
    expect((await download(res.body.href, 'ecology')).status).toBe(404);
    expect((await api.get(`${path}/attachments`, 'ecology')).status).toBe(404);
    expect((await upload(path, 'committee', photo, 'image/jpeg', 'name=p2.jpg')).status).toBe(201);
    expect((await upload(path, 'housing', photo, 'image/jpeg', 'name=p3.jpg')).status).toBe(403);
  }, 30_000);
});

async function waitFor(probe: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An upload through a plain socket (chunked: no Content-Length), answered with its status. */
function rawUpload(path: string, who: string, body: Buffer, { chunked }: { chunked: boolean }) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      {
        port,
        method: 'POST',
        path: `${path}/attachments?name=raw.pdf`,
        headers: {
          Authorization: api.token(who),
          'Content-Type': 'application/pdf',
          ...(chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': String(body.length) }),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      },
    );
    req.on('error', reject);
    for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
    req.end();
  });
}
