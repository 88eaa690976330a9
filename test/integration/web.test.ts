/**
 * The web workspace served by the API's own Express app: the page at `/` and at `/items/<id>` (the
 * link every notification carries), its static modules with the right types under a CSP that allows
 * exactly them, and the API's JSON 404 left alone.
 */
import request from 'supertest';
import { itemLink } from '../../domain/notifications';
import { groupingLabels } from '../../domain/statistics';
import { secretBox } from '../../infra/secret-key';
import { webhookOf } from '../../store/preferences';
import { filingForms, toBody } from '../../web/lib/actions.js';
import { preferencesBody } from '../../web/lib/preferences.js';
import { shownFigures, statisticsTable } from '../../web/lib/statistics.js';
import { proposalApi } from '../helpers/proposal-api';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

/** An app like the stack's, on other settings. */
const appWith = (settings: Record<string, string>) =>
  stack.appWith({ JWT_SECRET: 'web-test-secret-'.padEnd(32, 'x'), ...settings });

/** The CSP directives of a response, by name. */
function csp(res: request.Response): Map<string, string[]> {
  const header = res.headers['content-security-policy'] as string;
  expect(header).toBeDefined();
  return new Map(
    header.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values] as [string, string[]];
    }),
  );
}

describe('the page', () => {
  test.each(['/', '/items/2026-0001', '/items/group-ecology-demo-L5'])(
    '%s is the workspace page',
    async (path) => {
      const res = await request(stack.app).get(path).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html; charset=utf-8/i);
      expect(res.text).toContain('<script type="module" src="/web/app.js"></script>');
      expect(res.text).toContain('<link rel="stylesheet" href="/web/style.css" />');
      // Nothing inline: the policy allows this origin's files only.
      expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(res.text).not.toMatch(/\sstyle=|<style/);
      const policy = csp(res);
      expect(policy.get('script-src')).toEqual(["'self'"]);
      expect(policy.get('style-src')).toEqual(["'self'"]);
      expect(policy.get('connect-src')).toEqual(["'self'"]);
      expect(policy.get('object-src')).toEqual(["'none'"]);
    },
  );

  test('the link a notification carries opens the page', async () => {
    const link = itemLink('http://127.0.0.1:3000/', 'group-ecology-demo-L5');
    await request(stack.app)
      .get(new URL(link).pathname)
      .expect(200)
      .expect('content-type', /text\/html/);
  });

  test('on plain http no request is upgraded; published over https they all are', async () => {
    const plain = await request(stack.app).get('/').expect(200);
    expect(csp(plain).has('upgrade-insecure-requests')).toBe(false);
    const https = await request(appWith({ PUBLIC_URL: 'https://huiyin.example.gov.cn' }))
      .get('/')
      .expect(200);
    expect(csp(https).has('upgrade-insecure-requests')).toBe(true);
  });
});

describe('static files', () => {
  test('the stylesheet is CSS', async () => {
    const res = await request(stack.app).get('/web/style.css').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/css/);
    expect(csp(res).get('style-src')).toEqual(["'self'"]);
  });

  test('every module the page loads, transitively, is served as JavaScript', async () => {
    const seen = new Set<string>();
    const queue = ['/web/app.js'];
    while (queue.length > 0) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await request(stack.app).get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(res.headers['content-type']).toMatch(/^(text|application)\/javascript/);
      for (const [, spec] of res.text.matchAll(/(?:from|import)\s+'(\.{1,2}\/[^']+)'/g))
        queue.push(new URL(spec, `http://x${path}`).pathname);
    }
    // The page, its views and the pure modules the unit tests cover.
    expect([...seen]).toEqual(
      expect.arrayContaining([
        '/web/api.js',
        '/web/views/item.js',
        '/web/lib/items.js',
        '/web/lib/actions.js',
      ]),
    );
  });

  test('config: demo sign-in, the demo users and the domain labels', async () => {
    const res = await request(stack.app).get('/web/config.json').expect(200);
    expect(res.body.demo).toBe(true);
    expect(res.body.demoUsers).toContainEqual({
      username: 'housing',
      name: '赵强',
      roles: ['unit'],
      place: '市住房和城乡建设局',
    });
    expect(res.body.labels.proposalStatuses.handling).toBe('办理中');
    expect(res.body.labels.stepKinds.chaseNotice).toBe('催办通知');
    expect(res.body.labels.proposalTypes.plenary).toBe('大会提案');
    expect(res.body.labels.channels.sms).toBe('短信');
    expect(res.body.labels.statisticsGroupings.unit).toBe('承办单位');
    // Proposers rate on the policy's scale but cannot read /api/policy.
    expect(res.body.ratingScales.satisfaction).toContainEqual({ code: 'satisfied', label: '满意' });
  });

  test('outside demo mode the page offers no demo users', async () => {
    const res = await request(appWith({ HUIYIN_DEMO: 'false' }))
      .get('/web/config.json')
      .expect(200);
    expect(res.body).toMatchObject({ demo: false, demoUsers: [] });
  });
});

describe('forms and the API agree', () => {
  test('what the filing form sends, a member’s or committee staff’s, the API files', async () => {
    const people = await proposalApi(stack);
    const values = { title: '关于增设社区食堂的建议', type: 'interSession', topic: '', content: '建议内容' };
    const asMember = toBody(filingForms({ id: 'member-zhang', roles: ['member'] })[0], values, {});
    const filed = await people.post('/api/proposals', asMember, 'member-zhang');
    expect([filed.status, filed.body.proposal?.title]).toEqual([201, values.title]);
    const committee = filingForms({ id: 'committee', roles: ['committee'] })[0];
    const onBehalf = toBody(
      committee,
      { ...values, leadProposerId: 'member-li', coSignerIds: 'member-wang' },
      {},
    );
    const filedFor = await people.post('/api/proposals', onBehalf, 'committee');
    expect(filedFor.status).toBe(201);
    expect(filedFor.body.proposal).toMatchObject({
      leadProposerId: 'member-li',
      coSignerIds: ['member-wang'],
    });
  });
});

describe('the statistics table and the API agree', () => {
  test('every figure the table shows is one the API names', async () => {
    const people = await proposalApi(stack);
    const res = await people.get('/api/proposals/statistics', 'committee').expect(200);
    for (const key of shownFigures) expect([key, typeof res.body.labels[key]]).toEqual([key, 'string']);
    expect(statisticsTable(res.body, groupingLabels).rows.at(-1)?.[0]).toBe('合计');
  });
});

describe('notification settings and the API agree', () => {
  test('what the settings form sends is saved, and a DingTalk secret survives a save that shows it as ******', async () => {
    const people = await proposalApi(stack);
    const put = (body: object) =>
      request(stack.app)
        .put('/api/notifications/preferences')
        .set('Authorization', people.token('housing-secretary'))
        .send(body);
    const url = 'https://oapi.dingtalk.com/robot/send?access_token=t';
    const form = {
      channels: ['inbox', 'webhook'],
      digest: false,
      webhookUrl: url,
      webhookFormat: 'dingtalk',
    };
    const first = await put(preferencesBody({ ...form, webhookSecret: 'SEC0123456789abcdef' }));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      channels: ['inbox', 'webhook'],
      digest: false,
      webhook: { secret: '******' },
    });
    // The form shows the saved secret as ******; saving again unchanged keeps it.
    expect((await put(preferencesBody({ ...form, webhookSecret: first.body.webhook.secret }))).status).toBe(
      200,
    );
    // Stored sealed (store/preferences.ts); opened with this process's key, the app's too.
    const stored = await webhookOf(stack.store, secretBox(), 'housing-secretary');
    expect(stored?.secret).toBe('SEC0123456789abcdef');
  });
});

describe('what is not the workspace', () => {
  test.each([
    ['GET', '/api/nope'],
    ['GET', '/api/proposals/2026-0001/nope'],
    ['POST', '/items/2026-0001'],
    ['GET', '/web/nope.js'],
    ['GET', '/items/'],
  ])('%s %s is the API’s JSON 404', async (method, path) => {
    const res = await request(stack.app)[method === 'GET' ? 'get' : 'post'](path).expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.error.code).toBe('not_found');
  });
});
