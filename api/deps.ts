import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { AppConfig } from '../config';
import type { Store } from '../store';
import type { TemporalConfig } from '../temporal.config';
import type { LimitSettings } from './limits';

/** Everything the API needs; `createApp` takes it so tests can pass their own. */
export interface AppDeps {
  config: AppConfig;
  temporalConfig: TemporalConfig;
  temporal: Client;
  store: Store;
  logger: Logger;
  /** Rate limits; default: from the environment (api/limits.ts). */
  limits?: LimitSettings;
}
