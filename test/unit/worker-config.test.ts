import { ConfigError } from '../../config';
import { defaultWorkerCacheSize, loadWorkerConfig } from '../../temporal.config';
import { workerTuning } from '../../worker/worker';

describe('loadWorkerConfig', () => {
  it('keeps the default sticky cache when nothing is set, and reads whole numbers', () => {
    expect(loadWorkerConfig({})).toEqual({ HUIYIN_WORKER_CACHE_SIZE: defaultWorkerCacheSize });
    expect(
      workerTuning(
        loadWorkerConfig({ HUIYIN_WORKER_CACHE_SIZE: ' 2500 ', HUIYIN_WORKER_WORKFLOW_TASKS: '20' }),
      ),
    ).toEqual({ maxCachedWorkflows: 2500, maxConcurrentWorkflowTaskExecutions: 20 });
    expect(workerTuning(loadWorkerConfig({ HUIYIN_WORKER_CACHE_SIZE: '0' }))).toEqual({
      maxCachedWorkflows: 0,
    });
  });

  it.each([
    ['HUIYIN_WORKER_CACHE_SIZE', '', 'must be a whole number'],
    ['HUIYIN_WORKER_CACHE_SIZE', '1k', 'must be a whole number'],
    ['HUIYIN_WORKER_CACHE_SIZE', '-5', 'must be a whole number'],
    ['HUIYIN_WORKER_CACHE_SIZE', '1.5', 'must be a whole number'],
    ['HUIYIN_WORKER_CACHE_SIZE', '1', 'must be 0 (no sticky cache) or at least 2'],
    ['HUIYIN_WORKER_CACHE_SIZE', '5000000', 'must be at most 1000000'],
    ['HUIYIN_WORKER_WORKFLOW_TASKS', '1', 'must be at least 2'],
  ])('refuses %s=%j, naming the variable', (name, value, message) => {
    expect(() => loadWorkerConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadWorkerConfig({ [name]: value })).toThrow(`${name}: ${message}`);
  });

  it('refuses more workflow tasks at once than the cache holds', () => {
    expect(() =>
      loadWorkerConfig({ HUIYIN_WORKER_CACHE_SIZE: '10', HUIYIN_WORKER_WORKFLOW_TASKS: '20' }),
    ).toThrow('HUIYIN_WORKER_WORKFLOW_TASKS: must not exceed HUIYIN_WORKER_CACHE_SIZE (10)');
  });
});
