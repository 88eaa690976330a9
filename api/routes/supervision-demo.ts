/**
 * Demo supervision for `npm start`: the ecology group's posting with its activity log and letters in
 * varied states, built through the same workflows people drive. Idempotent by workflow id: the posting
 * starts once, and a letter the posting already holds is left alone (so a restart adds nothing).
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { followUpWorkflowId, type FollowUpCommand } from '../../domain/follow-up';
import { postingWorkflowId, type PostingCommand } from '../../domain/supervision';
import { dateOf } from '../../domain/time';
import { currentPolicy } from '../../store/policy';
import { followUpActUpdate } from '../../workflows/follow-up';
import { postingActUpdate, postingQuery, type supervisionPosting } from '../../workflows/supervision-posting';
import type { AppDeps } from '../deps';

export const demoPostingId = 'group-ecology-demo';

type Step = FollowUpCommand;
const dept = 'ecology';
const he = 'supervisor-he';
const acknowledge: Step = { action: 'acknowledge', by: dept };
const respond = (content: string, commitments: string[] = []): Step => ({
  action: 'respond',
  by: dept,
  content,
  commitments,
});
const rate = (
  action: 'evaluate' | 'sendBack',
  adoption: string,
  satisfaction: string,
  comment?: string,
): Step => ({
  action,
  by: he,
  adoption,
  satisfaction,
  comment,
});

/** Each letter and the steps it has gone through, from just sent to closed. */
const demoLetters: { title: string; content: string; steps: Step[] }[] = [
  {
    title: '关于加强入河排污口整治的建议',
    content: '建议对全市入河排污口开展拉网式排查，建立"一口一档"，限期整治直排口。',
    steps: [
      acknowledge,
      respond('已部署全市排查，年内完成整治。', ['6 月底前完成排查建档', '年底前完成直排口整治']),
      rate('evaluate', 'adopted', 'satisfied'),
      { action: 'checkIn', by: dept, progress: '已完成 126 个排污口建档，整治 18 个。' },
    ],
  },
  {
    title: '关于推进工业园区污水集中处理的建议',
    content: '建议加快园区污水处理厂提标改造，推动企业预处理达标后接管。',
    steps: [
      acknowledge,
      respond('将结合园区规划统筹研究。'),
      rate('sendBack', 'notAdopted', 'unsatisfied', '答复未明确时间表和责任单位，请重新答复。'),
    ],
  },
  {
    title: '关于加强餐饮油烟扰民治理的建议',
    content: '建议建立餐饮油烟在线监控，对投诉集中区域开展专项执法。',
    steps: [acknowledge, respond('已在三个城区试点油烟在线监控，将逐步推广。')],
  },
  {
    title: '关于建立噪声投诉快速响应机制的建议',
    content: '建议整合 12345 与生态环境投诉渠道，夜间施工噪声 2 小时内响应。',
    steps: [acknowledge],
  },
  {
    title: '关于公开重点排污单位在线监测数据的建议',
    content: '建议在政府网站实时公开重点排污单位自动监测数据，接受社会监督。',
    steps: [],
  },
  {
    title: '关于完善秸秆禁烧网格化管理的建议',
    content: '建议落实乡镇网格员责任，秋收期间开展联合巡查。',
    steps: [
      acknowledge,
      respond('已将网格化巡查纳入秋冬季大气污染防治方案。'),
      rate('evaluate', 'adopted', 'basicallySatisfied'),
    ],
  },
];

const demoActivities: Omit<Extract<PostingCommand, { action: 'logActivity' }>, 'date'>[] = [
  {
    action: 'logActivity',
    by: he,
    kind: 'meeting',
    summary: '与市生态环境局召开派驻工作座谈会',
    participants: ['supervisor-guo'],
  },
  {
    action: 'logActivity',
    by: 'supervisor-guo',
    kind: 'visit',
    summary: '走访城东污水处理厂',
    participants: [],
  },
  {
    action: 'logActivity',
    by: 'supervisor-ma',
    kind: 'inspection',
    summary: '夜间暗访清水河沿岸排污口',
    participants: [he],
  },
];

/** Seeds the demo posting; returns how many letters it sent (0 when everything was there already). */
export async function seedDemoSupervision({
  temporal,
  temporalConfig,
  store,
}: Pick<AppDeps, 'temporal' | 'temporalConfig' | 'store'>): Promise<number> {
  const { policy, version } = await currentPolicy(store);
  const handle = temporal.workflow.getHandle<typeof supervisionPosting>(postingWorkflowId(demoPostingId));
  const act = (command: PostingCommand) => handle.executeUpdate(postingActUpdate, { args: [command] });
  try {
    await temporal.workflow.start<typeof supervisionPosting>('supervisionPosting', {
      workflowId: postingWorkflowId(demoPostingId),
      taskQueue: temporalConfig.TEMPORAL_TASK_QUEUE,
      args: [
        {
          postingId: demoPostingId,
          groupId: 'group-ecology',
          departmentId: 'dept-ecology',
          policy,
          policyVersion: version,
        },
      ],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    const date = dateOf(Date.now());
    for (const activity of demoActivities) await act({ ...activity, date });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }

  const { posting } = await handle.query(postingQuery);
  if (posting.status === 'ended') return 0;
  const missing = demoLetters.slice(posting.letters.length);
  for (const { title, content, steps } of missing) {
    const { created } = await act({
      action: 'sendLetter',
      by: he,
      title,
      content,
      policy,
      policyVersion: version,
    });
    const letter = temporal.workflow.getHandle(followUpWorkflowId(created!));
    for (const step of steps) await letter.executeUpdate(followUpActUpdate, { args: [step] });
  }
  return missing.length;
}
