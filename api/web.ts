/**
 * The web workspace (web/): plain static files, no build step. One page serves `/` (the caller's
 * board) and `/items/:id` — the link every notification carries (domain/notifications.ts `itemLink`) —
 * and reads the path itself. `/web/config.json` tells it whether demo sign-in is on, who the demo users
 * are, the Chinese labels of the domain (so the browser keeps no copy of them) and the rating scales of
 * the policy in force (which proposers rate on but, not being staff, cannot read from /api/policy).
 */
import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { AppConfig } from '../config';
import { followUpOutcomeLabels, followUpStatusLabels } from '../domain/follow-up';
import { stepKindLabels } from '../domain/ladder';
import { channelLabels, webhookFormatLabels } from '../domain/notifications';
import {
  contactMethodLabels,
  proposalStatusLabels,
  proposalTypeLabels,
  unitRoleLabels,
} from '../domain/proposal';
import { roleLabels } from '../domain/roles';
import { groupingLabels } from '../domain/statistics';
import { postingActivityLabels, postingStatusLabels } from '../domain/supervision';
import { demoDirectory } from '../store/demo';
import { currentPolicy } from '../store/policy';
import type { AppDeps } from './deps';

export const webDir = path.resolve(__dirname, '..', 'web');

/** What the page needs before anyone signs in. */
export function webConfig(config: AppConfig) {
  const { users, units, groups } = demoDirectory;
  const placeOf = (user: { unitId?: string; groupId?: string }) =>
    units.find((u) => u.id === user.unitId)?.name ?? groups.find((g) => g.id === user.groupId)?.name;
  return {
    demo: config.demo,
    demoUsers: config.demo
      ? users.map((u) => ({ username: u.id, name: u.name, roles: u.roles, place: placeOf(u) ?? null }))
      : [],
    labels: {
      roles: roleLabels,
      proposalStatuses: proposalStatusLabels,
      proposalTypes: proposalTypeLabels,
      unitRoles: unitRoleLabels,
      contactMethods: contactMethodLabels,
      followUpStatuses: followUpStatusLabels,
      followUpOutcomes: followUpOutcomeLabels,
      postingStatuses: postingStatusLabels,
      postingActivities: postingActivityLabels,
      stepKinds: stepKindLabels,
      statisticsGroupings: groupingLabels,
      channels: channelLabels,
      webhookFormats: webhookFormatLabels,
    },
  };
}

/**
 * Stricter than the API's default policy: scripts and styles from this origin only (no inline code
 * at all), API calls to this origin. Insecure requests are upgraded only when the workspace is
 * published over https; on plain http (the demo, an intranet host) that would break its own files.
 */
function contentSecurityPolicy(config: AppConfig): RequestHandler {
  const https = new URL(config.PUBLIC_URL).protocol === 'https:';
  return helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      ...(https ? { upgradeInsecureRequests: [] } : {}),
    },
  });
}

export function webRoutes({ config, store }: Pick<AppDeps, 'config' | 'store'>): Router {
  const router = Router();
  const csp = contentSecurityPolicy(config);
  const fixed = webConfig(config);
  const page: RequestHandler = (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(path.join(webDir, 'index.html'));
  };

  router.get('/', csp, page);
  router.get('/items/:id', csp, page);
  router.get('/web/config.json', async (_req, res) => {
    const { policy } = await currentPolicy(store);
    const scale = (entries: { code: string; label: string }[]) =>
      entries.map(({ code, label }) => ({ code, label }));
    res.setHeader('Cache-Control', 'no-cache');
    res.json({
      ...fixed,
      ratingScales: { satisfaction: scale(policy.satisfactionScale), adoption: scale(policy.adoptionScale) },
    });
  });
  // Revalidated on every load (ETag), so a deploy is picked up at once; a missing file falls through to the JSON 404.
  router.use('/web', csp, express.static(webDir, { index: false, cacheControl: true, maxAge: 0 }));
  return router;
}
