/** The shape every scenario file exports, and what the runner and the test read from it. */
import type { Row } from './kit';

export interface ScenarioOptions {
  /** 1 = the bounded run of the test suite (a dozen actions, one fault); `npm run chaos` uses 4. */
  scale: number;
  /** How long the database stays down (db-down); default 30 s. */
  downSeconds?: number;
  /** Keep the stack's data directory and logs (printed) instead of deleting them. */
  keep?: boolean;
}

export interface ScenarioResult extends Row {
  /**
   * Statuses of the writes sent while the fault lasted (0 = no answer), e.g. 503 while Temporal was down;
   * a write sent just before the end may still be taken (the clients retry inside the API first).
   */
  duringFault: Record<number, number>;
  /** Statuses of the writes sent after the fault ended. */
  afterFault: Record<number, number>;
  /** From the end of the fault to the API's first 2xx. */
  apiRecoveryMs?: number;
  /** temporal-kill: /readyz answers while Temporal was down and after. */
  readyz?: { during: Record<number, number>; after: Record<number, number> };
  /** temporal-kill: fired steps that had fallen due while Temporal was down. */
  dueWhileDown?: number;
  /** api-kill: requests whose first attempt got no answer (cut by the kill). */
  cut?: number;
}

export type Scenario = (o: ScenarioOptions) => Promise<ScenarioResult>;
