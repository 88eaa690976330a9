/** `GET /api/guarantee`: the product's invariant, checkable at any moment (domain.md §4). */
import { z } from 'zod';
import { guaranteeDefinition } from '../../domain/guarantee';
import { toIso } from '../../domain/time';
import { directory } from '../../store/directory';
import { guarantee } from '../../store/guarantee';
import type { AppDeps } from '../deps';
import { route, type Api } from '../route';

const itemSchema = z.object({
  itemId: z.string(),
  itemKind: z.string(),
  title: z.string().optional(),
  unitIds: z.array(z.string()),
  reason: z.enum(['noRunningClock', 'silentClock']),
  clockIds: z.array(z.string()),
});

const rowSchema = z.object({
  unitId: z.string(),
  unitName: z.string(),
  open: z.number().int(),
  answered: z.number().int().describe('Open items whose response is in'),
  overdue: z.number().int().describe('Open items with a running clock past its due time'),
  escalated: z
    .number()
    .int()
    .describe('Open items with a running clock that has fired a chase notice or beyond'),
});

export function guaranteeRoutes({ store }: AppDeps, api: Api) {
  route(api, {
    method: 'get',
    path: '/api/guarantee',
    summary: '件件有回音：列出既未答复又无有效督办的开放事项（应始终为空），及各单位台账',
    tags: ['guarantee'],
    roles: ['committee', 'leader', 'admin'],
    limit: 'guarantee',
    response: z.object({
      checkedAt: z.string(),
      holds: z.boolean().describe('true when `uncovered` is empty'),
      definition: z.array(z.string()),
      uncovered: z.array(itemSchema),
      ledger: z.array(rowSchema),
    }),
    handler: async () => {
      const checkedAt = toIso(Date.now());
      const { uncovered, ledger } = await guarantee(store);
      const units = await directory(store, 'units').some(ledger.map((row) => row.unitId));
      const names = new Map(units.map((unit) => [unit.id, unit.name]));
      return {
        checkedAt,
        holds: uncovered.length === 0,
        definition: guaranteeDefinition,
        uncovered,
        ledger: ledger.map((row) => ({ ...row, unitName: names.get(row.unitId) ?? row.unitId })),
      };
    },
  });
}
