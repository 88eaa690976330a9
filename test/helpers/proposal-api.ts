/** Driving the proposal API as the demo directory's people, on a stack from startStack(). */
import request from 'supertest';
import type { ActionArgs, ActionName } from '../../domain/proposal-actions';
import type { Role } from '../../domain/roles';
import { demoDirectory, seedDemoDirectory } from '../../store/demo';
import type { Stack } from './stack';

/** Demo users by id, plus a few callers the directory does not have. */
export type Who = string;

export async function proposalApi(stack: Stack) {
  await seedDemoDirectory(stack.store);
  const tokens = new Map<Who, string>();
  for (const user of demoDirectory.users)
    tokens.set(user.id, await stack.bearer(user.roles[0] as Role, { id: user.id, unitId: user.unitId }));
  const token = (who: Who) => {
    const found = tokens.get(who);
    if (!found) throw new Error(`no token for ${who}`);
    return found;
  };
  const app = stack.app;
  return {
    token,
    get: (path: string, who: Who) => request(app).get(path).set('Authorization', token(who)),
    post: (path: string, body: object | string, who: Who) =>
      request(app).post(path).set('Authorization', token(who)).send(body),
    /** Files a proposal as `who` (a member or organization) and returns the response. */
    file: async (body: object, who: Who = 'member-zhang', key?: string) => {
      const req = request(app).post('/api/proposals').set('Authorization', token(who));
      const res = await (key ? req.set('Idempotency-Key', key) : req).send({
        title: '关于测试的建议',
        content: '建议内容',
        type: 'interSession',
        ...body,
      });
      // 202: filed, but its new workflow answered too late on a loaded machine; read it as a client would.
      while (res.status === 202) {
        await new Promise((r) => setTimeout(r, 200));
        const detail = await request(app).get(res.headers.location).set('Authorization', token(who));
        if (detail.status === 200) return Object.assign(detail, { status: 201 });
      }
      return res;
    },
    act: <A extends ActionName>(id: string, name: A, args: ActionArgs<A> | object, who: Who) =>
      request(app).post(`/api/proposals/${id}/actions/${name}`).set('Authorization', token(who)).send(args),
  };
}

export type ProposalApi = Awaited<ReturnType<typeof proposalApi>>;

/** The fields a 400 names. */
export const fieldsOf = (res: request.Response) =>
  (res.body.error.details.issues as { field: string }[]).map((issue) => issue.field);
